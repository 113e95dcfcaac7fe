"""PostgreSQL: the index's distinct words (`search_word`, 3 letters or more) with a trigram index.

A part of a word (`budg` in `budgétaire`) is looked up with `LIKE` among these short words, then
the words found are matched as the `simple` lexemes of `search_vector.vector` through its GIN
index: no document's text is read back (`LIKE '%budg%'` on `search_vector.plain` read the text of
every document the trigram index proposed). Filled here from the plain text already indexed (the
same words: `plain` is the words joined by spaces); `search.engines.PostgresEngine.write` adds the
words of each document written, `rebuild_search_index` removes those no document holds any more.
SQLite keeps FTS5's trigram table."""

from django.db import migrations

POSTGRES = [
    "CREATE TABLE search_word (word text PRIMARY KEY)",
    "INSERT INTO search_word (word) SELECT DISTINCT word"
    " FROM search_vector, unnest(string_to_array(search_vector.plain, ' ')) AS word"
    " WHERE length(word) >= 3",
    "CREATE INDEX search_word_trigram ON search_word USING gin (word gin_trgm_ops)",
    "ANALYZE search_word",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE search_word")


class Migration(migrations.Migration):
    dependencies = [("search", "0005_sqlite_document_cover")]
    operations = [migrations.RunPython(forwards, backwards)]
