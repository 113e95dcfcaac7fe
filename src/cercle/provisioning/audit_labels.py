"""What provisioning's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import TargetKind, register_actions, register_details, register_targets
from cercle.provisioning.models import ScimToken

ACTIONS = {
    "provisioning.token_created": _("Created a SCIM provisioning token"),
    "provisioning.token_revoked": _("Revoked a SCIM provisioning token"),
    "provisioning.person_provisioned": _("Provisioned a person by SCIM"),
    "provisioning.person_deleted": _("Deprovisioned a person by SCIM"),
}


def register() -> None:
    register_actions(ACTIONS)
    register_details({"token": _("SCIM token"), "userName": _("SCIM user name")}, {})
    register_targets(
        TargetKind("provisioning.scimtoken", _("SCIM token “%(name)s”"), model=ScimToken)
    )
