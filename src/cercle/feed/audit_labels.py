"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import TargetKind, register_actions, register_targets
from cercle.core.markdown import markdown_to_text
from cercle.feed.models import Comment, Post

ACTIONS = {
    "feed.post_deleted": _("Deleted a post"),
    "feed.comment_deleted": _("Deleted a comment"),
    "feed.post_pinned": _("Pinned a post"),
    "feed.post_unpinned": _("Unpinned a post"),
    "feed.reported": _("Reported content"),
    "feed.report_hidden": _("Hid reported content"),
    "feed.report_dismissed": _("Dismissed a report"),
}


EXCERPT = 60


def _post_excerpts(ids: set[int]) -> dict[int, str]:
    """Posts named by the beginning of their text, as plain text (never raw Markdown)."""
    return {
        pk: markdown_to_text(body, limit=EXCERPT)
        for pk, body in Post.objects.filter(pk__in=ids).values_list("pk", "body")
    }


def _comment_excerpts(ids: set[int]) -> dict[int, str]:
    return {
        pk: markdown_to_text(body, limit=EXCERPT)
        for pk, body in Comment.objects.filter(pk__in=ids).values_list("pk", "body")
    }


def register() -> None:
    register_actions(ACTIONS)
    register_targets(
        TargetKind("feed.post", _("Post “%(name)s”"), names=_post_excerpts, markdown=True),
        TargetKind("feed.comment", _("Comment “%(name)s”"), names=_comment_excerpts, markdown=True),
    )
