"""PostgreSQL: a stored tsvector column (generated from search_text, so bulk inserts fill it) with
a GIN index that does not defer its updates (fastupdate off: no pending list to scan on reads).

Matching a stored vector is cheap, so a plan that reads the directory in name or id order and
tests each row stays fast. SQLite keeps its FTS5 table (0002). Nothing changes elsewhere.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS accounts_profile_search_gin",
    "ALTER TABLE accounts_profile ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX accounts_profile_search_vector_gin ON accounts_profile "
    "USING gin (search_vector) WITH (fastupdate = off)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS accounts_profile_search_vector_gin",
    "ALTER TABLE accounts_profile DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX accounts_profile_search_gin ON accounts_profile "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_directory_indexes"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
