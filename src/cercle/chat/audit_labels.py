"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "chat.group_created": _("Created a group conversation"),
    "chat.group_renamed": _("Renamed a group conversation"),
    "chat.members_added": _("Added people to a conversation"),
    "chat.member_removed": _("Removed someone from a conversation"),
    "chat.settings_changed": _("Changed the messaging settings"),
}


def register() -> None:
    register_actions(ACTIONS)
