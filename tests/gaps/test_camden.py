"""Gap analysis on Camden's real open data (seed/camden: 133 LSOAs, 8,225 postcodes and who
lives in them), with the ready-made step-free question and no groups listed yet."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from assetmap.cli import seed_camden_geography
from assetmap.db import Database
from assetmap.gaps.analysis import analyse, what_if
from assetmap.gaps.profile import READY_MADE
from assetmap.geo.travel import EstimatedTravel
from assetmap.models import Area, Postcode


def test_camden_every_lsoa_ranked_by_its_disabled_residents_and_a_what_if(
    database: Database,
) -> None:
    seed_camden_geography(database)
    with database.session() as session:
        disabled = {a.code: a.population * a.disabled_share for a in session.query(Area).all()}
        result = analyse(
            session, READY_MADE["step-free-social-weekday-bus"], EstimatedTravel(), dt.date.today()
        )
        top = result.areas[0]
        points = session.query(Postcode.lat, Postcode.lon).filter_by(area_code=top.code).all()

    assert len(result.areas) == 133 and result.basis == "areas"
    assert result.people == pytest.approx(sum(disabled.values()))
    # Nothing is listed: nobody is covered, and the area with the most disabled residents
    # has the biggest gap.
    assert all(a.coverage == 0 for a in result.areas)
    assert top.code == max(disabled, key=disabled.__getitem__)
    assert top.gap_score == pytest.approx(100)

    lat, lon = np.mean([p.lat for p in points]), np.mean([p.lon for p in points])
    change = what_if(result, float(lat), float(lon), places=15)
    assert change.people_reached >= top.people
    top_after = next(c for c in change.changes if c.code == top.code)
    assert top_after.coverage_after == 1 and top_after.gap_after == 0
