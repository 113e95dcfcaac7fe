"""The socket's one-use tickets moved to core (`core.RealtimeTicket`, migration core.0001). They
live a minute, so none is carried over: a client holding one asks for a new one."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0005_archived_space_channels_keep_members"),
    ]

    operations = [
        migrations.DeleteModel(
            name="RealtimeTicket",
        ),
    ]
