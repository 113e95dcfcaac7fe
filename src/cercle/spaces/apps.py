from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    name = "cercle.spaces"
    label = "spaces"
    verbose_name = _("Spaces")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cercle.spaces import audit_labels  # models load once the registry is ready

        audit_labels.register()
