"""The matching's interest net on PostgreSQL probes each candidate's own interests: it never
reads every interest in the directory, whatever number of candidates the planner expects."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from assetmap.db import Database, backend_of
from assetmap.geo.travel import EstimatedTravel
from assetmap.matching.candidates import Search, judged_statement
from assetmap.matching.engine import DEFAULT_PICKUP_RADIUS_KM
from tests.factories import TODAY
from tests.matching.test_exhaustive import PROFILES, _directory


@pytest.mark.only_backend("postgis")
@pytest.mark.parametrize("label", list(PROFILES))
def test_the_interest_net_probes_each_candidates_interests(
    database: Database, add_groups: Any, label: str
) -> None:
    add_groups(*_directory(seed=7, count=300))
    backend = backend_of(database.config.database_url)
    profile = PROFILES[label]
    with database.session() as session:
        search = Search(
            session, profile, backend, EstimatedTravel(), DEFAULT_PICKUP_RADIUS_KM, TODAY
        )
        statement = judged_statement(profile, search).compile(
            session.get_bind(), compile_kwargs={"literal_binds": True}
        )
        # With statistics, the planner expects enough candidates to think hashing every
        # interest of the directory that holds a pattern cheaper than probing each's own.
        session.execute(text("ANALYZE"))
        plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {statement}")))
    assert "Seq Scan on group_interests" not in plan
    if profile.interests:
        assert "Index Cond: (group_id = groups.id)" in plan
