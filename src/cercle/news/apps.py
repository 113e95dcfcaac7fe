from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "cercle.news"
    label = "news"
    verbose_name = _("News")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.news import (
            adoption,
            audit_labels,
            extensions,
            listeners,
            navigation,
            notifications,
            panels,
            personal_data,
            search,
            tabs,
        )

        adoption.register()
        audit_labels.register()
        extensions.register()
        listeners.register()
        navigation.register()
        notifications.register()
        panels.register()
        personal_data.register()
        search.register()
        tabs.register()
