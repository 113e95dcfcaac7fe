from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "cercle.documents"
    label = "documents"
    verbose_name = _("Documents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.documents import (
            activity,
            audit_labels,
            demo,
            link_cards,
            listing_cache,
            navigation,
            notifications,
            personal_data,
            search,
            tabs,
        )

        activity.register()
        audit_labels.register()
        link_cards.register()
        listing_cache.register()
        navigation.register()
        personal_data.register()
        notifications.register()
        tabs.register()
        search.register()
        demo.register()
