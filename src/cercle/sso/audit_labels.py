"""What single sign-on's audit entries mean (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "sso.provider_saved": _("Saved an identity provider"),
    "sso.provider_deleted": _("Deleted an identity provider"),
    "sso.domains_changed": _("Changed the domains requiring single sign-on"),
    "sso.break_glass_added": _("Made a break-glass account"),
    "sso.break_glass_removed": _("Removed a break-glass account"),
    "sso.two_factor_policy": _("Changed who must use two-factor authentication"),
    "sso.session_policy": _("Changed how long sessions last"),
    "sso.password_refused": _("Refused a password sign-in (single sign-on required)"),
    "sso.provider_logout": _("Signed out by the identity provider (single logout)"),
}


def register() -> None:
    register_actions(ACTIONS)
