"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department, Site, User
from cercle.audit.labels import NamedIds, register_actions, register_names

ACTIONS = {
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
    "accounts.demo_content_seeded": _("Loaded the demo organisation's month of activity"),
    "administration.organisation_changed": _("Changed the organisation's settings"),
}


def _people(ids: set[int]) -> dict[int, str]:
    return {
        person.pk: person.display_name
        for person in User.objects.filter(pk__in=ids).only("username", "first_name", "last_name")
    }


def register() -> None:
    register_actions(ACTIONS)
    register_names(
        NamedIds(
            kind="people",
            keys={
                "user_id": _("person"),
                "user_ids": _("people"),
                "author_id": _("author"),
                "removed": _("removed"),
                "added": _("added"),
                "members": _("members"),
            },
            names=_people,
        )
    )
    register_names(
        NamedIds(
            kind="department",
            keys={"department_id": _("department"), "departments": _("departments")},
            model=Department,
        )
    )
    register_names(
        NamedIds(kind="site", keys={"site_id": _("site"), "sites": _("sites")}, model=Site)
    )
