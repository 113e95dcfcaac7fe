"""Identity providers' client secrets stored before sealing existed are sealed
(cercle.core.sealing); going back opens them again."""

from django.db import migrations

from cercle.core import sealing


def seal_secrets(apps, schema_editor):  # type: ignore[no-untyped-def]
    SocialApp = apps.get_model("socialaccount", "SocialApp")
    for app in SocialApp.objects.exclude(secret="").exclude(secret__startswith=sealing.PREFIX):
        app.secret = sealing.seal(app.secret)
        app.save(update_fields=["secret"])


def open_secrets(apps, schema_editor):  # type: ignore[no-untyped-def]
    SocialApp = apps.get_model("socialaccount", "SocialApp")
    for app in SocialApp.objects.filter(secret__startswith=sealing.PREFIX):
        app.secret = sealing.unseal(app.secret)
        app.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("sso", "0003_session_policy"),
        ("socialaccount", "0006_alter_socialaccount_extra_data"),
    ]

    operations = [migrations.RunPython(seal_secrets, open_secrets)]
