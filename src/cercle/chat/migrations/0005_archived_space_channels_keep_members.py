"""An archived space's channel is now read-only, not closed: its members keep reading it. Give
back the rows that archiving (or migration 0004) removed: every active member of an archived
space with chat on is a member of its channel again, its old messages counted as read (nothing
lights up). Nothing is removed; restoring a space later checks the rows again."""

from typing import Any

from django.db import migrations


def give_back_archived_channels(apps: Any, schema_editor: Any) -> None:
    Conversation = apps.get_model("chat", "Conversation")
    ChatMembership = apps.get_model("chat", "Membership")
    Space = apps.get_model("spaces", "Space")
    SpaceMembership = apps.get_model("spaces", "Membership")
    archived = Space.objects.filter(
        archived_at__isnull=False, module_chat=True, is_organisation=False
    ).values_list("pk", flat=True)
    for channel in Conversation.objects.filter(
        kind="space", space_id__in=list(archived)
    ).iterator():
        present = set(
            ChatMembership.objects.filter(conversation_id=channel.pk).values_list(
                "user_id", flat=True
            )
        )
        wanted = SpaceMembership.objects.filter(
            space_id=channel.space_id, user__is_active=True
        ).values_list("user_id", flat=True)
        ChatMembership.objects.bulk_create(
            [
                ChatMembership(
                    conversation_id=channel.pk,
                    user_id=user_id,
                    last_read_message_id=channel.last_message_id or 0,
                )
                for user_id in sorted(set(wanted) - present)
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_space_channels_follow_spaces"),
    ]

    # It reads the `module_chat` column, which spaces 0004 replaces (0004 of chat reads it too).
    run_before = [("spaces", "0004_module_settings")]

    operations = [migrations.RunPython(give_back_archived_channels, migrations.RunPython.noop)]
