"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import (
    NamedIds,
    TargetKind,
    register_actions,
    register_names,
    register_targets,
)
from cercle.spaces.models import Space

ACTIONS = {
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
    "spaces.member_added": _("Added a member to a space"),
    "spaces.member_removed": _("Removed a member from a space"),
    "spaces.role_changed": _("Changed a space role"),
}


def register() -> None:
    register_actions(ACTIONS)
    register_names(NamedIds(kind="space", keys={"space_id": _("space")}, model=Space))
    register_targets(TargetKind("spaces.space", _("Space “%(name)s”"), model=Space))
