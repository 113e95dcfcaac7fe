from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "cercle.search"
    label = "search"
    verbose_name = _("Search")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models load once the registry is ready. `actions` follows the registry's writes;
        # people and spaces are lower layers, so search registers their kinds itself.
        from cercle.search import actions, kinds, personal_data

        actions.connect()
        kinds.register()
        personal_data.register_personal_data()
