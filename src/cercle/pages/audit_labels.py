"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "pages.created": _("Created a page"),
    "pages.edited": _("Edited a page"),
    "pages.moved": _("Moved a page"),
    "pages.deleted": _("Deleted a page"),
    "pages.restored": _("Restored an earlier version of a page"),
    "pages.editor_added": _("Made someone an editor of an intranet section"),
    "pages.editor_removed": _("Removed an editor of an intranet section"),
    "pages.review_set": _("Changed a page's owner or review date"),
    "pages.reviewed": _("Marked a page as reviewed"),
    "pages.image_added": _("Added an image to a space's pages"),
    "pages.comment_deleted": _("Deleted someone's comment on a page"),
}


def register() -> None:
    register_actions(ACTIONS)
