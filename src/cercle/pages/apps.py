from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "cercle.pages"
    label = "pages"
    verbose_name = _("Pages")

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.pages import (
            adoption,
            audit_labels,
            demo,
            navigation,
            notifications,
            personal_data,
            search,
            tabs,
        )

        adoption.register()
        audit_labels.register()
        navigation.register()
        notifications.register()
        personal_data.register()
        tabs.register()
        search.register()
        demo.register()
