"""The agenda part of /api/v1/: calendars, events by range (recurrences expanded), create, detail,
change and cancel (scope this / following / all), invite, respond, and an event as `.ics`."""

from __future__ import annotations

import bisect
import datetime as dt
from operator import itemgetter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from cercle.accounts.models import User
from cercle.accounts.queries import pickable_person
from cercle.agenda import actions, freebusy, ical, queries, reminders
from cercle.agenda.models import Calendar, Event, Invitation, OccurrenceAnswer
from cercle.agenda.recurrence import Timing, Window
from cercle.agenda.schemas import (
    CalendarOut,
    CancelIn,
    EventChangeIn,
    EventIn,
    EventInvitationOut,
    EventInviteIn,
    EventOut,
    EventRemindersIn,
    EventRemindersOut,
    FreeBusyOut,
    FreeSlotOut,
    OccurrencePageOut,
    RespondIn,
    TimesIn,
)
from cercle.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.spaces import queries as space_queries

router = Router(tags=["agenda"])


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "display_name": user.display_name}


def _calendar_out(viewer: User, calendar: Calendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "kind": "personal" if calendar.owner_id else "space",
        "name": queries.calendar_name(calendar),
        "colour": calendar.colour,
        "space_id": calendar.space_id,
        "owner": calendar.owner.username if calendar.owner else None,
        "can_write": queries.can_write_in(viewer, calendar),
    }


def _invitation_out(
    invitation: Invitation, singles: list[OccurrenceAnswer] | None = None
) -> dict[str, Any]:
    return {
        "person": _person(invitation.person),
        "answer": invitation.answer,
        "comment": invitation.comment,
        "answered_at": invitation.answered_at,
        "occurrence_answers": [_single_out(row) for row in singles or []],
    }


def _single_out(row: OccurrenceAnswer) -> dict[str, Any]:
    return {"occurrence": row.occurrence, "answer": row.answer, "comment": row.comment}


def _event_out(viewer: User, event: Event) -> dict[str, Any]:
    """The event as `viewer` reads it (they may open it: `queries.access_event`): with every
    invitee's answer, for the series and for single occurrences — whoever reads the event sees
    who answered what, as on its page (`docs/agenda.md`); a fixed number of queries, however
    many answers."""
    rights = queries.event_rights(viewer, event)
    invitations = list(queries.invitations(event))
    mine = next((i for i in invitations if i.person_id == viewer.pk), None)
    singles = queries.answers_for_single_occurrences(event) if event.rule else {}
    return {
        "id": event.pk,
        "calendar_id": event.calendar_id,
        "uid": event.uid,
        "title": event.title,
        "description": event.description,
        "description_html": event.description_html,
        "place": event.place,
        "meeting_url": event.meeting_url,
        "all_day": event.all_day,
        "start": event.start,
        "end": event.end,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "time_zone": event.time_zone,
        "visibility": event.visibility,
        "rule": event.rule,
        "organiser": _person(event.organiser),
        "sequence": event.sequence,
        "can_change": rights.change,
        "can_respond": rights.respond,
        "invitations": [_invitation_out(i, singles.get(i.person_id)) for i in invitations],
        "my_answer": mine.answer if mine is not None else None,
        "my_occurrence_answers": [_single_out(row) for row in singles.get(viewer.pk, [])],
    }


@router.get("/calendars", response=list[CalendarOut])
def list_calendars(request: AuthenticatedRequest) -> list[dict[str, Any]]:
    """My calendar and those of my spaces with the agenda on (made on first use)."""
    actions.ensure_calendars(request.auth)
    return [_calendar_out(request.auth, c) for c in queries.my_calendars(request.auth)]


# The range's occurrences come a page at a time (as Google Calendar's API gives events by 250):
# a person in fifty spaces has thousands a month. A page is cut from the range's occurrences in
# order (`queries.ranked_occurrences`: each calendar's share kept in the process under its
# version, merged, each with its position, the cursor's values), and only the occurrences it
# gives are made into items, with the person's answers to those. Keeping the whole range's items
# in the shared cache (in chunks) cost a rebuild after any change in a calendar shown 3,251 items
# made and pickled (issue 11: 30 of the 45 ms of CPU of the month's first page).
EVENTS_PAGE = 250
EVENTS_PAGE_MAX = 1000
Position = queries.Position


