from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdoptionConfig(AppConfig):
    name = "cercle.adoption"
    label = "adoption"
    verbose_name = _("Adoption figures")

    def ready(self) -> None:
        # Imported here: it loads models, which exist once the app registry is ready.
        from cercle.adoption import receivers

        receivers.register()
