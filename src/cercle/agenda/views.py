"""The agenda's pages: my agenda and a space's (by day, week, month, or a list of the coming
days), an event, the event form, answering an invitation, `.ics` files and the subscription feed."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cercle.agenda import actions, edit_views, freebusy_views, ical, queries, reminders
from cercle.agenda.forms import EventForm, pick_invitees
from cercle.agenda.models import Answer, Calendar
from cercle.agenda.queries import OccurrenceView
from cercle.agenda.recurrence import Window, get_zone
from cercle.core.kept import ProcessMemo
from cercle.core.typing import AuthenticatedRequest
from cercle.spaces import queries as space_queries

PERIODS = ("list", "day", "week", "month")
LIST_DAYS = 30


def _zone(request: AuthenticatedRequest) -> str:
    try:
        get_zone(request.user.time_zone)
    except ValidationError:
        return "UTC"
    return request.user.time_zone


def _period(request: HttpRequest, zone: str) -> tuple[str, dt.date, Window, dt.date, dt.date]:
    """The period asked for (list by default), its first day, its window, and the first days of
    the previous and next periods."""
    period = request.GET.get("view", "list")
    if period not in PERIODS:
        period = "list"
    tz = ZoneInfo(zone)
    try:
        anchor = dt.date.fromisoformat(request.GET.get("date", "")[:10])
    except ValueError:
        anchor = timezone.now().astimezone(tz).date()
    anchor = max(min(anchor, dt.date(2999, 1, 1)), dt.date(1900, 1, 1))
    if period == "day":
        first, last = anchor, anchor + dt.timedelta(days=1)
        previous, following = anchor - dt.timedelta(days=1), last
    elif period == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=7)
        previous, following = first - dt.timedelta(days=7), last
    elif period == "month":
        first = anchor.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1)
        previous, following = (first - dt.timedelta(days=1)).replace(day=1), last
    else:
        first, last = anchor, anchor + dt.timedelta(days=LIST_DAYS)
        previous, following = anchor - dt.timedelta(days=LIST_DAYS), last
    window = Window(
        dt.datetime.combine(first, dt.time(), tzinfo=tz),
        dt.datetime.combine(last, dt.time(), tzinfo=tz),
        zone,
    )
    return period, first, window, previous, following


# A day of a week, month or list shows this many occurrences and "N more", a link to the day
# (as calendar applications' month grids do): a person in fifty spaces can have a hundred a day.
DAY_SHOWN = 8


def _days(
    found: list[OccurrenceView], window: Window, *, shown: int | None = None
) -> list[tuple[dt.date, list[OccurrenceView], int]]:
    """The occurrences under each day they touch (within the window), days in order; with `shown`,
    at most that many a day and how many more there are."""
    tz = ZoneInfo(window.zone)
    first, last = window.dates()
    by_day: dict[dt.date, list[OccurrenceView]] = defaultdict(list)
    for occurrence in found:
        timing = occurrence.timing
        if timing.all_day:
            assert timing.start_date is not None and timing.end_date is not None
            day, end = timing.start_date, timing.end_date
        else:
            assert timing.start is not None and timing.end is not None
            day = timing.start.astimezone(tz).date()
            end = (timing.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
            end = max(end, day) + dt.timedelta(days=1)
        day = max(day, first)
        while day < min(end, last):
            by_day[day].append(occurrence)
            day += dt.timedelta(days=1)
    if shown is None:
        return [(day, items, 0) for day, items in sorted(by_day.items())]
    return [
        (day, items[:shown], max(0, len(items) - shown)) for day, items in sorted(by_day.items())
    ]


# Each day of a period is drawn apart and kept in the process under what it shows (the day, its
# occurrences' shown values, how many more, the addresses, the language and the time zone the
# times are written in): after a change in one calendar of fifty, a month draws again only the
# days whose shown occurrences changed (drawing a month's 31 days of 8 was half its rebuild).
drawn_days: ProcessMemo[tuple[Any, ...], SafeString] = ProcessMemo(4096)


def _shown(occurrence: OccurrenceView) -> tuple[Any, ...]:
    """What the day's drawing shows of an occurrence (`agenda/_period_day.html`)."""
    return (
        occurrence.event.pk,
        occurrence.recurrence_id,
        occurrence.timing,
        occurrence.busy_only,
        occurrence.title,
        occurrence.place,
        occurrence.changed,
        occurrence.calendar.colour,
        occurrence.calendar_name,
    )


def _draw_days(
    days: list[tuple[dt.date, list[OccurrenceView], int]], context: dict[str, Any]
) -> list[SafeString]:
    """Each day's drawing, from those kept when the day shows the same."""
    common = (
        get_language(),
        timezone.get_current_timezone_name(),
        context["base_url"],
        context["event_url"],
        context["today"],
    )
    drawn = []
    for day, items, more in days:
        key = (*common, day, more, tuple(_shown(o) for o in items))
        html = drawn_days.get(key)
        if html is None:
            html = mark_safe(  # noqa: S308 - a template's output, escaped by it
                render_to_string(
                    "agenda/_period_day.html",
                    {**context, "day": day, "items": items, "more": more},
                )
            )
            drawn_days.put(key, html)
        drawn.append(html)
    return drawn


