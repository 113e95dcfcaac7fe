from django.apps import AppConfig


class CaldavConfig(AppConfig):
    """The agenda's CalDAV server: its own app (and migrations) inside the agenda's package, so
    that its tables never collide with the agenda's own migrations."""

    name = "cercle.agenda.caldav"
    label = "agenda_caldav"
    verbose_name = "CalDAV"
    default_auto_field = "django.db.models.BigAutoField"
