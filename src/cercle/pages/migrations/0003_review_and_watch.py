import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pages', '0002_page_reads'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='page',
            name='review_interval',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='review every'),
        ),
        migrations.AddField(
            model_name='page',
            name='reviewed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='page',
            name='reminded_for',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='page',
            index=models.Index(fields=['review_by'], name='page_review_by'),
        ),
        migrations.CreateModel(
            name='PageWatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='pages.page')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='page_watches', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('page', 'user'), name='one_watch_per_page_and_person')],
            },
        ),
    ]
