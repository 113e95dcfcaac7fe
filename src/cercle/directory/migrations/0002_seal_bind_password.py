"""The directory's bind password, stored in clear before sealing existed, is sealed
(cercle.core.sealing); going back opens it again."""

from django.db import migrations

from cercle.core import sealing


def seal_password(apps, schema_editor):  # type: ignore[no-untyped-def]
    DirectorySettings = apps.get_model("directory", "DirectorySettings")
    rows = DirectorySettings.objects.exclude(bind_password="")
    for row in rows.exclude(bind_password__startswith=sealing.PREFIX):
        row.bind_password = sealing.seal(row.bind_password)
        row.save(update_fields=["bind_password"])


def open_password(apps, schema_editor):  # type: ignore[no-untyped-def]
    DirectorySettings = apps.get_model("directory", "DirectorySettings")
    for row in DirectorySettings.objects.filter(bind_password__startswith=sealing.PREFIX):
        row.bind_password = sealing.unseal(row.bind_password)
        row.save(update_fields=["bind_password"])


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(seal_password, open_password)]
