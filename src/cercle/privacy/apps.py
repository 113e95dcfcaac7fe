from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "cercle.privacy"
    label = "privacy"
    verbose_name = _("Personal data and retention")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.privacy import audit_labels, navigation

        audit_labels.register()
        navigation.register()
