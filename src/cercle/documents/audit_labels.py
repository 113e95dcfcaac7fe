"""What the document base's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "documents.folder_created": _("Created a folder"),
    "documents.uploaded": _("Uploaded a document"),
    "documents.version_added": _("Added a version of a document"),
    "documents.version_restored": _("Restored a version of a document"),
    "documents.renamed": _("Renamed a document or folder"),
    "documents.moved": _("Moved a document or folder"),
    "documents.copied": _("Copied a document or folder"),
    "documents.trashed": _("Put a document or folder in the trash"),
    "documents.restored": _("Restored a document or folder from the trash"),
    "documents.purged": _("Emptied documents from the trash"),
    "documents.locked": _("Locked a document or folder for editing"),
    "documents.unlocked": _("Unlocked a document or folder"),
    "documents.lock_broken": _("Broke someone else's lock on a document or folder"),
    "documents.quota_set": _("Set the document quota of a space or a person"),
    "documents.quota_defaults_set": _("Changed the default document quotas or the largest file"),
    "documents.shared": _("Shared a document or folder"),
    "documents.share_changed": _("Changed the access of a share"),
    "documents.share_revoked": _("Stopped sharing a document or folder"),
    "documents.commented": _("Commented on a document"),
    "documents.comment_edited": _("Edited a comment on a document"),
    "documents.comment_deleted": _("Deleted a comment on a document"),
}


def register() -> None:
    register_actions(ACTIONS)
