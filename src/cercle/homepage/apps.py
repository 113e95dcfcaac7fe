from __future__ import annotations

from django.apps import AppConfig


class HomepageConfig(AppConfig):
    name = "cercle.homepage"
    label = "homepage"
    verbose_name = "Home page"

    def ready(self) -> None:
        from cercle.homepage import audit_labels, demo, navigation, panels

        audit_labels.register()
        demo.register()
        navigation.register()
        panels.register()
