from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "cercle.chat"
    label = "chat"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.chat import (
            adoption,
            audit_labels,
            cards,
            listeners,
            navigation,
            personal_data,
            search,
            tabs,
        )

        adoption.register()
        audit_labels.register()
        cards.register()
        personal_data.register()
        listeners.register()
        navigation.register()
        tabs.register()
        search.register()
