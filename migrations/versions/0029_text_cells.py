"""The text index knows where each group meets (PostgreSQL): a grid cell per (word, group).

A text search with a place asked the index for every group holding one of its words across
the whole directory (228,000 rows for a craft word at a million listings) and kept those in
the box. With the cell of the group's venue beside each word, and the key (word, cell,
group), it asks only for the cells that cover the box. The cell is a square of 0.01 degrees
of latitude and longitude (about 1.1 by 0.7 km in London); ``venue_cell`` computes it, and
``assetmap.text.index.cells_of_box`` does the same arithmetic for a search. A group with no
venue has no cell (a search with a place never finds it). The words are rebuilt when a
group moves to another venue and when a venue moves.

SQLite is unchanged: its FTS5 index and R*Tree answer the same searches fast enough at its
scale.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def _unquoted(expression: str) -> str:
    """The text with its apostrophes (straight, curly, backtick) removed, in SQL."""
    for mark in ("''", "’", "‘", "`"):
        expression = f"replace({expression}, '{mark}', '')"
    return expression


_TEXT = _unquoted(
    "coalesce(i.interests, '') || ' ' || g.name || ' ' || coalesce(g.description, '')"
)


def _refresh(with_cells: bool) -> str:
    """group_search_refresh: the index rows of these groups rebuilt from the tables."""
    columns, cell, venue = "word, group_id", "", ""
    if with_cells:
        columns += ", cell"
        cell = ", venue_cell(v.lat, v.lon)"
        venue = " LEFT JOIN venues AS v ON v.id = g.venue_id"
    return (
        "CREATE OR REPLACE FUNCTION group_search_refresh(ids integer[]) RETURNS void"
        " LANGUAGE sql AS $$"
        " DELETE FROM group_words WHERE group_id = ANY (ids);"
        f" INSERT INTO group_words ({columns})"
        f" SELECT DISTINCT w.lexeme, g.id{cell}"
        f" FROM groups AS g{venue} LEFT JOIN LATERAL (SELECT string_agg(interest, ' ')"
        " AS interests FROM group_interests WHERE group_id = g.id) AS i ON true,"
        f" unnest(to_tsvector('assetmap_words'::regconfig, {_TEXT})) AS w"
        " WHERE g.id = ANY (ids);"
        " INSERT INTO search_words (word)"
        " SELECT DISTINCT word FROM group_words WHERE group_id = ANY (ids)"
        " ON CONFLICT DO NOTHING;"
        " $$"
    )


def _groups_changed(also: str) -> str:
    return (
        "CREATE OR REPLACE FUNCTION group_search_groups_changed() RETURNS trigger"
        " LANGUAGE plpgsql AS $$"
        " BEGIN"
        " IF TG_OP = 'INSERT' THEN"
        " PERFORM group_search_refresh(ARRAY(SELECT id FROM new_rows));"
        " ELSE"
        " PERFORM group_search_refresh(ARRAY(SELECT n.id FROM new_rows AS n"
        " JOIN old_rows AS o ON o.id = n.id WHERE n.name IS DISTINCT FROM o.name"
        f" OR n.description IS DISTINCT FROM o.description{also}));"
        " END IF;"
        " RETURN NULL;"
        " END $$"
    )


UP = [
    "CREATE FUNCTION venue_cell(lat double precision, lon double precision) RETURNS integer"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS"
    " $$ SELECT (floor((lat + 90) / 0.01) * 40000 + floor((lon + 180) / 0.01))::integer $$",
    # The table is rebuilt rather than updated in place: at a million listings it holds
    # some 20 million rows, and an UPDATE would write each twice over with its index
    # entries; the key and the foreign key are made after the rows, in one pass each.
    "CREATE TABLE group_words_with_cells ("
    ' word text COLLATE "C" NOT NULL, group_id integer NOT NULL, cell integer)',
    "INSERT INTO group_words_with_cells (word, group_id, cell)"
    " SELECT w.word, w.group_id, venue_cell(v.lat, v.lon) FROM group_words AS w"
    " JOIN groups AS g ON g.id = w.group_id LEFT JOIN venues AS v ON v.id = g.venue_id",
    "DROP TABLE group_words",
    "ALTER TABLE group_words_with_cells RENAME TO group_words",
    "ALTER TABLE group_words ADD CONSTRAINT group_words_pkey PRIMARY KEY (group_id, word)",
    "ALTER TABLE group_words ADD CONSTRAINT group_words_group_id_fkey"
    " FOREIGN KEY (group_id) REFERENCES groups (id) ON DELETE CASCADE",
    # A word's groups in some cells (a search with a place), or in all (without one).
    "CREATE INDEX ix_group_words_word_cell ON group_words (word, cell, group_id)",
    "ANALYZE group_words",
    _refresh(with_cells=True),
    _groups_changed(" OR n.venue_id IS DISTINCT FROM o.venue_id"),
    "CREATE FUNCTION group_search_venues_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " PERFORM group_search_refresh(ARRAY(SELECT g.id FROM new_rows AS n"
    " JOIN old_rows AS o ON o.id = n.id JOIN groups AS g ON g.venue_id = n.id"
    " WHERE venue_cell(n.lat, n.lon) IS DISTINCT FROM venue_cell(o.lat, o.lon)));"
    " RETURN NULL;"
    " END $$",
    "CREATE TRIGGER group_search_venues_update AFTER UPDATE ON venues"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_search_venues_changed()",
]

DOWN = [
    "DROP TRIGGER IF EXISTS group_search_venues_update ON venues",
    "DROP FUNCTION IF EXISTS group_search_venues_changed()",
    _groups_changed(""),
    _refresh(with_cells=False),
    "DROP INDEX IF EXISTS ix_group_words_word_cell",
    "ALTER TABLE group_words DROP COLUMN cell",
    "CREATE INDEX ix_group_words_word ON group_words (word, group_id)",
    "DROP FUNCTION IF EXISTS venue_cell(double precision, double precision)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWN:
            op.execute(statement)
