from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "cercle.chat"
    label = "chat"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.chat import audit_labels, listeners, navigation, search, tabs

        audit_labels.register()
        listeners.register()
        navigation.register()
        tabs.register()
        search.register()
