"""Space channels opened before they followed their space may still list people who have left it
(or every member of a space with chat off): remove those rows, as the spaces actions now do on
each departure, so that nobody receives a channel they may no longer read. An archived space's
channel keeps its members (it is read-only, not closed: 0005 gives back the rows that an earlier
version of this migration removed)."""

from typing import Any

from django.db import migrations


def drop_members_who_left(apps: Any, schema_editor: Any) -> None:
    Conversation = apps.get_model("chat", "Conversation")
    ChatMembership = apps.get_model("chat", "Membership")
    Space = apps.get_model("spaces", "Space")
    SpaceMembership = apps.get_model("spaces", "Membership")
    channels = Conversation.objects.filter(kind="space", space_id__isnull=False)
    for channel in channels.only("pk", "space_id").iterator():
        space = Space.objects.filter(pk=channel.space_id).first()
        rows = ChatMembership.objects.filter(conversation_id=channel.pk)
        if space is None or not space.module_chat:
            rows.delete()
        elif not space.is_organisation:
            # Everyone active belongs to the organisation space: only other spaces are checked.
            members = SpaceMembership.objects.filter(space_id=space.pk).values("user_id")
            rows.exclude(user_id__in=members).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_attachment"),
        ("spaces", "0003_organisation_description_translated"),
    ]

    operations = [migrations.RunPython(drop_members_who_left, migrations.RunPython.noop)]
