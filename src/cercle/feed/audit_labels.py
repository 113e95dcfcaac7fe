"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "feed.post_deleted": _("Deleted a post"),
    "feed.comment_deleted": _("Deleted a comment"),
    "feed.post_pinned": _("Pinned a post"),
    "feed.post_unpinned": _("Unpinned a post"),
    "feed.reported": _("Reported content"),
    "feed.report_hidden": _("Hid reported content"),
    "feed.report_dismissed": _("Dismissed a report"),
}


def register() -> None:
    register_actions(ACTIONS)
