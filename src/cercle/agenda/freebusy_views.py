"""Free/busy in the event form: an htmx fragment showing the invitees' busy periods on the day
chosen (busy only), who is busy at the time chosen, and "find a time" — the next times everyone
is free, each a link to the form filled in with it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cercle.agenda import freebusy
from cercle.agenda.forms import pick_invitees
from cercle.agenda.recurrence import Window, get_zone
from cercle.core.typing import AuthenticatedRequest

# What the "find a time" links carry back into the form.
CARRIED = ("title", "calendar", "place", "meeting_url", "description", "visibility")


def _date(value: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2998 else None


def _time(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value[:8])
    except ValueError:
        return None


def initial_from(request: HttpRequest) -> dict[str, Any]:
    """The form's initial values a "find a time" link gives (bad ones are left out)."""
    found: dict[str, Any] = {}
    for name in ("start_date", "end_date"):
        if (day := _date(request.GET.get(name, ""))) is not None:
            found[name] = day
    for name in ("start_time", "end_time"):
        if (time := _time(request.GET.get(name, ""))) is not None:
            found[name] = time
    for name in ("invitees", "title", "place", "meeting_url", "description"):
        if value := request.GET.get(name, "")[:2000]:
            found[name] = value
    return found


def _zone(request: HttpRequest, user_zone: str) -> str:
    for zone in (request.GET.get("time_zone", "")[:64], user_zone):
        try:
            get_zone(zone)
        except ValidationError:
            continue
        return zone
    return "UTC"


@login_required
@require_GET
def freebusy_fragment(request: AuthenticatedRequest) -> HttpResponse:
    viewer = request.user
    people, unknown = pick_invitees(viewer, request.GET.get("invitees", ""))
    zone = _zone(request, viewer.time_zone)
    tz = ZoneInfo(zone)
    day = _date(request.GET.get("start_date", "")) or timezone.now().astimezone(tz).date()
    start_time = _time(request.GET.get("start_time", "")) or dt.time(9)
    end_time = _time(request.GET.get("end_time", "")) or dt.time(10)
    end_day = _date(request.GET.get("end_date", "")) or day
    start = dt.datetime.combine(day, start_time, tzinfo=tz)
    end = dt.datetime.combine(end_day, end_time, tzinfo=tz)
    if end <= start:
        end = start + dt.timedelta(hours=1)
    context: dict[str, Any] = {"people": [], "unknown": unknown, "slots": [], "error": ""}
    if people:
        window = Window(
            dt.datetime.combine(day, dt.time(), tzinfo=tz),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz),
            zone,
        )
        try:
            busy = freebusy.busy_periods(viewer, people, window)
            clashing = set(freebusy.conflicts(busy, start, end))
            duration = min(end - start, dt.timedelta(hours=9))
            slots = freebusy.free_slots(
                viewer, people, after=max(start, timezone.now()), duration=duration, zone=zone
            )
        except (ValidationError, PermissionDenied) as error:
            context["error"] = (
                "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            )
        else:
            context["people"] = [
                (
                    p,
                    [(b.start.astimezone(tz), b.end.astimezone(tz)) for b in busy[p.pk]],
                    p.pk in clashing,
                )
                for p in people
            ]
            carried = {k: request.GET.get(k, "")[:2000] for k in (*CARRIED, "invitees")}
            context["slots"] = [
                (
                    s.start.astimezone(tz),
                    s.end.astimezone(tz),
                    reverse("agenda_new")
                    + "?"
                    + urlencode(
                        {
                            **{k: v for k, v in carried.items() if v},
                            "start_date": s.start.astimezone(tz).date().isoformat(),
                            "end_date": s.end.astimezone(tz).date().isoformat(),
                            "start_time": s.start.astimezone(tz).strftime("%H:%M"),
                            "end_time": s.end.astimezone(tz).strftime("%H:%M"),
                        }
                    ),
                )
                for s in slots
            ]
            context["conflict"] = bool(clashing)
    context["day"] = day
    return render(request, "agenda/_freebusy.html", context)
