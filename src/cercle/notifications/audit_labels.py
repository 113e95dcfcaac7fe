"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "notifications.device_added": _("Turned on notifications on a device"),
    "notifications.device_removed": _("Removed a device from notifications"),
    "notifications.vapid_rotated": _("Replaced the push notification keys"),
}


def register() -> None:
    register_actions(ACTIONS)
