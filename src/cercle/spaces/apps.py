from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    name = "cercle.spaces"
    label = "spaces"
    verbose_name = _("Spaces")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.spaces import audit_labels, listeners, navigation, personal_data, tabs

        audit_labels.register()
        personal_data.register()
        navigation.register()
        tabs.register()
        listeners.register()
