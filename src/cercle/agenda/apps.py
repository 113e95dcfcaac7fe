from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "cercle.agenda"
    label = "agenda"
    verbose_name = _("Agenda")

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.agenda import (
            audit_labels,
            listeners,
            navigation,
            notifications,
            panels,
            personal_data,
            reminders,
            search,
            tabs,
        )

        audit_labels.register()
        personal_data.register()
        notifications.register()
        reminders.register()
        tabs.register()
        search.register()
        panels.register()
        listeners.register()
        navigation.register()
