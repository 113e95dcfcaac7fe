from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "cercle.chat"
    label = "chat"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from cercle.chat import audit_labels, listeners  # models load once the registry is ready

        audit_labels.register()
        listeners.register()
