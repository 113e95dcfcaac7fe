from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cercle.core"
    label = "core"

    def ready(self) -> None:
        # The system check on SITE_URL (cercle.E001) registers itself on import.
        from cercle.core import mail  # noqa: F401
