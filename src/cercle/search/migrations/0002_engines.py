"""The engines' own tables, per database vendor (the other vendor gets nothing).

SQLite: an FTS5 table of words and stems (unicode61, diacritics removed) and a `trigram` one for
parts of words, both keyed by the document's id. PostgreSQL: `unaccent` and `pg_trgm` (created
here: the migrating role must be allowed to, see docs/deployment.md), a table of `tsvector`s with
a GIN index, and a trigram GIN index on the plain text.
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title_words, title_stems, body_words, body_stems, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE search_trigram USING fts5(plain, tokenize = 'trigram')",
]
SQLITE_REVERSE = ["DROP TABLE search_trigram", "DROP TABLE search_fts"]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE search_vector ("
    # No foreign key: Django's flush (TRUNCATE) does not know this table; the engine deletes
    # its rows with their documents, and a write replaces any row left under the same id.
    " doc_id bigint PRIMARY KEY,"
    " vector tsvector NOT NULL, plain text NOT NULL, title text NOT NULL)",
    "CREATE INDEX search_vector_gin ON search_vector USING gin (vector)",
    "CREATE INDEX search_vector_trgm ON search_vector USING gin (plain gin_trgm_ops)",
    "CREATE INDEX search_vector_title_trgm ON search_vector USING gin (title gin_trgm_ops)",
]
POSTGRES_REVERSE = ["DROP TABLE search_vector"]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
