"""The duplicate-detection fixture, loaded source by source as imports would bring it."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from assetmap.db import Database
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.interop.load import ParsedSource, SourceRecord, load_source
from assetmap.models import Postcode
from tests.factories import POSTCODES

FIXTURE = Path(__file__).parents[1] / "data" / "interop" / "duplicates.json"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def records() -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return list(data["records"])


def load_all(database: Database, now: dt.datetime = NOW) -> dict[str, int]:
    """Every source of the fixture imported in turn; the group id of each record's ``ref``."""
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records():
        by_source[record["source"]].append(record)
    ids: dict[str, int] = {}
    with database.session() as session:
        if session.get(Postcode, "NW5 2AA") is None:
            session.add_all(Postcode(postcode=p, lat=a, lon=b) for p, (a, b) in POSTCODES.items())
            session.flush()
        for source, rows in by_source.items():
            parsed = ParsedSource(
                records=[
                    SourceRecord(r["listing"], source_id=r["source_id"], label=r["ref"])
                    for r in rows
                ]
            )
            result = load_source(session, source, parsed, GazetteerGeocoder(session), now)
            ids.update(zip((r["ref"] for r in rows), result.group_ids, strict=True))
    return ids
