"""What the company directory's audit entries mean, for the audit log (registered by its
`apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions, register_details

ACTIONS = {
    "directory.settings_saved": _("Changed the company directory's settings"),
    "directory.rule_added": _("Added a directory group rule"),
    "directory.rule_deleted": _("Deleted a directory group rule"),
    "directory.run_started": _("Started a directory synchronisation"),
    "directory.person_created": _("Created a person from the company directory"),
    "directory.person_linked": _("Linked a person to the company directory"),
    "directory.person_deactivated": _("Deactivated a person gone from the company directory"),
    "directory.person_reactivated": _("Reactivated a person back in the company directory"),
}


def register() -> None:
    register_actions(ACTIONS)
    register_details(
        {"run": _("Synchronisation"), "dry_run": _("Dry run"), "dn": _("Directory entry")}, {}
    )
