import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_spoken_languages'),
        ('provisioning', '0001_initial'),
        ('spaces', '0005_membership_favourite'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ScimGroupRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('match_by', models.CharField(choices=[('display_name', 'Its name (displayName)'), ('external_id', 'Its identifier at the provider (externalId)')], default='display_name', max_length=16, verbose_name='group found by')),
                ('value', models.CharField(max_length=255, verbose_name='group')),
                ('role', models.CharField(choices=[('member', 'Member'), ('admin', 'Admin')], default='member', max_length=10, verbose_name='role')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('space', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scim_group_rules', to='spaces.space', verbose_name='space')),
            ],
            options={
                'ordering': ['space__name', 'value', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('match_by', 'value', 'space'), name='scim_group_rule_once')],
            },
        ),
        migrations.CreateModel(
            name='ScimMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('space', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='spaces.space')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('space', 'user'), name='scim_membership_once')],
            },
        ),
        migrations.CreateModel(
            name='ScimSpaceGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.department')),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grants', to='provisioning.scimgrouprule')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('rule', 'department', 'user'), name='scim_space_grant_once')],
            },
        ),
    ]
