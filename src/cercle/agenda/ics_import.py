"""Importing an `.ics` file into a calendar, through the agenda's actions, with a report.

The file goes through `cercle.core.uploads` (purpose `ICS_FILE`: text, at most 5 MB). A file that
is not iCalendar at all is refused whole, and nothing is written. Otherwise each event (a UID:
its series, its EXDATEs as cancelled occurrences, its RECURRENCE-ID overrides as changed ones) is
imported whole or refused whole, with the reason (a savepoint per event): no title, an end
before its start, a repetition that cannot be read, a UID already in that calendar (import the
same file twice: nothing doubles) or of an event the person is invited to… Floating times (no
zone) are read in the importing person's zone; a zone Cercle does not know is read as UTC, and
the report says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any
from zoneinfo import ZoneInfo

import icalendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.agenda import actions, queries
from cercle.agenda.models import Calendar, Event, Visibility
from cercle.agenda.recurrence import Timing, get_zone
from cercle.core import uploads

MAX_BYTES = 5 * 1024 * 1024
MAX_EVENTS = 2000


def _max_bytes() -> int:
    return MAX_BYTES


ICS_FILE = uploads.Purpose(
    "agenda ics",
    accepts=frozenset({uploads.TEXT}),
    described=gettext_lazy("iCalendar files (.ics)"),
    max_bytes=_max_bytes,
)


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # titles
    refused: list[tuple[str, str]] = field(default_factory=list)  # (title or UID, why)
    notes: list[str] = field(default_factory=list)


def _zone_of(value: dt.datetime, fallback: str, report: ImportReport) -> str:
    key = getattr(value.tzinfo, "key", None) or getattr(value.tzinfo, "zone", None)
    if value.tzinfo is None:
        return fallback
    if key:
        try:
            get_zone(str(key))
            return str(key)
        except ValidationError:
            pass
    if value.utcoffset() == dt.timedelta(0):
        return "UTC"
    note = _("A time zone was not recognised; its times were kept at their UTC instant.")
    if note not in report.notes:
        report.notes.append(note)
    return "UTC"


def _timing(component: Any, fallback: str, report: ImportReport) -> Timing:
    if "DTSTART" not in component:
        raise ValidationError(_("It has no start."))
    start = component["DTSTART"].dt
    end_prop = component.get("DTEND")
    end = end_prop.dt if end_prop is not None else None
    if end is None and "DURATION" in component:
        end = start + component["DURATION"].dt
    if not isinstance(start, dt.datetime):
        last = end if isinstance(end, dt.date) and not isinstance(end, dt.datetime) else None
        return Timing.dates(start, last or start + dt.timedelta(days=1), fallback)
    zone = _zone_of(start, fallback, report)
    tz = ZoneInfo(zone)
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    if end is None:
        end = start
    if not isinstance(end, dt.datetime):
        raise ValidationError(_("Its start and end are not of the same kind."))
    if end.tzinfo is None:
        end = end.replace(tzinfo=tz)
    return Timing.timed(start.astimezone(tz), end.astimezone(tz), zone)


def _text(component: Any, name: str, limit: int) -> str:
    value = component.get(name)
    return str(value)[:limit] if value is not None else ""


def _details(component: Any) -> actions.Details:
    url = _text(component, "URL", 500)
    return actions.Details(
        title=_text(component, "SUMMARY", 200).strip(),
        description=_text(component, "DESCRIPTION", 20000),
        place=_text(component, "LOCATION", 200),
        meeting_url=url if url.startswith(("http://", "https://")) else "",
    )


def _exdates(component: Any) -> list[dt.date | dt.datetime]:
    found: list[dt.date | dt.datetime] = []
    values = component.get("EXDATE")
    if values is None:
        return found
    for value in values if isinstance(values, list) else [values]:
        found.extend(d.dt for d in value.dts)
    return found


def read_calendar(data: bytes) -> icalendar.Calendar:
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise ValidationError(
            _("This file is not an iCalendar file that can be read."), code="bad_ics"
        ) from error
    if not isinstance(calendar, icalendar.Calendar):
        raise ValidationError(_("This file is not an iCalendar file that can be read."))
    return calendar


def import_file(*, actor: User, calendar: Calendar, upload: IO[bytes], name: str) -> ImportReport:
    """Check the upload (`ICS_FILE`), then import it (`import_ics`)."""
    uploads.check(upload, name, ICS_FILE)
    upload.seek(0)
    return import_ics(actor=actor, calendar=calendar, data=upload.read(MAX_BYTES + 1))


@transaction.atomic
def import_ics(*, actor: User, calendar: Calendar, data: bytes) -> ImportReport:
    if not queries.can_write_in(actor, calendar):
        raise PermissionDenied(_("You cannot add events to this calendar."))
    parsed = read_calendar(data)
    report = ImportReport()
    groups: dict[str, list[Any]] = defaultdict(list)
    for component in parsed.walk("VEVENT"):
        uid = str(component.get("UID", "")).strip()[:255]
        groups[uid].append(component)
    if sum(len(g) for g in groups.values()) > MAX_EVENTS:
        raise ValidationError(
            _("A file holds at most %(n)d events.") % {"n": MAX_EVENTS}, code="too_many"
        )
    fallback = actor.time_zone or "UTC"
    try:
        get_zone(fallback)
    except ValidationError:
        fallback = "UTC"
    for uid, components in groups.items():
        masters = [c for c in components if "RECURRENCE-ID" not in c]
        overrides = [c for c in components if "RECURRENCE-ID" in c]
        label = _text((masters or components)[0], "SUMMARY", 200).strip() or uid or "?"
        if len(masters) != 1:
            report.refused.append((label, _("It has no main event (or several with one UID).")))
            continue
        if uid and Event.objects.filter(calendar=calendar, uid=uid).exists():
            report.refused.append((label, _("It is already in this calendar.")))
            continue
        if uid and queries.taking_part([actor.pk]).filter(event__uid=uid).exists():
            # The invitation is already in their agenda: a copy would show it twice.
            report.refused.append((label, _("You are already invited to it.")))
            continue
        try:
            with transaction.atomic():
                _import_one(actor, calendar, uid, masters[0], overrides, fallback, report)
        except ValidationError as error:
            report.refused.append((label, "; ".join(error.messages)))
        except (ValueError, TypeError, KeyError, AttributeError):
            report.refused.append((label, _("Some of its values cannot be read.")))
        else:
            report.imported.append(label)
    return report


def _import_one(
    actor: User,
    calendar: Calendar,
    uid: str,
    master: Any,
    overrides: list[Any],
    fallback: str,
    report: ImportReport,
) -> None:
    rule = master.get("RRULE")
    rule_text = rule.to_ical().decode() if rule is not None else ""
    private = str(master.get("CLASS", "")).upper() in ("PRIVATE", "CONFIDENTIAL")
    event = actions.create_event(
        actor=actor,
        calendar=calendar,
        details=_details(master),
        timing=_timing(master, fallback, report),
        rule=rule_text,
        visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
        uid=uid or None,
    )
    if not event.rule:
        return
    for moment in _exdates(master):
        if queries.find_occurrence(event, _key(moment, event)) is not None:
            event = (
                actions.cancel_event(
                    actor=actor, event=event, scope=actions.THIS, occurrence=_key(moment, event)
                )
                or event
            )
    for override in overrides:
        key = _key(override["RECURRENCE-ID"].dt, event)
        if queries.find_occurrence(event, key) is None:
            continue  # names no occurrence of the series: nothing to change
        if str(override.get("STATUS", "")).upper() == "CANCELLED":
            actions.cancel_event(actor=actor, event=event, scope=actions.THIS, occurrence=key)
            continue
        actions.change_event(
            actor=actor,
            event=event,
            details=_details(override),
            timing=_timing(override, event.time_zone, report),
            scope=actions.THIS,
            occurrence=key,
        )


def _key(moment: dt.date | dt.datetime, event: Event) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(event.time_zone))
        return moment.astimezone(dt.UTC)
    return dt.datetime.combine(moment, dt.time(), tzinfo=dt.UTC)
