"""SQLite: an index holding the columns a search reads from the documents' table by id (the
date, kind, object, space and author), so that it does not read the rows themselves. Those
columns come after `body` in a row, and a long body (a file's text) spills onto overflow pages
that SQLite walks to reach them: ordering a few thousand matches by date read them all (a third
of a common word's query at 222,000 documents). PostgreSQL keeps long bodies out of the row
(TOAST) and gets nothing."""

from django.db import migrations

INDEX = "search_document_cover"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON search_searchdocument"
            " (id, date, kind, object_id, space_id, author_id)"
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_titles")]
    operations = [migrations.RunPython(forwards, backwards)]
