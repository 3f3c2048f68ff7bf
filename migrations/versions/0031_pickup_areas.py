"""A spatial index of where each group collects people from: "whose pickup area holds this
point".

A search found the groups whose door-to-door transport reaches a person by probing every
venue within the longest pickup radius (about 6 km, a few thousand venues at 100,000
listings) for the groups there that collect people: on SQLite 30 ms of a 20-minute walk's
55 ms. ``pickup_areas`` holds, for each group that collects people from a venue, a box
around its venue that holds every point its radius reaches; a search asks which boxes hold
the person, then judges those few groups' real distance as before.

- SQLite: an R*Tree virtual table (group id, min/max longitude, min/max latitude).
- PostgreSQL: a table of the same columns, with a GiST index on their ``box``.

Triggers keep it true on every write: a group that starts or stops collecting, changes its
radius or its venue, a venue that moves (PostgreSQL per statement, with transition tables,
as the text index's). A group's row goes with it (SQLite by trigger, PostgreSQL by the
foreign key). The box is generous, never short (see ``_DLAT``): what it lets through in
excess the search's exact test leaves out.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

# Half the box's height and width in degrees around venue ``v`` for group ``g``. The search
# measures squared flat-earth distances with the FCC's coefficients at the person's latitude:
# at least 110.56 km per degree of latitude, at least 111.32 cos(latitude) per degree of
# longitude. So 110 km per degree, with the cosine taken at the furthest latitude the box
# reaches (the person is within it), gives a box that holds every point the radius reaches.
# Near a pole the box spans every longitude. abs(): a negative radius covers as its square.
_DLAT = "(abs(g.door_to_door_radius_km) / 110.0)"
_DLON = (
    f"(CASE WHEN abs(v.lat) + {_DLAT} < 89 THEN {_DLAT} / cos(radians(abs(v.lat) + {_DLAT}))"
    " ELSE 360 END)"
)
_COLLECTS = "g.door_to_door_available IS TRUE AND g.door_to_door_radius_km IS NOT NULL"
_FROM = f"FROM groups AS g JOIN venues AS v ON v.id = g.venue_id WHERE {_COLLECTS}"
_FILL = (
    "INSERT INTO pickup_areas (group_id, min_lon, max_lon, min_lat, max_lat)"
    f" SELECT g.id, v.lon - {_DLON}, v.lon + {_DLON}, v.lat - {_DLAT}, v.lat + {_DLAT}"
)
#: PostgreSQL's GiST index is on this expression; a search must write it the same way
#: (``assetmap.matching.pickup``).
PICKUP_BOX = "box(point(min_lon, min_lat), point(max_lon, max_lat))"

# ---- SQLite ----------------------------------------------------------------------------------


def _sqlite_fill(where: str) -> str:
    """The areas of the collecting groups that ``where`` picks."""
    return f"{_FILL} {_FROM} AND {where}"


_OF_VENUE = "SELECT id FROM groups WHERE venue_id"

SQLITE_UP = [
    "CREATE VIRTUAL TABLE pickup_areas USING rtree(group_id, min_lon, max_lon, min_lat, max_lat)",
    # Only a group that collects people has an area: the others (most of an import) cost
    # the trigger no statement.
    "CREATE TRIGGER pickup_area_insert AFTER INSERT ON groups"
    f" WHEN new.door_to_door_available IS TRUE BEGIN {_sqlite_fill('g.id = new.id')}; END",
    "CREATE TRIGGER pickup_area_update AFTER UPDATE OF"
    " id, venue_id, door_to_door_available, door_to_door_radius_km ON groups BEGIN"
    f" DELETE FROM pickup_areas WHERE group_id = old.id; {_sqlite_fill('g.id = new.id')}; END",
    "CREATE TRIGGER pickup_area_delete AFTER DELETE ON groups BEGIN"
    " DELETE FROM pickup_areas WHERE group_id = old.id; END",
    "CREATE TRIGGER pickup_area_venue_update AFTER UPDATE OF id, lat, lon ON venues BEGIN"
    f" DELETE FROM pickup_areas WHERE group_id IN ({_OF_VENUE} IN (old.id, new.id));"
    f" {_sqlite_fill('g.venue_id = new.id')}; END",
    # The foreign key sets the groups' venue to NULL (the update trigger then runs), unless
    # foreign keys are off on that connection: the areas go either way.
    "CREATE TRIGGER pickup_area_venue_delete AFTER DELETE ON venues BEGIN"
    f" DELETE FROM pickup_areas WHERE group_id IN ({_OF_VENUE} = old.id); END",
    # Existing rows.
    _sqlite_fill("true"),
]

SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS pickup_area_{name}"
        for name in ("insert", "update", "delete", "venue_update", "venue_delete")
    ),
    "DROP TABLE IF EXISTS pickup_areas",
]

# ---- PostgreSQL ------------------------------------------------------------------------------

POSTGRES_UP = [
    # The corners as numbers, the box only in the index: SQLAlchemy (and so Alembic's
    # comparison of the schema) knows no type ``box``.
    "CREATE TABLE pickup_areas ("
    " group_id integer PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE ON UPDATE CASCADE,"
    " min_lon double precision NOT NULL, max_lon double precision NOT NULL,"
    " min_lat double precision NOT NULL, max_lat double precision NOT NULL)",
    f"CREATE INDEX ix_pickup_areas_area ON pickup_areas USING gist ({PICKUP_BOX})",
    "CREATE FUNCTION pickup_areas_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$"
    " DELETE FROM pickup_areas WHERE group_id = ANY (ids);"
    f" {_FILL} {_FROM} AND g.id = ANY (ids);"
    " $$",
    # A new id (an insert, or a key changed) or a change of what the area is made of.
    "CREATE FUNCTION pickup_areas_groups_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF TG_OP = 'INSERT' THEN"
    " PERFORM pickup_areas_refresh(ARRAY(SELECT id FROM new_rows"
    " WHERE door_to_door_available IS TRUE));"
    " ELSE"
    " PERFORM pickup_areas_refresh(ARRAY(SELECT n.id FROM new_rows AS n"
    " LEFT JOIN old_rows AS o ON o.id = n.id WHERE o.id IS NULL"
    " OR (n.venue_id, n.door_to_door_available, n.door_to_door_radius_km)"
    " IS DISTINCT FROM (o.venue_id, o.door_to_door_available, o.door_to_door_radius_km)));"
    " END IF;"
    " RETURN NULL;"
    " END $$",
    "CREATE FUNCTION pickup_areas_venues_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " PERFORM pickup_areas_refresh(ARRAY(SELECT g.id FROM new_rows AS n"
    " LEFT JOIN old_rows AS o ON o.id = n.id JOIN groups AS g ON g.venue_id = n.id"
    " WHERE g.door_to_door_available IS TRUE"
    " AND (o.id IS NULL OR (n.lat, n.lon) IS DISTINCT FROM (o.lat, o.lon))));"
    " RETURN NULL;"
    " END $$",
    "CREATE TRIGGER pickup_areas_groups_insert AFTER INSERT ON groups"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION pickup_areas_groups_changed()",
    "CREATE TRIGGER pickup_areas_groups_update AFTER UPDATE ON groups"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION pickup_areas_groups_changed()",
    "CREATE TRIGGER pickup_areas_venues_update AFTER UPDATE ON venues"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION pickup_areas_venues_changed()",
    # Existing rows.
    "SELECT pickup_areas_refresh(ARRAY(SELECT id FROM groups"
    " WHERE door_to_door_available IS TRUE))",
    "ANALYZE pickup_areas",
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS pickup_areas_groups_insert ON groups",
    "DROP TRIGGER IF EXISTS pickup_areas_groups_update ON groups",
    "DROP TRIGGER IF EXISTS pickup_areas_venues_update ON venues",
    "DROP FUNCTION IF EXISTS pickup_areas_venues_changed()",
    "DROP FUNCTION IF EXISTS pickup_areas_groups_changed()",
    "DROP FUNCTION IF EXISTS pickup_areas_refresh(integer[])",
    "DROP TABLE IF EXISTS pickup_areas",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