def _item(o: queries.OccurrenceView, answers: dict[int, queries.MyAnswers]) -> dict[str, Any]:
    entry = answers.get(o.event.pk)
    answer, alone = entry.for_occurrence(o.recurrence_id) if entry else (None, False)
    timing, event = o.timing, o.event
    return {
        "event_id": event.pk,
        "calendar_id": event.calendar_id,
        "recurrence_id": o.recurrence_id,
        "all_day": timing.all_day,
        "start": timing.start,
        "end": timing.end,
        "start_date": timing.start_date,
        "end_date": timing.end_date,
        "time_zone": event.time_zone,
        "title": o.title,
        "place": o.place,
        "meeting_url": o.meeting_url,
        "busy_only": o.busy_only,
        "changed": o.changed,
        "recurring": event.is_recurring,
        "my_answer": answer,
        "answered_alone": alone,
    }


class RangeQuery(Schema):
    start: dt.datetime
    end: dt.datetime
    # The zone the dates of all-day events are read in (default: mine).
    tz: str | None = None
    calendar: list[int] | None = None
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(EVENTS_PAGE, ge=1, le=EVENTS_PAGE_MAX)


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if value.tzinfo is None:
        raise ValidationError({field: _("A time needs its time zone.")})
    return value


@router.get("/events", response=OccurrencePageOut)
def list_events(request: AuthenticatedRequest, filters: Query[RangeQuery]) -> dict[str, Any]:
    """The occurrences in [start, end), recurrences expanded, at most 400 days, in order, `limit`
    at a time: in the calendars asked for, else in mine and my spaces' and those I am invited
    to."""
    viewer = request.auth
    window = Window(
        _aware(filters.start, "start"),
        _aware(filters.end, "end"),
        (filters.tz or viewer.time_zone or "UTC")[:64],
    )
    after = None
    if filters.cursor is not None:
        values = decode_cursor(filters.cursor, length=3)
        if not (isinstance(values[0], str) and isinstance(values[1], int)):
            raise InvalidCursor("invalid cursor")
        after = (values[0], values[1], str(values[2]))
    if filters.calendar:
        calendars = [queries.access_calendar(viewer, pk) for pk in filters.calendar[:50]]
    else:  # my calendars, my spaces', and the events I am invited to
        actions.ensure_calendars(viewer)
        calendars = list(queries.my_calendars(viewer))
    ranked = queries.ranked_occurrences(
        viewer, window, calendars, with_invitations=not filters.calendar
    )
    start = 0 if after is None else bisect.bisect_right(ranked, after, key=itemgetter(0))
    page = ranked[start : start + filters.limit + 1]
    more = len(page) > filters.limit
    del page[filters.limit :]
    answers = queries.my_answers(viewer, list({o.event.pk for _position, o in page}))
    return {
        "items": [_item(o, answers) for _position, o in page],
        "next_cursor": encode_cursor(list(page[-1][0])) if more else None,
    }


def _timing(payload: TimesIn, base: Event | None) -> Timing | None:
    """The timing the payload asks for (missing parts from `base`), None when it names none."""
    given = payload.model_dump(exclude_unset=True)
    if base is not None and not given:
        return None
    all_day = payload.all_day if payload.all_day is not None else (base.all_day if base else False)
    zone = payload.time_zone or (base.time_zone if base else "UTC")
    if all_day:
        start_date = payload.start_date or (base.start_date if base else None)
        end_date = payload.end_date or (base.end_date if base else None)
        if start_date is None:
            raise ValidationError({"start_date": _("An all-day event needs its dates.")})
        return Timing.dates(start_date, end_date or start_date + dt.timedelta(days=1), zone)
    start = payload.start or (base.start if base else None)
    end = payload.end or (base.end if base else None)
    if start is None or end is None:
        raise ValidationError({"start": _("An event needs a start and an end.")})
    return Timing.timed(_aware(start, "start"), _aware(end, "end"), zone)


def _occurrence(value: str | None) -> dt.datetime | dt.date | None:
    if not value:
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(
            {"occurrence": _("Name the occurrence by its start (ISO 8601) or its date.")}
        ) from exc
    return _aware(moment, "occurrence")


@router.post("/events", response={201: EventOut})
def create_event(request: AuthenticatedRequest, payload: EventIn) -> Status[dict[str, Any]]:
    viewer = request.auth
    calendar = queries.access_calendar(viewer, payload.calendar_id)
    timing = _timing(payload, None)
    assert timing is not None
    event = actions.create_event(
        actor=viewer,
        calendar=calendar,
        details=actions.Details(
            title=payload.title,
            description=payload.description,
            place=payload.place,
            meeting_url=payload.meeting_url,
        ),
        timing=timing,
        rule=payload.rule,
        visibility=payload.visibility,
    )
    return Status(201, _event_out(viewer, event))


