from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "cercle.directory"
    label = "directory"
    verbose_name = _("Company directory (LDAP)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.directory import audit_labels, notifications

        audit_labels.register()
        notifications.register()
