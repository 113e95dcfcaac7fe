"""Changing and cancelling an event from its page: the whole event, one occurrence, or this one
and the following (`actions.change_event` / `cancel_event` decide what each scope does). The
occurrence is named by its recurrence id (`?occurrence=`, as the agenda's links give it)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercle.agenda import actions, queries, recurrence
from cercle.agenda.forms import REPEAT_FIELDS, EventForm, repeat_initial
from cercle.agenda.models import Event
from cercle.agenda.recurrence import Timing, occurrence_key

# Invitations are made on the event's page, not here; the calendar is chosen for the whole
# event only (one occurrence stays in its series' calendar).
NOT_EDITED = ("invitees", "invite_space", "invite_department")


def occurrence_of(request: HttpRequest, event: Event) -> tuple[dt.datetime | None, Timing | None]:
    """The occurrence named by `?occurrence=` (a recurrence id), with its timing as it stands;
    (None, None) for a single event or when none is named; a 404 when it names none."""
    value = (request.GET.get("occurrence") or request.POST.get("occurrence") or "")[:40]
    if not value or not event.rule:
        return None, None
    key = _key(value)
    timing = queries.find_occurrence(event, key)
    if timing is None:
        raise Http404(_("No such occurrence."))
    return key, timing


def _key(value: str) -> dt.datetime:
    """A recurrence id as the pages write it (ISO 8601 with its offset); a 404 otherwise."""
    try:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        return occurrence_key(moment)
    except (ValueError, OverflowError) as error:
        raise Http404(_("No such occurrence.")) from error


def _initial(timing: Timing, event: Event) -> dict[str, Any]:
    zone = ZoneInfo(event.time_zone)
    values: dict[str, Any] = {
        "calendar": event.calendar_id,
        "title": event.title,
        "description": event.description,
        "place": event.place,
        "meeting_url": event.meeting_url,
        "visibility": event.visibility,
        "time_zone": event.time_zone,
        "all_day": timing.all_day,
    }
    if timing.all_day:
        assert timing.start_date is not None and timing.end_date is not None
        values.update(start_date=timing.start_date, end_date=timing.end_date - dt.timedelta(days=1))
    else:
        assert timing.start is not None and timing.end is not None
        start, end = timing.start.astimezone(zone), timing.end.astimezone(zone)
        values.update(
            start_date=start.date(),
            start_time=start.time(),
            end_date=end.date(),
            end_time=end.time(),
        )
    return values


def _editable(request: HttpRequest, event_id: int) -> Event:
    event = queries.access_event(request.user, event_id)  # type: ignore[arg-type]
    if not queries.can_change(request.user, event):  # type: ignore[arg-type]
        raise PermissionDenied(_("You cannot change this event."))
    return event


@login_required
def edit_event(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _editable(request, event_id)
    key, current = occurrence_of(request, event)
    scope = request.GET.get("scope", "all")
    if scope not in actions.SCOPES or key is None:
        scope = actions.ALL
    timing = current if scope != actions.ALL and current is not None else event.own_timing()
    initial = _initial(timing, event)
    # The repetition, for the whole event or this one and the following, when the form can say
    # it (a rule made elsewhere is changed through the API or a calendar application).
    repeat = (
        None
        if scope == actions.THIS
        else repeat_initial(event.rule, event.time_zone, _first_day(event))
    )
    if repeat is not None:
        if scope == actions.FOLLOWING and key is not None and repeat.get("ends") == "count":
            # The new series from this occurrence on has the rest of the count.
            series = event.own_timing()
            repeat["count"] = recurrence.series(
                event.rule, series
            ).count() - recurrence.occurrences_before(event.rule, series, key)
        initial.update(repeat)
    calendars = [(event.calendar, queries.calendar_name(event.calendar))]
    if scope == actions.ALL:
        calendars += [
            (c, name)
            for c, name in queries.writable_calendars(request.user)  # type: ignore[arg-type]
            if c.pk != event.calendar_id
        ]
    form = EventForm(request.POST or None, calendars=calendars, initial=initial)
    hidden = NOT_EDITED + (("calendar",) if len(calendars) == 1 else ())
    for name in hidden + (tuple(REPEAT_FIELDS) if repeat is None else ()):
        form.fields.pop(name, None)
    if "calendar" in form.fields:
        form.fields["calendar"].required = False  # not sent: the event stays where it is
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = actions.change_event(
                    actor=request.user,  # type: ignore[arg-type]
                    event=event,
                    details=actions.Details(
                        title=form.cleaned_data["title"],
                        description=form.cleaned_data["description"],
                        place=form.cleaned_data["place"],
                        meeting_url=form.cleaned_data["meeting_url"],
                    ),
                    timing=form.timing(),
                    # Only when the repetition fields were touched: otherwise the series keeps
                    # its rule (and, from one occurrence on, the rest of its count).
                    rule=form.rule() if _repeat_touched(request, form) else None,
                    visibility=form.cleaned_data["visibility"] if scope != actions.THIS else None,
                    scope=scope,
                    occurrence=key,
                    calendar=form.cleaned_data.get("calendar"),
                )
            except ValidationError as error:
                for field, errors in getattr(error, "message_dict", {"": error.messages}).items():
                    name = "repeat" if field == "rule" else field
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("The event is changed."))
                url = reverse("agenda_event", args=[changed.pk])
                if scope == actions.THIS and key is not None:
                    # Back to the occurrence changed, as it now stands.
                    url += "?" + urlencode({"occurrence": key.isoformat()})
                return redirect(url)
        status = 400
    return render(
        request,
        "agenda/edit.html",
        {
            "form": form,
            "event": event,
            "scope": scope,
            "occurrence": key,
            "repeats_editable": repeat is not None,
        },
        status=status,
    )


def _repeat_touched(request: HttpRequest, form: EventForm) -> bool:
    """Were the repetition fields offered, sent and changed? (A client that sends none of them
    leaves the repetition as it is.)"""
    return (
        "repeat" in form.fields
        and "repeat" in request.POST
        and bool(REPEAT_FIELDS & set(form.changed_data))
    )


def _first_day(event: Event) -> dt.date:
    timing = event.own_timing()
    if timing.all_day:
        assert timing.start_date is not None
        return timing.start_date
    assert timing.start is not None
    return timing.start.astimezone(ZoneInfo(event.time_zone)).date()


@login_required
@require_POST
def cancel_event(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _editable(request, event_id)
    key, _timing = occurrence_of(request, event)
    scope = request.POST.get("scope", actions.ALL)
    if scope not in actions.SCOPES or key is None:
        scope = actions.ALL
    try:
        left = actions.cancel_event(
            actor=request.user,  # type: ignore[arg-type]
            event=event,
            scope=scope,
            occurrence=key,
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect("agenda_event", event_id=event.pk)
    messages.success(request, _("The event is cancelled."))
    if left is None:
        return redirect("agenda")
    return redirect("agenda_event", event_id=left.pk)


@login_required
@require_POST
def restore_occurrence(request: HttpRequest, event_id: int) -> HttpResponse:
    """A cancelled occurrence back as the series has it (the event's "Cancelled occurrences")."""
    event = _editable(request, event_id)
    key = _key((request.POST.get("occurrence") or "")[:40])
    try:
        actions.restore_occurrence(
            actor=request.user,  # type: ignore[arg-type]
            event=event,
            occurrence=key,
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, _("The occurrence is restored."))
    return redirect("agenda_event", event_id=event.pk)


def scope_links(event: Event, key: dt.datetime | None) -> list[tuple[str, str]]:
    """The "Change…" links of the event's page: per scope for an occurrence of a series."""
    base = reverse("agenda_edit", args=[event.pk])
    if key is None:
        return [(base, _("Change"))]
    named = {"occurrence": key.isoformat()}
    return [
        (f"{base}?{urlencode({**named, 'scope': 'this'})}", _("Change this occurrence")),
        (
            f"{base}?{urlencode({**named, 'scope': 'following'})}",
            _("Change this one and the following"),
        ),
        (f"{base}?{urlencode({**named, 'scope': 'all'})}", _("Change all occurrences")),
    ]
