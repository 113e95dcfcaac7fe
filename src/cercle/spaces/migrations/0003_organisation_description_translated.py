"""The organisation space's description was stored in English by 0002: stored empty instead, the
pages show a default in the reader's language (unless its admins wrote their own)."""

from django.db import migrations

SEEDED = "Announcements and news for everyone."
SEARCH_TEXT = (
    "whole organisation announcements and news for everyone "
    "toute l'organisation annonces et actualites pour tout le monde"
)


def clear_seeded_description(apps, schema_editor):
    apps.get_model("spaces", "Space").objects.filter(
        is_organisation=True, description=SEEDED
    ).update(description="", search_text=SEARCH_TEXT)


def restore_seeded_description(apps, schema_editor):
    apps.get_model("spaces", "Space").objects.filter(is_organisation=True, description="").update(
        description=SEEDED
    )


class Migration(migrations.Migration):
    dependencies = [("spaces", "0002_organisation_space")]

    operations = [migrations.RunPython(clear_seeded_description, restore_seeded_description)]
