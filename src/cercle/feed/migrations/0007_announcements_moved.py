# Announcements moved to their own module (`announcements` 0001): the tables and their rows stay;
# only Django's idea of the models leaves this app.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('feed', '0006_comment_revisions'),
        ('announcements', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='AnnouncementReceipt'),
                migrations.DeleteModel(name='Announcement'),
            ],
        ),
    ]
