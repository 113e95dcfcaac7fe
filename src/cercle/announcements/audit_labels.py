"""What this app's audit entries mean, for the audit log (registered by its `apps.py`). The codes
keep the `feed.` prefix they had when announcements were part of the feed: stored entries use
them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "feed.announced": _("Made a post an announcement"),
    "feed.unannounced": _("Withdrew an announcement"),
    "feed.announcement_acknowledged": _("Acknowledged an announcement"),
    "feed.announcement_reminded": _("Sent an announcement reminder"),
}


def register() -> None:
    register_actions(ACTIONS)
