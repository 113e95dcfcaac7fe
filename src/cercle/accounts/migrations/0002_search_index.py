"""The directory's full-text index and the "recently joined" index.

SQLite: an FTS5 table with external content (accounts_profile.search_text), kept in step by
triggers, so that every write, including bulk inserts by imports and seeds, is indexed.
PostgreSQL: a GIN index over to_tsvector('simple', search_text); the text is already normalised
(accent- and case-free) by cercle.accounts.search, so the 'simple' configuration is enough.
Both are queried with prefix matching on every word (cercle.accounts.search.filter_search).
"""

from django.db import migrations, models

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE accounts_profile_fts USING fts5(
        search_text,
        content='accounts_profile',
        content_rowid='user_id',
        tokenize='unicode61 remove_diacritics 2',
        prefix='1 2 3'
    )""",
    """CREATE TRIGGER accounts_profile_fts_ai AFTER INSERT ON accounts_profile BEGIN
        INSERT INTO accounts_profile_fts(rowid, search_text) VALUES (new.user_id, new.search_text);
    END""",
    """CREATE TRIGGER accounts_profile_fts_ad AFTER DELETE ON accounts_profile BEGIN
        INSERT INTO accounts_profile_fts(accounts_profile_fts, rowid, search_text)
        VALUES ('delete', old.user_id, old.search_text);
    END""",
    """CREATE TRIGGER accounts_profile_fts_au AFTER UPDATE OF search_text, user_id ON accounts_profile
    BEGIN
        INSERT INTO accounts_profile_fts(accounts_profile_fts, rowid, search_text)
        VALUES ('delete', old.user_id, old.search_text);
        INSERT INTO accounts_profile_fts(rowid, search_text) VALUES (new.user_id, new.search_text);
    END""",
    "INSERT INTO accounts_profile_fts(accounts_profile_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_profile_fts_au",
    "DROP TRIGGER IF EXISTS accounts_profile_fts_ad",
    "DROP TRIGGER IF EXISTS accounts_profile_fts_ai",
    "DROP TABLE IF EXISTS accounts_profile_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX accounts_profile_search_gin ON accounts_profile "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS accounts_profile_search_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(fields=["-date_joined", "-id"], name="user_recently_joined"),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
