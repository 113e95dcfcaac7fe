from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedConfig(AppConfig):
    name = "cercle.feed"
    label = "feed"
    verbose_name = _("Activity wall")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.feed import (
            adoption,
            audit_labels,
            link_cards,
            listeners,
            navigation,
            notifications,
            personal_data,
            search,
            tabs,
        )

        adoption.register()
        audit_labels.register()
        personal_data.register()
        link_cards.register()
        listeners.register()
        navigation.register()
        notifications.register()
        tabs.register()
        search.register()
