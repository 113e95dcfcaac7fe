from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedConfig(AppConfig):
    name = "cercle.feed"
    label = "feed"
    verbose_name = _("Activity wall")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cercle.feed import audit_labels, listeners  # models load once the registry is ready

        audit_labels.register()
        listeners.register()
