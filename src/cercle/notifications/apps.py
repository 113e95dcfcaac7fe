from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "cercle.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models load once the registry is ready.
        from cercle.notifications import audit_labels, listeners, personal_data

        audit_labels.register()
        personal_data.register()
        listeners.register()
