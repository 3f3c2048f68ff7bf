"""The declarative base and the column types every table shares."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any, cast

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 4326


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and handed back timezone-aware on both backends."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stored_enum(kind: type[enum.StrEnum], name: str) -> Enum:
    """Store an enum by its value, as a string with a CHECK constraint on both backends."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(member.value) for member in kind),
        values_callable=lambda members: [member.value for member in members],
    )


IntPK = Annotated[int, mapped_column(Integer, primary_key=True)]


#: When a row was last written, for rows re-loaded in place (set on insert and on update).
ChangedAt = Annotated[
    dt.datetime | None, mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
]
Created = Annotated[dt.datetime, mapped_column(UTCDateTime, default=utcnow, nullable=False)]


Name = Annotated[str, mapped_column(String(200), nullable=False)]


MaybeBool = Mapped[bool | None]


JSONValue = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    # Plain ``float`` columns are FLOAT, as the migrations create them. SQLAlchemy 2.1 maps
    # ``float`` to DOUBLE by default (2.0 to FLOAT): without this the model would say DOUBLE
    # on SQLite, and which one it said would depend on the SQLAlchemy version.
    type_annotation_map = {float: Float()}
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def table_of(model: type[Base]) -> Table:
    """A model's Table, typed as one (SQLAlchemy types ``__table__`` as any FromClause)."""
    return cast(Table, model.__table__)
