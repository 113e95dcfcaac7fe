"""What provisioning's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import TargetKind, register_actions, register_details, register_targets
from cercle.provisioning.models import MatchBy, ScimToken

ACTIONS = {
    "provisioning.token_created": _("Created a SCIM provisioning token"),
    "provisioning.token_revoked": _("Revoked a SCIM provisioning token"),
    "provisioning.person_provisioned": _("Provisioned a person by SCIM"),
    "provisioning.person_deleted": _("Deprovisioned a person by SCIM"),
    "provisioning.group_rule_added": _("Mapped a SCIM group to a space"),
    "provisioning.group_rule_deleted": _("Removed the mapping of a SCIM group to a space"),
    "provisioning.group_synced": _("Synchronised a space with a SCIM group"),
}


def register() -> None:
    register_actions(ACTIONS)
    register_details(
        {
            "token": _("SCIM token"),
            "userName": _("SCIM user name"),
            "group": _("SCIM group"),
            "match_by": _("group found by"),
            "space": _("space"),
            "role_changed": _("roles changed"),
            "refused": _("refused"),
        },
        {"match_by": dict(MatchBy.choices)},
    )
    register_targets(
        TargetKind("provisioning.scimtoken", _("SCIM token “%(name)s”"), model=ScimToken)
    )
