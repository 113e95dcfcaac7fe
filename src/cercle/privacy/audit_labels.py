"""The audit labels of personal data and retention."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions


def register() -> None:
    register_actions(
        {
            "privacy.export_requested": _("Asked for a download of their data"),
            "privacy.export_ready": _("A download of personal data was prepared"),
            "privacy.person_erased": _("Erased a person's personal data"),
            "privacy.policy_added": _("Added a retention policy"),
            "privacy.policy_removed": _("Removed a retention policy"),
            "privacy.hold_added": _("Placed a legal hold"),
            "privacy.hold_removed": _("Lifted a legal hold"),
            "privacy.retention_run": _("Applied the retention policies"),
            "privacy.audit_exported": _("Exported the audit log"),
        }
    )
