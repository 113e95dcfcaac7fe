"""The agenda's searchable kind: events, found by whoever may open them in full
(`queries.visible_events`: another person's private event only by its guests)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.agenda.models import Event
from cercle.agenda.queries import visible_events
from cercle.search.registry import Entry, SearchKind
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of


def _event(event: Event) -> Entry:
    organiser = event.organiser
    return Entry(
        title=event.title,
        body=" · ".join(part for part in (event.place, event.description) if part),
        url=reverse("agenda_event", args=[event.pk]),
        date=event.first_start,
        language=language_of(organiser.language if organiser else ""),
        space_id=event.calendar.space_id,
        author_id=event.organiser_id,
    )


def register() -> None:
    register_kind(
        SearchKind(
            key="event",
            label=_("Events"),
            model=Event,
            entry=_event,
            visible=lambda user: visible_events(user).order_by(),
            rows=lambda: Event.objects.select_related("calendar", "organiser"),
            order=70,
        )
    )
