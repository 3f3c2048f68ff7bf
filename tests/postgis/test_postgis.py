"""PostGIS-only behaviour: the GiST index is used at a realistic size, PostGIS is really there."""

import pytest
from sqlalchemy import text

from tests.directory.test_spatial_index import BOX, NEAR, grid, query_plan

pytestmark = pytest.mark.only_backend("postgis")


def test_postgis_extension_is_installed(database):
    with database.engine.connect() as connection:
        version = connection.execute(text("SELECT PostGIS_Lib_Version()")).scalar_one()
    assert version.split(".")[0] == "3"


@pytest.mark.parametrize("query", [NEAR, BOX], ids=["near", "bbox"])
def test_searches_use_the_gist_index(database, add_groups, query):
    add_groups(*grid(3000))
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    plan = query_plan(database, query)
    assert "idx_venues_location" in plan, plan
