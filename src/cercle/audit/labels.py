"""What each audit action code means, in the reader's language (the log stores the code)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    "auth.login": _("Logged in"),
    "auth.login_failed": _("Failed login"),
    "auth.logout": _("Logged out"),
    "auth.signup": _("Signed up"),
    "auth.invitation_accepted": _("Accepted an invitation"),
    "auth.token_created": _("Created an API token"),
    "auth.token_revoked": _("Revoked an API token"),
    "accounts.invited": _("Invited a person"),
    "accounts.invitation_resent": _("Sent an invitation again"),
    "accounts.imported": _("Imported people"),
    "accounts.deactivated": _("Deactivated a person"),
    "accounts.reactivated": _("Reactivated a person"),
    "accounts.role_changed": _("Changed a role"),
    "accounts.profile_changed": _("Changed a profile"),
    "accounts.department_created": _("Created a department"),
    "accounts.department_renamed": _("Renamed a department"),
    "accounts.department_deleted": _("Deleted a department"),
    "accounts.site_created": _("Created a site"),
    "accounts.site_renamed": _("Renamed a site"),
    "accounts.site_deleted": _("Deleted a site"),
    "accounts.demo_seeded": _("Loaded the demo organisation"),
    "accounts.scale_seeded": _("Generated test people"),
    "administration.organisation_changed": _("Changed the organisation's settings"),
    "spaces.created": _("Created a space"),
    "spaces.updated": _("Changed a space"),
    "spaces.archived": _("Archived a space"),
    "spaces.restored": _("Restored a space"),
    "spaces.joined": _("Joined a space"),
    "spaces.left": _("Left a space"),
    "spaces.invited": _("Invited to a space"),
    "spaces.invitation_accepted": _("Accepted a space invitation"),
    "spaces.invitation_declined": _("Declined a space invitation"),
    "spaces.invitation_cancelled": _("Cancelled a space invitation"),
    "spaces.join_requested": _("Asked to join a space"),
    "spaces.join_request_accepted": _("Accepted a join request"),
    "spaces.join_request_refused": _("Refused a join request"),
    "spaces.member_removed": _("Removed a member from a space"),
    "spaces.role_changed": _("Changed a space role"),
    "feed.post_deleted": _("Deleted a post"),
    "feed.comment_deleted": _("Deleted a comment"),
    "feed.post_pinned": _("Pinned a post"),
    "feed.post_unpinned": _("Unpinned a post"),
    "feed.announced": _("Made a post an announcement"),
    "feed.unannounced": _("Withdrew an announcement"),
    "feed.announcement_acknowledged": _("Acknowledged an announcement"),
    "feed.announcement_reminded": _("Sent an announcement reminder"),
    "feed.reported": _("Reported content"),
    "feed.report_hidden": _("Hid reported content"),
    "feed.report_dismissed": _("Dismissed a report"),
    "chat.group_created": _("Created a group conversation"),
    "chat.group_renamed": _("Renamed a group conversation"),
    "chat.members_added": _("Added people to a conversation"),
    "chat.member_removed": _("Removed someone from a conversation"),
    "chat.settings_changed": _("Changed the messaging settings"),
}


def action_label(code: str) -> str:
    """The label of an action code; the code itself for one without a label (never empty)."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
