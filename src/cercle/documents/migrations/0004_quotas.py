from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0003_previews_and_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="library",
            name="quota_mb",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="QuotaSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("space_quota_mb", models.PositiveIntegerField(blank=True, null=True)),
                ("person_quota_mb", models.PositiveIntegerField(blank=True, null=True)),
                ("max_file_mb", models.PositiveIntegerField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "document quotas",
                "verbose_name_plural": "document quotas",
            },
        ),
    ]