@router.get("/events/{event_id}", response=EventOut)
def event_detail(request: AuthenticatedRequest, event_id: Id) -> dict[str, Any]:
    return _event_out(request.auth, queries.access_event(request.auth, event_id))


@router.patch("/events/{event_id}", response=EventOut)
def change_event(
    request: AuthenticatedRequest, event_id: Id, payload: EventChangeIn
) -> dict[str, Any]:
    """Change all the series, one occurrence (`this`) or it and the following; for `following`
    the answer is the new series."""
    viewer = request.auth
    event = queries.access_event(viewer, event_id)
    texts = payload.model_dump(
        exclude_unset=True, include={"title", "description", "place", "meeting_url"}
    )
    details = None
    if texts:
        details = actions.Details(
            title=event.title if payload.title is None else payload.title,
            description=event.description if payload.description is None else payload.description,
            place=event.place if payload.place is None else payload.place,
            meeting_url=event.meeting_url if payload.meeting_url is None else payload.meeting_url,
        )
    times = TimesIn(**payload.model_dump(exclude_unset=True, include=set(TimesIn.model_fields)))
    calendar = (
        queries.access_calendar(viewer, payload.calendar_id)
        if payload.calendar_id is not None
        else None
    )
    changed = actions.change_event(
        actor=viewer,
        event=event,
        details=details,
        timing=_timing(times, event),
        rule=payload.rule,
        visibility=payload.visibility,
        scope=payload.scope,
        occurrence=_occurrence(payload.occurrence),
        calendar=calendar,
    )
    return _event_out(viewer, changed)


@router.post("/events/{event_id}/cancel", response={200: EventOut, 204: None})
def cancel_event(
    request: AuthenticatedRequest, event_id: Id, payload: CancelIn
) -> Status[dict[str, Any] | None]:
    """Cancel all (204), one occurrence or it and the following (200, the series as it is)."""
    viewer = request.auth
    event = queries.access_event(viewer, event_id)
    left = actions.cancel_event(
        actor=viewer, event=event, scope=payload.scope, occurrence=_occurrence(payload.occurrence)
    )
    if left is None:
        return Status(204, None)
    return Status(200, _event_out(viewer, left))


@router.post("/events/{event_id}/invitations", response=list[EventInvitationOut])
def invite(
    request: AuthenticatedRequest, event_id: Id, payload: EventInviteIn
) -> list[dict[str, Any]]:
    viewer = request.auth
    event = queries.access_event(viewer, event_id)
    people, missing = [], []
    for username in payload.usernames:
        person = pickable_person(viewer, username)
        if person is None:
            missing.append(username[:150])
        else:
            people.append(person)
    if missing:
        raise ValidationError(
            {
                "usernames": _("Nobody active has these usernames: %(names)s")
                % {"names": ", ".join(missing)}
            }
        )
    spaces = [space_queries.access_space(viewer, pk) for pk in payload.space_ids]
    departments = (
        queries.access_departments(viewer, list(payload.department_ids))
        if payload.department_ids
        else []
    )
    actions.invite(actor=viewer, event=event, people=people, spaces=spaces, departments=departments)
    singles = queries.answers_for_single_occurrences(event) if event.rule else {}
    return [_invitation_out(i, singles.get(i.person_id)) for i in queries.invitations(event)]


@router.delete("/events/{event_id}/invitations/{person_id}", response={204: None})
def uninvite(request: AuthenticatedRequest, event_id: Id, person_id: Id) -> Status[None]:
    """`person_id` is no longer invited (they get an iCalendar CANCEL); a 404 when they were
    not invited."""
    viewer = request.auth
    event = queries.access_event(viewer, event_id)
    invitation = (
        queries.invitations(event).filter(person_id=person_id).select_related("person").first()
    )
    if invitation is None:
        raise queries.NotFound(_("This person is not invited."))
    actions.uninvite(actor=viewer, event=event, person=invitation.person)
    return Status(204, None)


def _reminders_out(viewer: User, event: Event) -> dict[str, Any]:
    own = reminders.event_minutes(viewer, event)
    return {
        "minutes": own if own is not None else reminders.default_minutes(viewer),
        "uses_default": own is None,
    }


def _taking_part(viewer: User, event_id: int) -> Event:
    event = queries.access_event(viewer, event_id)
    if not reminders.takes_part(viewer, event):
        raise PermissionDenied(_("Only the organiser and those invited have reminders."))
    return event


@router.get("/events/{event_id}/reminders", response=EventRemindersOut)
def event_reminders(request: AuthenticatedRequest, event_id: Id) -> dict[str, Any]:
    """My reminders of this event: my own choice, or my default when I made none."""
    event = _taking_part(request.auth, event_id)
    return _reminders_out(request.auth, event)


