from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "cercle.pages"
    label = "pages"
    verbose_name = _("Pages")

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.pages import audit_labels, demo, tabs

        audit_labels.register()
        tabs.register()
        demo.register()
