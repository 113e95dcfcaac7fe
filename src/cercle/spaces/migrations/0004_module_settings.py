"""A space's module switches move from one boolean column per module (`module_wall`,
`module_documents`, `module_agenda`, `module_chat`) to `module_settings`, keyed by the modules that
register themselves (`cercle.spaces.registry`): a new module needs no column in `spaces`. Every
space keeps its four choices, documents and agenda included (their modules are not installed yet:
the choice is kept for when they are)."""

from typing import Any

from django.db import migrations, models

KEYS = ("wall", "documents", "agenda", "chat")


def columns_to_settings(apps: Any, schema_editor: Any) -> None:
    Space = apps.get_model("spaces", "Space")
    fields = [f"module_{key}" for key in KEYS]
    for pk, *values in Space.objects.values_list("pk", *fields).iterator(chunk_size=2000):
        settings = {key: bool(value) for key, value in zip(KEYS, values, strict=True)}
        Space.objects.filter(pk=pk).update(module_settings=settings)


def settings_to_columns(apps: Any, schema_editor: Any) -> None:
    Space = apps.get_model("spaces", "Space")
    for pk, settings in Space.objects.values_list("pk", "module_settings").iterator(
        chunk_size=2000
    ):
        Space.objects.filter(pk=pk).update(
            **{f"module_{key}": bool((settings or {}).get(key, True)) for key in KEYS}
        )


class Migration(migrations.Migration):
    dependencies = [("spaces", "0003_organisation_description_translated")]

    operations = [
        migrations.AddField(
            model_name="space",
            name="module_settings",
            field=models.JSONField(blank=True, default=dict, verbose_name="modules"),
        ),
        migrations.RunPython(columns_to_settings, settings_to_columns),
        migrations.RemoveField(model_name="space", name="module_wall"),
        migrations.RemoveField(model_name="space", name="module_documents"),
        migrations.RemoveField(model_name="space", name="module_agenda"),
        migrations.RemoveField(model_name="space", name="module_chat"),
    ]
