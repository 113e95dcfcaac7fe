from __future__ import annotations

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "cercle.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"

    def ready(self) -> None:
        from cercle.onboarding import (
            adoption,
            audit_labels,
            demo,
            navigation,
            panels,
            personal_data,
        )

        adoption.register()
        audit_labels.register()
        demo.register()
        navigation.register()
        panels.register()
        personal_data.register()
