from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cercle.core"
    label = "core"

    def ready(self) -> None:
        # The system check on SITE_URL (cercle.E001) registers itself on import.
        from cercle.core import mail  # noqa: F401

        # The request id into the task worker (signal receivers).
        from cercle.core.operations import tasks  # noqa: F401
