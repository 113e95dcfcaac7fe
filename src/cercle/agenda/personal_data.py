"""The agenda in the registry of personal data (`cercle.core.personal_data`): the events a person
organises or is invited to (an .ics file), the to-dos and journal entries their CalDAV
applications keep in their calendars (another .ics file), their erasure, the retention of past
events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import icalendar
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from cercle.accounts.models import User
from cercle.agenda.caldav.models import RawObject
from cercle.agenda.ical import PRODID, calendar_bytes
from cercle.agenda.models import Calendar, Event, Invitation
from cercle.core import personal_data
from cercle.core.personal_data import (
    ErasureRule,
    ExportWriter,
    IndexRow,
    RetentionScope,
    RetentionTarget,
    without_holds,
)


def export(person: User, writer: ExportWriter) -> None:
    events = list(
        Event.objects.filter(Q(organiser=person) | Q(invitations__person=person))
        .distinct()
        .select_related("organiser", "calendar__space")
        .prefetch_related("occurrences", "invitations__person", "invitations__occurrence_answers")
        .order_by("first_start", "id")
    )
    section = writer.section("agenda", gettext_lazy("Events"))
    path = writer.write_bytes(
        "agenda/events.ics", calendar_bytes(((event, False) for event in events), name="Cercle")
    )
    writer.add_row(
        section,
        IndexRow(text=gettext("%(count)s events (iCalendar)") % {"count": len(events)}, link=path),
    )
    objects = list(RawObject.objects.filter(calendar__owner=person).order_by("calendar_id", "id"))
    if objects:  # to-dos and journal entries kept for their CalDAV applications, as written
        path = writer.write_bytes("agenda/tasks.ics", _objects_bytes(o.data for o in objects))
        writer.add_row(
            section,
            IndexRow(
                text=gettext("%(count)s to-dos and journal entries (iCalendar)")
                % {"count": len(objects)},
                link=path,
            ),
        )
    for event in events:
        writer.add_row(section, IndexRow(text=event.title, when=event.first_start))


def _objects_bytes(texts: Iterable[str]) -> bytes:
    """One VCALENDAR of the objects' components (each time zone once)."""
    merged = icalendar.Calendar()
    merged.add("prodid", PRODID)
    merged.add("version", "2.0")
    zones: set[str] = set()
    for text in texts:
        try:
            parsed = icalendar.Calendar.from_ical(text)
        except (ValueError, KeyError, IndexError, TypeError):  # pragma: no cover - checked on PUT
            continue
        for component in parsed.subcomponents:
            if component.name == "VTIMEZONE":
                tzid = str(component.get("tzid", ""))
                if tzid in zones:
                    continue
                zones.add(tzid)
            merged.add_component(component)
    data: bytes = merged.to_ical()
    return data


def erase(person: User, rule: ErasureRule) -> None:
    # Their own calendar goes with its events; their answers to invitations too.
    Calendar.objects.filter(owner=person).delete()
    Invitation.objects.filter(person=person).delete()
    if rule.shared_content == "delete":
        Event.objects.filter(organiser=person).delete()


def _event_candidates(scope: RetentionScope) -> QuerySet[Event]:
    # An event is old once it has ended (its last occurrence, for a series that ends).
    events = without_holds(
        Event.objects.filter(last_end__lt=scope.before),
        scope,
        space="calendar__space_id",
        people=("organiser_id", "calendar__owner_id"),
    )
    return events.select_related("calendar__space").order_by("last_end", "id")


def _describe_event(event: Event) -> str:
    place = event.calendar.space.name if event.calendar.space else gettext("a personal calendar")
    return f"{place} · {event.title}"


def _delete_event_ids(ids: Sequence[int]) -> int:
    events = Event.objects.filter(pk__in=list(ids))
    count = events.count()
    events.delete()
    return count


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="agenda",
            label=gettext_lazy("Agenda"),
            export=export,
            erase=erase,
            retention=(
                RetentionTarget(
                    key="agenda.events",
                    label=gettext_lazy("Events, once ended"),
                    candidates=_event_candidates,
                    describe=_describe_event,
                    delete=_delete_event_ids,
                    date_field="last_end",
                ),
            ),
        )
    )
