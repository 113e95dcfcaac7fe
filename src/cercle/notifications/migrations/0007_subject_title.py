from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_push")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="subject_title",
            field=models.CharField(blank=True, default="", max_length=120),
        ),
    ]
