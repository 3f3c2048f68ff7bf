"""A text index for search, kept by the database itself at write time.

Text search fetched its candidates by LIKE on every row and ranked them all in Python. Now
the database keeps an index of each group's searchable text (its interests, name and
description, the fields the ranking reads), and the search asks it for a short list:

- SQLite: an FTS5 table ``group_text`` (rowid = group id; accents and case folded by the
  unicode61 tokenizer, prefix indexes for the word starts a search looks for) and its
  vocabulary ``group_text_words`` (fts5vocab), which typos are corrected against.
- PostgreSQL: ``group_words``, one row per (word, group), its words made by the text search
  configuration ``assetmap_words`` (``simple`` with ``unaccent``: stems and synonyms are the
  application's), and ``search_words``, every word indexed, with a ``pg_trgm`` index for
  typos. A search expands its word starts to whole words from ``search_words`` and reads the
  groups of those from ``group_words``'s key: no per-row re-check.

Triggers on ``groups`` and ``group_interests`` keep both true on every write, whichever code
makes it (ORM, Core, COPY, executemany, merges, cascades). Apostrophes are dropped before
indexing ("men's" is the word "mens", as the ranking compares words). On PostgreSQL the
triggers are per statement, with transition tables, so a COPY of 100,000 groups refreshes
their rows in a few set-based statements.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _unquoted(expression: str) -> str:
    """The text with its apostrophes (straight, curly, backtick) removed, in SQL."""
    for mark in ("''", "’", "‘", "`"):
        expression = f"replace({expression}, '{mark}', '')"
    return expression


_EMPTY = "''"

# ---- SQLite ----------------------------------------------------------------------------------


def _sqlite_interests(group_id: str) -> str:
    return _unquoted(
        "coalesce((SELECT group_concat(interest, ' ') FROM group_interests"
        f" WHERE group_id = {group_id}), '')"
    )


def _sqlite_insert(group: str) -> str:
    return (
        "INSERT INTO group_text (rowid, interests, name, description) VALUES ("
        f"{group}.id, {_sqlite_interests(f'{group}.id')}, {_unquoted(f'{group}.name')},"
        f" {_unquoted(f'coalesce({group}.description, {_EMPTY})')})"
    )


def _sqlite_interests_update(group_id: str) -> str:
    return (
        f"UPDATE group_text SET interests = {_sqlite_interests(group_id)} WHERE rowid = {group_id}"
    )


SQLITE_UP = [
    "CREATE VIRTUAL TABLE group_text USING fts5("
    "interests, name, description, tokenize = 'unicode61 remove_diacritics 2', prefix = '3 4')",
    # bm25 weighs the fields as the ranking does: interests, name, description.
    "INSERT INTO group_text (group_text, rank) VALUES ('rank', 'bm25(10.0, 9.0, 7.0)')",
    "CREATE VIRTUAL TABLE group_text_words USING fts5vocab(group_text, row)",
    f"CREATE TRIGGER group_text_insert AFTER INSERT ON groups BEGIN {_sqlite_insert('new')}; END",
    "CREATE TRIGGER group_text_update AFTER UPDATE OF id, name, description ON groups BEGIN"
    f" DELETE FROM group_text WHERE rowid = old.id; {_sqlite_insert('new')}; END",
    "CREATE TRIGGER group_text_delete AFTER DELETE ON groups BEGIN"
    " DELETE FROM group_text WHERE rowid = old.id; END",
    "CREATE TRIGGER group_text_interest_insert AFTER INSERT ON group_interests BEGIN"
    f" {_sqlite_interests_update('new.group_id')}; END",
    "CREATE TRIGGER group_text_interest_delete AFTER DELETE ON group_interests BEGIN"
    f" {_sqlite_interests_update('old.group_id')}; END",
    "CREATE TRIGGER group_text_interest_update AFTER UPDATE ON group_interests BEGIN"
    f" {_sqlite_interests_update('old.group_id')}; {_sqlite_interests_update('new.group_id')};"
    " END",
    # Existing rows.
    "INSERT INTO group_text (rowid, interests, name, description) SELECT"
    f" g.id, {_sqlite_interests('g.id')}, {_unquoted('g.name')},"
    f" {_unquoted(f'coalesce(g.description, {_EMPTY})')} FROM groups AS g",
]

SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS group_text_{name}"
        for name in (
            "insert",
            "update",
            "delete",
            "interest_insert",
            "interest_delete",
            "interest_update",
        )
    ),
    "DROP TABLE IF EXISTS group_text_words",
    "DROP TABLE IF EXISTS group_text",
]

# ---- PostgreSQL ------------------------------------------------------------------------------

_WORDS = "'assetmap_words'::regconfig"

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TEXT SEARCH CONFIGURATION assetmap_words (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION assetmap_words ALTER MAPPING FOR"
    " word, hword, hword_part, asciiword, asciihword, hword_asciipart WITH unaccent, simple",
    # One row per (word, group): a search reads group ids straight from the key, where a
    # tsvector would be re-read and re-checked per match (2 µs each, 20,000 for a broad word).
    # Byte order ("C") so a word start is a range of the key.
    "CREATE TABLE group_words ("
    ' word text COLLATE "C" NOT NULL,'
    " group_id integer NOT NULL REFERENCES groups (id) ON DELETE CASCADE,"
    " PRIMARY KEY (group_id, word))",
    # Both ways: a word's groups (the search), a group's words (a place's candidates, and
    # the refresh).
    "CREATE INDEX ix_group_words_word ON group_words (word, group_id)",
    'CREATE TABLE search_words (word text COLLATE "C" PRIMARY KEY)',
    "CREATE INDEX ix_search_words_trigrams ON search_words USING gin (word gin_trgm_ops)",
    # Rebuild the rows of these groups (a group that is gone has its rows removed by the
    # foreign key), and add their words to the vocabulary.
    "CREATE FUNCTION group_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$"
    " DELETE FROM group_words WHERE group_id = ANY (ids);"
    " INSERT INTO group_words (word, group_id)"
    " SELECT DISTINCT w.lexeme, g.id"
    " FROM groups AS g LEFT JOIN LATERAL (SELECT string_agg(interest, ' ') AS interests"
    " FROM group_interests WHERE group_id = g.id) AS i ON true,"
    f" unnest(to_tsvector({_WORDS}, "
    + _unquoted(
        f"coalesce(i.interests, {_EMPTY}) || ' ' || g.name"
        f" || ' ' || coalesce(g.description, {_EMPTY})"
    )
    + ")) AS w"
    " WHERE g.id = ANY (ids);"
    " INSERT INTO search_words (word)"
    " SELECT DISTINCT word FROM group_words WHERE group_id = ANY (ids)"
    " ON CONFLICT DO NOTHING;"
    " $$",
    "CREATE FUNCTION group_search_groups_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF TG_OP = 'INSERT' THEN"
    " PERFORM group_search_refresh(ARRAY(SELECT id FROM new_rows));"
    " ELSE"
    " PERFORM group_search_refresh(ARRAY(SELECT n.id FROM new_rows AS n"
    " JOIN old_rows AS o ON o.id = n.id WHERE n.name IS DISTINCT FROM o.name"
    " OR n.description IS DISTINCT FROM o.description));"
    " END IF;"
    " RETURN NULL;"
    " END $$",
    "CREATE FUNCTION group_search_interests_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF TG_OP = 'INSERT' THEN"
    " PERFORM group_search_refresh(ARRAY(SELECT DISTINCT group_id FROM new_rows));"
    " ELSIF TG_OP = 'DELETE' THEN"
    " PERFORM group_search_refresh(ARRAY(SELECT DISTINCT group_id FROM old_rows));"
    " ELSE"
    " PERFORM group_search_refresh(ARRAY(SELECT group_id FROM new_rows"
    " UNION SELECT group_id FROM old_rows));"
    " END IF;"
    " RETURN NULL;"
    " END $$",
    "CREATE TRIGGER group_search_groups_insert AFTER INSERT ON groups"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_search_groups_changed()",
    "CREATE TRIGGER group_search_groups_update AFTER UPDATE ON groups"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_search_groups_changed()",
    "CREATE TRIGGER group_search_interests_insert AFTER INSERT ON group_interests"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_search_interests_changed()",
    "CREATE TRIGGER group_search_interests_delete AFTER DELETE ON group_interests"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_search_interests_changed()",
    "CREATE TRIGGER group_search_interests_update AFTER UPDATE ON group_interests"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION group_search_interests_changed()",
    # Existing rows.
    "SELECT group_search_refresh(ARRAY(SELECT id FROM groups))",
]

POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS group_search_groups_insert ON groups",
    "DROP TRIGGER IF EXISTS group_search_groups_update ON groups",
    "DROP TRIGGER IF EXISTS group_search_interests_insert ON group_interests",
    "DROP TRIGGER IF EXISTS group_search_interests_delete ON group_interests",
    "DROP TRIGGER IF EXISTS group_search_interests_update ON group_interests",
    "DROP FUNCTION IF EXISTS group_search_interests_changed()",
    "DROP FUNCTION IF EXISTS group_search_groups_changed()",
    "DROP FUNCTION IF EXISTS group_search_refresh(integer[])",
    "DROP TABLE IF EXISTS search_words",
    "DROP TABLE IF EXISTS group_words",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS assetmap_words",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
