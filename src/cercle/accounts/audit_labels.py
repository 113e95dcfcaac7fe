"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department, Organisation, Role, Site, User
from cercle.audit.labels import (
    ActionVariants,
    NamedIds,
    TargetKind,
    register_actions,
    register_details,
    register_names,
    register_targets,
    register_variants,
)

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
    "accounts.email_set": _("Set a person's email address"),
    "accounts.profile_changed": _("Changed a profile"),
    "accounts.identity_synced": _("Profile updated by single sign-on"),
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


# How someone signed in (the authentication backend or the step that failed), in words.
LOGIN_METHODS = {
    "ModelBackend": _("Logged in with a password"),
    "AuthenticationBackend": _("Logged in with a password"),
    "code": _("Logged in with a code sent by email"),
}
FAILED_LOGIN_METHODS = {
    "password": _("Failed login: wrong password"),
    "code": _("Failed login: wrong code sent by email"),
    "mfa": _("Failed login: wrong second-factor code"),
    "rate_limited": _("Login refused: too many attempts"),
}
DETAILS = {
    "login": _("sign-in name"),
    "method": _("method"),
    "email": _("email"),
    "role": _("role"),
    "is_active": _("active"),
    "name": _("name"),
    "prefix": _("token prefix"),
    "type": _("kind"),
    "filename": _("file"),
    "count": _("count"),
    "job_title": _("job title"),
    "team": _("team"),
    "phone": _("phone"),
    "bio": _("about"),
    "primary_colour": _("primary colour"),
    "accent_colour": _("accent colour"),
    "logo": _("logo"),
    "lock_hr_fields": _("only admins edit job title, department and manager"),
    "signup_domains": _("sign-up domains"),
    "email_changes_allowed": _("people may change their sign-in email address"),
}


def _organisation_name(ids: set[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


def register() -> None:
    register_actions(ACTIONS)
    register_variants(ActionVariants("auth.login", "method", LOGIN_METHODS))
    register_variants(ActionVariants("auth.login_failed", "method", FAILED_LOGIN_METHODS))
    register_details(DETAILS, {"role": dict(Role.choices)})
    register_targets(
        TargetKind("accounts.user", _("Profile of “%(name)s”"), names=_people),
        TargetKind("accounts.department", _("Department “%(name)s”"), model=Department),
        TargetKind("accounts.site", _("Site “%(name)s”"), model=Site),
        TargetKind(
            "accounts.organisation",
            _("Settings of “%(name)s”"),
            names=_organisation_name,
        ),
    )
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
