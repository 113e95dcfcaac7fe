"""What this app's audit entries mean, for the audit log (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "agenda.event_created": _("Created an event"),
    "agenda.event_changed": _("Changed an event"),
    "agenda.event_moved": _("Moved an event to another calendar"),
    "agenda.event_cancelled": _("Cancelled an event"),
    "agenda.occurrence_changed": _("Changed one occurrence of an event"),
    "agenda.occurrence_cancelled": _("Cancelled one occurrence of an event"),
    "agenda.occurrence_restored": _("Restored one occurrence of an event"),
    "agenda.series_split": _("Changed an event from one occurrence on"),
    "agenda.people_invited": _("Invited people to an event"),
    "agenda.person_uninvited": _("Withdrew an event invitation"),
    "agenda.invitation_answered": _("Answered an event invitation"),
    "agenda.occurrence_answered": _("Answered one occurrence of an event invitation"),
    "agenda.calendar_created": _("Made a calendar"),
    "agenda.calendar_deleted": _("Deleted a calendar"),
    "agenda.feed_regenerated": _("Made a new subscription address for a calendar"),
}


def register() -> None:
    register_actions(ACTIONS)
