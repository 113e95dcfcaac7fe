from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisioningConfig(AppConfig):
    name = "cercle.provisioning"
    label = "provisioning"
    verbose_name = _("Provisioning (SCIM)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: it loads models, which exist once the app registry is ready.
        from cercle.provisioning import audit_labels

        audit_labels.register()
