from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "cercle.core"
    label = "core"

    def ready(self) -> None:
        # The system check on SITE_URL (cercle.E001) registers itself on import.
        from cercle.core import mail  # noqa: F401

        # The request id into the task worker (signal receivers).
        from cercle.core.operations import tasks  # noqa: F401

        # On the embedded default, the writes of the task worker and the commands tell the
        # server to empty its own cache (`cercle.core.cache_generation`); the tests call it.
        if not settings.TESTING:
            from cercle.core import cache_generation

            cache_generation.install()