# A period, drawn, is kept this long under the versions of what the person sees
# (`queries.kept_key`): people page back and forth, and a change elsewhere keeps it.
PERIOD_SECONDS = 15 * 60


def _agenda_context(
    request: AuthenticatedRequest,
    calendars: list[Calendar],
    base_url: str,
    *,
    with_invitations: bool = False,
) -> dict[str, Any]:
    zone = _zone(request)
    period, first, window, previous, following = _period(request, zone)
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    key = queries.kept_key(
        "period",
        request.user,
        calendars,
        zone,
        period,
        first.isoformat(),
        today.isoformat(),
        base_url,
        with_invitations=with_invitations,
    )
    period_html = cache.get(key)
    if period_html is None:
        found = queries.occurrences_between(
            request.user, window, calendars, with_invitations=with_invitations
        )
        shown = None if period == "day" else DAY_SHOWN
        period_context = {
            "period": period,
            "periods": [
                (name, label)
                for name, label in (
                    ("list", _("List")),
                    ("day", _("Day")),
                    ("week", _("Week")),
                    ("month", _("Month")),
                )
            ],
            "first": first,
            "last_day": window.dates()[1] - dt.timedelta(days=1),
            "previous": previous,
            "following": following,
            "today": today,
            "base_url": base_url,
            # An event's address made once, not reversed for each of a month's hundreds.
            "event_url": reverse("agenda_event", args=[0]).removesuffix("0/"),
        }
        period_context["days"] = _draw_days(_days(found, window, shown=shown), period_context)
        period_html = render_to_string("agenda/_period.html", period_context)
        cache.set(key, period_html, PERIOD_SECONDS)
    return {
        "period": period,
        "first": first,
        "period_html": period_html,
        "calendars": [(c, queries.calendar_name(c)) for c in calendars],
        "base_url": base_url,
        "zone": zone,
    }


@login_required
@require_GET
def agenda(request: AuthenticatedRequest) -> HttpResponse:
    """My agenda: my calendar and my spaces', or those ticked."""
    actions.ensure_calendars(request.user)
    mine = list(queries.my_calendars(request.user))
    chosen = {c for c in request.GET.getlist("calendar") if c.isdigit()}
    shown = [c for c in mine if str(c.pk) in chosen] if chosen else mine
    context = _agenda_context(request, shown, reverse("agenda"), with_invitations=not chosen)
    context["choosable"] = [(c, queries.calendar_name(c), c in shown) for c in mine]
    context["can_create"] = any(queries.can_write_in(request.user, c) for c in mine)
    personal = actions.personal_calendar(request.user)
    context["feed_url"] = request.build_absolute_uri(
        reverse("agenda_feed", args=[personal.feed_token])
    )
    return render(request, "agenda/agenda.html", context)


