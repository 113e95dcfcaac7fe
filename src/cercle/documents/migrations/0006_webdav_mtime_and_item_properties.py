"""WebDAV: a version's modification time set by a client (`Version.modified_at`), and dead
properties that belong to a folder or a document instead of a path.

Properties stored by path before are carried to the item their path names when it can be told:
a space library's (`/<slug>/…`). The paths under `/My documents/…` named every person's own
library at once (the old key could not tell whose), and those on `/` or `/Shared with me`
belonged to nobody: they are dropped."""

from urllib.parse import unquote

import django.db.models.deletion
from django.db import migrations, models


def _to_items(apps, schema_editor):
    DeadProperty = apps.get_model("documents", "DeadProperty")
    Library = apps.get_model("documents", "Library")
    Folder = apps.get_model("documents", "Folder")
    Document = apps.get_model("documents", "Document")
    for prop in DeadProperty.objects.all().iterator():
        parts = [unquote(part) for part in prop.path.split("/") if part]
        item = None
        library = (
            Library.objects.filter(space__slug=parts[0]).first() if len(parts) > 1 else None
        )
        if library is not None:
            folder = Folder.objects.filter(library=library, parent__isnull=True).first()
            for index, name in enumerate(parts[1:], start=1):
                if folder is None:
                    break
                child = Folder.objects.filter(
                    parent=folder, name__iexact=name, trashed_at__isnull=True
                ).first()
                if child is None and index == len(parts) - 1:
                    item = Document.objects.filter(
                        folder=folder, name__iexact=name, trashed_at__isnull=True
                    ).first()
                folder = child
            if item is None and folder is not None:
                item = folder
        if item is None:
            prop.delete()
            continue
        if item._meta.model_name == "folder":
            prop.folder_id = item.pk
        else:
            prop.document_id = item.pk
        prop.save(update_fields=["folder", "document"])


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0005_shares"),
    ]

    operations = [
        migrations.AddField(
            model_name="version",
            name="modified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RemoveConstraint(
            model_name="deadproperty",
            name="documents_dead_property_unique",
        ),
        migrations.AddField(
            model_name="deadproperty",
            name="document",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="properties",
                to="documents.document",
            ),
        ),
        migrations.AddField(
            model_name="deadproperty",
            name="folder",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="properties",
                to="documents.folder",
            ),
        ),
        migrations.RunPython(_to_items, migrations.RunPython.noop),
        migrations.RemoveField(model_name="deadproperty", name="path"),
        migrations.RemoveField(model_name="deadproperty", name="parent"),
        migrations.AddConstraint(
            model_name="deadproperty",
            constraint=models.CheckConstraint(
                condition=models.Q(folder__isnull=True, document__isnull=False)
                | models.Q(folder__isnull=False, document__isnull=True),
                name="documents_dead_property_folder_xor_document",
            ),
        ),
        migrations.AddConstraint(
            model_name="deadproperty",
            constraint=models.UniqueConstraint(
                models.F("document"),
                models.F("name"),
                condition=models.Q(("document__isnull", False)),
                name="documents_dead_property_document_name",
            ),
        ),
        migrations.AddConstraint(
            model_name="deadproperty",
            constraint=models.UniqueConstraint(
                models.F("folder"),
                models.F("name"),
                condition=models.Q(("folder__isnull", False)),
                name="documents_dead_property_folder_name",
            ),
        ),
    ]
