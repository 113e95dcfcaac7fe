"""The checklist's state in the personal data registry: exported as JSON, deleted at erasure."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter
from cercle.onboarding.models import OnboardingState


def export(person: User, writer: ExportWriter) -> None:
    state = OnboardingState.objects.filter(user=person).first()
    if state is None:
        return
    writer.write_json(
        "onboarding/checklist.json",
        {
            "skipped": state.skipped,
            "done": state.done,
            "hidden": state.hidden,
            "welcome_post": state.welcome_post,
            "welcome_posted_at": state.welcome_posted_at.isoformat()
            if state.welcome_posted_at
            else None,
            "created_at": state.created_at.isoformat(),
        },
    )


def erase(person: User, rule: ErasureRule) -> None:
    OnboardingState.objects.filter(user=person).delete()


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="onboarding",
            label=gettext_lazy("Getting started"),
            export=export,
            erase=erase,
        )
    )
