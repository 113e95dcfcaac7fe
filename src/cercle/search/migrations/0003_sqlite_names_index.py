"""SQLite: a small trigram table of people's names only (`search_names`), for the names' typo
tolerance, which read the trigram table of every document (seconds at 200,000 documents).
Filled here from the people already indexed; PostgreSQL gets nothing (its lookup uses the
trigram index of `search_vector.title`)."""

from django.db import migrations

FORWARDS = [
    "CREATE VIRTUAL TABLE search_names USING fts5(title, tokenize = 'trigram')",
    "INSERT INTO search_names (rowid, title)"
    " SELECT id, title FROM search_searchdocument WHERE kind = 'person'",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        for statement in FORWARDS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE search_names")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_engines")]
    operations = [migrations.RunPython(forwards, backwards)]
