"""PostGIS-only behaviour: the GiST index is used at a realistic size, PostGIS is really there."""

import pytest
from sqlalchemy import select, text

from assetmap.geo.spatial import Point, circle_bbox, spatial_dialect
from assetmap.models import Venue
from tests.directory.test_spatial_index import _grid

pytestmark = pytest.mark.only_backend("postgis")


def test_postgis_extension_is_installed(database):
    with database.engine.connect() as connection:
        version = connection.execute(text("SELECT PostGIS_Lib_Version()")).scalar_one()
    assert version.split(".")[0] == "3"


def test_postgis_uses_the_gist_index(database, add_groups):
    add_groups(*_grid(3000))
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE venues"))
    dialect = spatial_dialect(database.backend)
    centre = Point(51.55, -0.14)
    query = select(Venue.id).where(
        dialect.venues_in_box(circle_bbox(centre, 500)), dialect.distance_m(centre) <= 500
    )
    with database.engine.connect() as connection:
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {compiled}")))
    assert "idx_venues_location" in plan, plan
