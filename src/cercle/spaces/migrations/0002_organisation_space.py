"""The "whole organisation" space exists from the start; every active non-guest is an implied member."""

from django.db import migrations


def create_organisation_space(apps, schema_editor):
    Space = apps.get_model("spaces", "Space")
    if not Space.objects.filter(is_organisation=True).exists():
        Space.objects.create(
            name="Whole organisation",
            slug="organisation",
            description="Announcements and news for everyone.",
            kind="open",
            is_organisation=True,
            search_text="whole organisation announcements and news for everyone",
        )


def remove_organisation_space(apps, schema_editor):
    apps.get_model("spaces", "Space").objects.filter(is_organisation=True).delete()


class Migration(migrations.Migration):
    dependencies = [("spaces", "0001_initial")]

    operations = [migrations.RunPython(create_organisation_space, remove_organisation_space)]
