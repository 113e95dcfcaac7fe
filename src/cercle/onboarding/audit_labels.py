"""What the onboarding's audit entries mean (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "onboarding.space_suggested": _("Suggested a space to newcomers"),
    "onboarding.suggestion_removed": _("Stopped suggesting a space to newcomers"),
    "onboarding.settings_changed": _("Changed the newcomers' onboarding"),
}


def register() -> None:
    register_actions(ACTIONS)
