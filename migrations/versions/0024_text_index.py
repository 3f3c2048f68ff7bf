"""A text index for search, kept by the database itself at write time.

Text search fetched its candidates by LIKE on every row and ranked them all in Python. Now
the database keeps an index of each group's searchable text (its interests, name and
description, the fields the ranking reads), and the search asks it for a short list:

- SQLite: an FTS5 table ``group_text`` (rowid = group id; accents and case folded by the
  unicode61 tokenizer, prefix indexes for the word starts a search looks for) and its
  vocabulary ``group_text_words`` (fts5vocab), which typos are corrected against.
- PostgreSQL: ``group_search`` (a weighted ``tsvector`` per group, GIN indexed) in the text
  search configuration ``assetmap_words`` (``simple`` with ``unaccent``: stems and synonyms are
  the application's), and ``search_words``, every word indexed, with a ``pg_trgm`` index for
  typos.

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
    "CREATE TABLE group_search ("
    " group_id integer PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,"
    " words tsvector NOT NULL)",
    "CREATE INDEX ix_group_search_words ON group_search USING gin (words)",
    "CREATE TABLE search_words (word text PRIMARY KEY)",
    "CREATE INDEX ix_search_words_trigrams ON search_words USING gin (word gin_trgm_ops)",
    # Rebuild the rows of these groups (a group that is gone has its row removed by the
    # foreign key), and add their words to the vocabulary.
    "CREATE FUNCTION group_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$"
    " INSERT INTO group_search (group_id, words)"
    f" SELECT g.id, setweight(to_tsvector({_WORDS}, {_unquoted('coalesce(i.interests, %s)')}),"
    " 'A')"
    f" || setweight(to_tsvector({_WORDS}, {_unquoted('g.name')}), 'B')"
    f" || setweight(to_tsvector({_WORDS}, {_unquoted('coalesce(g.description, %s)')}), 'C')"
    " FROM groups AS g LEFT JOIN LATERAL (SELECT string_agg(interest, ' ') AS interests"
    " FROM group_interests WHERE group_id = g.id) AS i ON true"
    " WHERE g.id = ANY (ids)"
    " ON CONFLICT (group_id) DO UPDATE SET words = excluded.words;"
    " INSERT INTO search_words (word)"
    " SELECT DISTINCT w.lexeme FROM group_search AS s, unnest(s.words) AS w"
    " WHERE s.group_id = ANY (ids) ON CONFLICT DO NOTHING;"
    " $$".replace("%s", "''"),
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
    "DROP TABLE IF EXISTS group_search",
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