@router.put("/events/{event_id}/reminders", response=EventRemindersOut)
def set_event_reminders(
    request: AuthenticatedRequest, event_id: Id, payload: EventRemindersIn
) -> dict[str, Any]:
    """My reminders of this event (`[]`: none), instead of my default."""
    event = _taking_part(request.auth, event_id)
    reminders.set_event_reminders(actor=request.auth, event=event, minutes=payload.minutes)
    return _reminders_out(request.auth, event)


@router.delete("/events/{event_id}/reminders", response=EventRemindersOut)
def delete_event_reminders(request: AuthenticatedRequest, event_id: Id) -> dict[str, Any]:
    """My own choice for this event forgotten: my default applies again."""
    event = _taking_part(request.auth, event_id)
    reminders.set_event_reminders(actor=request.auth, event=event, minutes=None)
    return _reminders_out(request.auth, event)


@router.post("/events/{event_id}/response", response=EventInvitationOut)
def respond(request: AuthenticatedRequest, event_id: Id, payload: RespondIn) -> dict[str, Any]:
    viewer = request.auth
    event = queries.access_event(viewer, event_id)
    invitation = actions.respond(
        actor=viewer,
        event=event,
        answer=payload.answer,
        comment=payload.comment,
        occurrence=_occurrence(payload.occurrence),
    )
    return _invitation_out(invitation, list(invitation.occurrence_answers.order_by("occurrence")))


@router.get("/events/{event_id}/ics", response={200: None})
def event_ics(request: AuthenticatedRequest, event_id: Id) -> HttpResponse:
    """The event (its series and exceptions) as an iCalendar file."""
    event = queries.access_event(request.auth, event_id)
    response = HttpResponse(
        ical.calendar_bytes([(event, False)]), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


# --- Free/busy (`freebusy.py`) -------------------------------------------------------------------


def _people(viewer: User, names: list[str]) -> list[User]:
    """People by username (repeated, or separated by commas); an unknown one is a 404."""
    wanted = [n.strip() for value in names for n in value.split(",") if n.strip()]
    if len(wanted) > freebusy.MAX_PEOPLE:
        raise ValidationError(
            {"people": _("Ask about at most %(n)d people.") % {"n": freebusy.MAX_PEOPLE}}
        )
    found: list[User] = []
    for name in dict.fromkeys(wanted):
        person = pickable_person(viewer, name)
        if person is None:
            raise queries.NotFound(_("No such person."))
        found.append(person)
    return found


class FreeBusyQuery(Schema):
    people: list[str]
    start: dt.datetime = Field(..., alias="from")
    end: dt.datetime = Field(..., alias="to")
    tz: str | None = None


@router.get("/freebusy", response=list[FreeBusyOut])
def free_busy(request: AuthenticatedRequest, filters: Query[FreeBusyQuery]) -> list[dict[str, Any]]:
    """Each person's busy periods in [from, to) (at most 62 days), merged: never a title."""
    viewer = request.auth
    people = _people(viewer, filters.people)
    window = Window(
        _aware(filters.start, "from"),
        _aware(filters.end, "to"),
        (filters.tz or viewer.time_zone or "UTC")[:64],
    )
    busy = freebusy.busy_periods(viewer, people, window)
    return [
        {
            "person": p.username,
            "busy": [{"start": b.start, "end": b.end} for b in busy.get(p.pk, [])],
        }
        for p in people
    ]


class FreeSlotsQuery(Schema):
    people: list[str]
    start: dt.datetime | None = Field(None, alias="from")
    minutes: int = Field(60, ge=1, le=540)
    tz: str | None = None
    limit: int = Field(5, ge=1, le=20)


@router.get("/freebusy/slots", response=list[FreeSlotOut])
def free_slots(
    request: AuthenticatedRequest, filters: Query[FreeSlotsQuery]
) -> list[dict[str, Any]]:
    """Find a time: the next times of `minutes` when everyone is free, on working days from
    09:00 to 18:00 in `tz`, within two weeks of `from` (default: now)."""
    viewer = request.auth
    people = _people(viewer, filters.people)
    zone = (filters.tz or viewer.time_zone or "UTC")[:64]
    after = _aware(filters.start, "from") if filters.start is not None else timezone.now()
    slots = freebusy.free_slots(
        viewer,
        people,
        after=after,
        duration=dt.timedelta(minutes=filters.minutes),
        zone=zone,
        limit=filters.limit,
    )
    return [{"start": s.start, "end": s.end} for s in slots]
