from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "cercle.privacy"
    label = "privacy"
    verbose_name = _("Personal data and retention")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.administration import personal_data as administration_personal_data
        from cercle.privacy import audit_labels

        audit_labels.register()
        # The administration's part of the registry (it has no `ready()` of its own).
        administration_personal_data.register()
