# The models moved here from `feed` (its 0004): only Django's idea of them moves, the tables
# (`feed_announcement`, `feed_announcementreceipt` and the two target tables) stay as they are,
# with their rows; `feed` 0007 lets go of them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0004_postgres_search_vector'),
        ('feed', '0006_comment_revisions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Announcement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('requires_ack', models.BooleanField(default=False, verbose_name='requires acknowledgement')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_reminded_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('departments', models.ManyToManyField(blank=True, related_name='+', to='accounts.department')),
                        ('post', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='announcement', to='feed.post')),
                        ('sites', models.ManyToManyField(blank=True, related_name='+', to='accounts.site')),
                    ],
                    options={
                        'db_table': 'feed_announcement',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='AnnouncementReceipt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('dismissed_at', models.DateTimeField(blank=True, null=True)),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('announcement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='receipts', to='announcements.announcement')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'feed_announcementreceipt',
                        'constraints': [models.UniqueConstraint(fields=('announcement', 'user'), name='one_receipt_per_person')],
                    },
                ),
            ],
        ),
    ]