@login_required
@require_GET
def space_agenda(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = space_queries.access_space(request.user, slug)
    view = space_queries.space_view(request.user, space)
    if not view.can_read or not space_queries.has_module(space, queries.MODULE):
        raise queries.NotFound(_("No such calendar."))
    calendar = actions.space_calendar(space)
    context = _agenda_context(request, [calendar], reverse("agenda_space", args=[space.slug]))
    context.update(
        space=space,
        view=view,
        member_count=space_queries.member_count(space),
        can_create=queries.can_write_in(request.user, calendar),
        calendar_id=calendar.pk,
    )
    return render(request, "agenda/space.html", context)


@login_required
@require_GET
def event_detail(request: AuthenticatedRequest, event_id: int) -> HttpResponse:
    event = queries.access_event(request.user, event_id)
    invitations = list(queries.invitations(event))
    mine = next((i for i in invitations if i.person_id == request.user.pk), None)
    key, current = edit_views.occurrence_of(request, event)
    rights = queries.event_rights(request.user, event)
    # On an occurrence's page: the answers for that occurrence only, where they differ.
    singles = queries.occurrence_answers(event, key)
    for invitation in invitations:
        invitation.this_occurrence = singles.get(invitation.person_id)  # type: ignore[attr-defined]
    return render(
        request,
        "agenda/event.html",
        {
            "event": event,
            # When the page's occurrence takes place as it stands (moved or not), else the event.
            "when": current or event,
            "calendar_name": queries.calendar_name(event.calendar),
            "rights": rights,
            "occurrence": key,
            "change_links": edit_views.scope_links(event, key) if rights.change else [],
            "cancelled_occurrences": queries.cancelled_occurrences(event) if rights.change else [],
            "invitations": invitations,
            "mine": mine,
            "reminders": reminders.panel(request.user, event),
            "answers": [
                (Answer.YES, _("Yes")),
                (Answer.MAYBE, _("Maybe")),
                (Answer.NO, _("No")),
            ],
        },
    )


@login_required
@require_POST
def respond(request: AuthenticatedRequest, event_id: int) -> HttpResponse:
    event = queries.access_event(request.user, event_id)
    key, _current = edit_views.occurrence_of(request, event)
    only_this = request.POST.get("scope") == "this"
    try:
        if only_this and key is None:
            raise ValidationError(_("Say which occurrence."))
        actions.respond(
            actor=request.user,
            event=event,
            answer=request.POST.get("answer", ""),
            comment=request.POST.get("comment", "")[:1000],
            occurrence=key if only_this else None,
        )
    except (ValidationError, PermissionDenied) as error:
        text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        if isinstance(error, PermissionDenied):
            return HttpResponseForbidden(text)
        return HttpResponseBadRequest(text)
    messages.success(request, _("Your answer is saved."))
    url = reverse("agenda_event", kwargs={"event_id": event.pk})
    if key is not None:
        url += "?" + urlencode({"occurrence": key.isoformat()})
    return redirect(url)


@login_required
def new_event(request: AuthenticatedRequest) -> HttpResponse:
    actions.ensure_calendars(request.user)
    writable = queries.writable_calendars(request.user)
    today = timezone.now().astimezone(ZoneInfo(_zone(request))).date()
    initial = {
        "start_date": today,
        "end_date": today,
        "start_time": dt.time(9),
        "end_time": dt.time(10),
        "time_zone": _zone(request),
        # The calendar asked for (a space's "New event"), else the person's own.
        "calendar": request.GET.get("calendar")
        if request.GET.get("calendar", "").isdigit()
        else next((c.pk for c, _name in writable if c.owner_id == request.user.pk), None),
    }
    initial.update(freebusy_views.initial_from(request))
    form = EventForm(request.POST or None, calendars=writable, initial=initial, viewer=request.user)
    status = 200
    if request.method == "POST":
        invitees: list[Any] = []
        if form.is_valid():
            invitees, unknown = pick_invitees(request.user, form.cleaned_data["invitees"])
            if unknown:
                form.add_error(
                    "invitees", _("No one is called %(names)s.") % {"names": ", ".join(unknown)}
                )
        if form.is_valid():
            try:
                event = actions.create_event(
                    actor=request.user,
                    calendar=form.cleaned_data["calendar"],
                    details=actions.Details(
                        title=form.cleaned_data["title"],
                        description=form.cleaned_data["description"],
                        place=form.cleaned_data["place"],
                        meeting_url=form.cleaned_data["meeting_url"],
                    ),
                    timing=form.timing(),
                    rule=form.rule(),
                    visibility=form.cleaned_data["visibility"],
                )
                space = form.cleaned_data.get("invite_space")
                department = form.cleaned_data.get("invite_department")
                if invitees or space is not None or department is not None:
                    actions.invite(
                        actor=request.user,
                        event=event,
                        people=invitees,
                        spaces=[space] if space is not None else [],
                        departments=[department] if department is not None else [],
                    )
            except ValidationError as error:
                _apply_errors(form, error)
            except PermissionDenied as error:
                form.add_error("calendar", str(error))
            else:
                messages.success(request, _("The event is created."))
                return redirect("agenda_event", event_id=event.pk)
        status = 400
    return render(request, "agenda/form.html", {"form": form}, status=status)


FIELD_OF_ERROR = {"end": "end_date", "rule": "repeat", "start": "start_date"}


def _apply_errors(form: EventForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            name = FIELD_OF_ERROR.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_GET
def event_ics(request: AuthenticatedRequest, event_id: int) -> HttpResponse:
    event = queries.access_event(request.user, event_id)
    return _ics(ical.calendar_bytes([(event, False)]), f"event-{event.pk}.ics")


def _ics(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar's subscription address: its secret is the key (regenerated on request)."""
    calendar = (
        Calendar.objects.select_related("owner", "space").filter(feed_token=token[:64]).first()
        if token
        else None
    )
    if calendar is None or (calendar.owner is not None and not calendar.owner.is_active):
        raise Http404
    if calendar.space is not None and not space_queries.has_module(calendar.space, queries.MODULE):
        raise Http404
    data = queries.feed_bytes(calendar)
    # Calendar applications poll with the ETag they were given: unchanged, a 304 and no body.
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    unchanged = get_conditional_response(request, etag=etag)
    if unchanged is not None:
        return unchanged
    response = _ics(data, "calendar.ics")
    response["ETag"] = etag
    return response


@login_required
@require_POST
def regenerate_feed(request: AuthenticatedRequest) -> HttpResponse:
    actions.regenerate_feed_token(
        actor=request.user, calendar=actions.personal_calendar(request.user)
    )
    messages.success(request, _("A new subscription address is made; the old one no longer works."))
    return redirect("agenda")
