from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    name = "cercle.announcements"
    label = "announcements"
    verbose_name = _("Announcements")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.announcements import (
            adoption,
            audit_labels,
            extensions,
            listeners,
            notifications,
            personal_data,
        )

        adoption.register()
        audit_labels.register()
        personal_data.register()
        extensions.register()
        listeners.register()
        notifications.register()
