"""The suggested kinds' titles in a small table of their own (SQLite `search_titles`, FTS5;
PostgreSQL `search_title`, a `tsvector` with its GIN index): suggestions read it alone, where
they read the titles of every document, posts' and comments' (their authors' names) included.
Filled here from the documents already indexed (the kinds suggested when this was written;
`rebuild_search_index` fills it from the registry)."""

from django.db import migrations

KINDS = "('person', 'space', 'page', 'document', 'news')"

SQLITE = [
    "CREATE VIRTUAL TABLE search_titles USING fts5("
    "title_words, title_stems, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO search_titles (rowid, title_words, title_stems)"
    " SELECT search_fts.rowid, search_fts.title_words, search_fts.title_stems"
    " FROM search_fts JOIN search_searchdocument ON search_searchdocument.id = search_fts.rowid"
    f" WHERE search_searchdocument.kind IN {KINDS}",
]
POSTGRES = [
    "CREATE TABLE search_title (doc_id bigint PRIMARY KEY, vector tsvector NOT NULL)",
    "CREATE INDEX search_title_gin ON search_title USING gin (vector)",
    "INSERT INTO search_title (doc_id, vector)"
    " SELECT search_vector.doc_id,"
    " to_tsvector(CASE search_searchdocument.language WHEN 'en' THEN 'english'::regconfig"
    " ELSE 'french'::regconfig END, unaccent(search_vector.title))"
    " || to_tsvector('simple', unaccent(search_vector.title))"
    " FROM search_vector JOIN search_searchdocument"
    " ON search_searchdocument.id = search_vector.doc_id"
    f" WHERE search_searchdocument.kind IN {KINDS}",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    table = {"sqlite": "search_titles", "postgresql": "search_title"}
    if schema_editor.connection.vendor in table:
        schema_editor.execute(f"DROP TABLE {table[schema_editor.connection.vendor]}")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_sqlite_names_index")]
    operations = [migrations.RunPython(forwards, backwards)]
