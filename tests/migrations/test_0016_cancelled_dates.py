"""0016 adds groups.cancelled_dates and gives every stored document the field, in the
contract's place, so the API shows it for groups not written since."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from assetmap import schema
from assetmap.models import Group
from tests.factories import listing


def test_0016_gives_old_documents_an_empty_cancelled_dates(database, add_groups) -> None:
    (group_id,) = add_groups(listing("Men's Shed", at="NW5 2AA"))
    schema.downgrade(database, "0013")
    with database.engine.begin() as connection:
        document = connection.execute(select(Group.document)).scalar_one()
        feature = json.loads(document)
        del feature["properties"]["cancelled_dates"]
        connection.execute(update(Group.__table__).values(document=json.dumps(feature)))
    schema.upgrade(database)
    with database.engine.connect() as connection:
        document = connection.execute(
            select(Group.document).where(Group.id == group_id)
        ).scalar_one()
    keys = list(json.loads(document)["properties"])
    assert json.loads(document)["properties"]["cancelled_dates"] == []
    assert keys.index("cancelled_dates") == keys.index("last_verified_at") - 1
