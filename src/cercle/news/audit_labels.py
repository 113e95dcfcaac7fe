"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "news.created": _("Wrote a news article"),
    "news.edited": _("Edited a news article"),
    "news.deleted": _("Deleted a news article"),
    "news.shared": _("Shared a news article to the wall"),
    "news.comment_deleted": _("Deleted someone's comment on a news article"),
    "news.comment_hidden": _("Hid a comment on a news article"),
    "news.comment_shown": _("Showed a hidden comment on a news article again"),
    "news.comment_reported": _("Reported a comment on a news article"),
    "news.reports_dismissed": _("Dismissed the reports on a comment on a news article"),
    "news.category_created": _("Added a news category"),
    "news.category_deleted": _("Deleted a news category"),
}


def register() -> None:
    register_actions(ACTIONS)
