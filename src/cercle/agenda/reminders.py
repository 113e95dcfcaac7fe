"""Reminders before events: chosen per event and per person, with a default per person; sent in
the app (a notification, through the notifications registry) and by e-mail by a periodic sweep
(`manage.py send_event_reminders`, in `make run`'s loop every minute).

Who is reminded: the organiser and those invited who have not declined, active. An occurrence
cancelled (or the whole event) is never reminded; a reminder is sent at most once (the unique
`SentReminder` row is written before anything leaves) and not at all when the sweep comes more
than `LATE` after its time. An all-day event's reminders count from 09:00 on its first day, in
the person's time zone ("1 day before": 09:00 the day before).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cercle.accounts.models import User
from cercle.agenda import notifications as agenda_notifications
from cercle.agenda import queries
from cercle.agenda.models import (
    Answer,
    Event,
    EventReminder,
    Occurrence,
    ReminderDefault,
    SentReminder,
)
from cercle.agenda.recurrence import Timing, Window
from cercle.core.mail import absolute_url
from cercle.notifications import actions as notifications
from cercle.notifications.models import Notification
from cercle.notifications.registry import NotificationKind, register_kind

REMINDER = "event_reminder"
# The offsets offered, in minutes before the start: at the time, 5, 10, 15, 30 min, 1 h, 2 h,
# 1 day, 2 days, 1 week.
CHOICES = (0, 5, 10, 15, 30, 60, 120, 1440, 2880, 10080)
MAX_PER_EVENT = 5
# For those who chose no default.
DEFAULT_MINUTES = (10,)
# A reminder whose time passed longer ago than this (the sweep was stopped) is not sent.
LATE = dt.timedelta(minutes=30)
ALL_DAY_AT = dt.time(9, 0)


def label(minutes: int) -> str:
    """ "10 minutes before", "1 hour before", "At the start"."""
    if minutes == 0:
        return _("At the start")
    if minutes % 1440 == 0:
        days = minutes // 1440
        if days == 7:
            return _("1 week before")
        return ngettext("%(n)d day before", "%(n)d days before", days) % {"n": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour before", "%(n)d hours before", hours) % {"n": hours}
    return ngettext("%(n)d minute before", "%(n)d minutes before", minutes) % {"n": minutes}


def check_minutes(values: Iterable[object]) -> list[int]:
    """The offsets chosen, each among `CHOICES`, at most `MAX_PER_EVENT`, sorted, no repeats."""
    found: set[int] = set()
    for value in values:
        try:
            minutes = int(str(value))
        except ValueError:
            minutes = -1
        if minutes not in CHOICES:
            raise ValidationError(
                {"minutes": _("Choose reminders among the times offered.")}, code="bad_reminder"
            )
        found.add(minutes)
    if len(found) > MAX_PER_EVENT:
        raise ValidationError(
            {"minutes": _("Choose at most %(n)d reminders.") % {"n": MAX_PER_EVENT}},
            code="too_many_reminders",
        )
    return sorted(found)


# --- Choices (writes) ----------------------------------------------------------------------------


def default_minutes(person: User) -> list[int]:
    row = ReminderDefault.objects.filter(person_id=person.pk).first()
    return list(row.minutes) if row is not None else list(DEFAULT_MINUTES)


def event_minutes(person: User, event: Event) -> list[int] | None:
    """The person's own choice for this event; None: their default applies."""
    row = EventReminder.objects.filter(person_id=person.pk, event_id=event.pk).first()
    return list(row.minutes) if row is not None else None


@transaction.atomic
def set_default_reminders(*, actor: User, minutes: Sequence[object]) -> list[int]:
    chosen = check_minutes(minutes)
    ReminderDefault.objects.update_or_create(person=actor, defaults={"minutes": chosen})
    return chosen


def takes_part(person: User, event: Event) -> bool:
    """Is `person` the organiser, or invited and not declined?"""
    if not person.is_active:
        return False
    if event.organiser_id == person.pk:
        return True
    return queries.taking_part([person.pk]).filter(event_id=event.pk).exists()


@transaction.atomic
def set_event_reminders(
    *, actor: User, event: Event, minutes: Sequence[object] | None
) -> list[int] | None:
    """The actor's reminders for `event` (None: back to their default; `[]`: none)."""
    if not takes_part(actor, event):
        raise PermissionDenied(_("Only the organiser and those invited have reminders."))
    if minutes is None:
        EventReminder.objects.filter(person_id=actor.pk, event_id=event.pk).delete()
        return None
    chosen = check_minutes(minutes)
    EventReminder.objects.update_or_create(person=actor, event=event, defaults={"minutes": chosen})
    return chosen


# --- The sweep -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    event: Event
    person: User
    occurrence: dt.datetime  # recurrence id, or the single event's start
    minutes: int
    timing: Timing
    title: str


def _reference(timing: Timing, person: User) -> dt.datetime:
    if not timing.all_day:
        assert timing.start is not None
        return timing.start
    assert timing.start_date is not None
    try:
        zone = ZoneInfo(person.time_zone)
    except (ValueError, KeyError, OSError):
        zone = ZoneInfo("UTC")
    return dt.datetime.combine(timing.start_date, ALL_DAY_AT, tzinfo=zone)


def due_reminders(now: dt.datetime) -> list[Due]:
    """Every reminder whose time is in (now − LATE, now], sent or not: a fixed number of queries
    (events, their exceptions, invitations with their people, organisers, choices)."""
    longest = dt.timedelta(minutes=max(CHOICES))
    # Wide enough for all-day events in any zone (their reference moves by up to a day).
    window = Window(now - LATE - dt.timedelta(days=1), now + longest + dt.timedelta(days=2), "UTC")
    in_window = Q(first_start__lt=window.end) & (
        Q(last_end__isnull=True) | Q(last_end__gt=window.start)
    )
    moved = Q(
        pk__in=Occurrence.objects.filter(
            cancelled=False, start__lt=window.end, end__gte=window.start
        ).values("event_id")
    ) | Q(
        pk__in=Occurrence.objects.filter(
            cancelled=False, start_date__lt=window.end.date(), end_date__gt=window.start.date()
        ).values("event_id")
    )
    events = list(
        Event.objects.filter(in_window | moved)
        .select_related("organiser", "calendar")
        .prefetch_related("occurrences")
    )
    if not events:
        return []
    ids = [e.pk for e in events]
    people: dict[int, list[User]] = defaultdict(list)
    organisers = {e.pk: e.organiser_id for e in events}
    for event in events:
        if event.organiser is not None and event.organiser.is_active:
            people[event.pk].append(event.organiser)
    series: dict[tuple[int, int], str] = {}
    invited = queries.taking_part(User.objects.filter(is_active=True).values("pk")).filter(
        event_id__in=ids
    )
    for invitation in invited.select_related("person"):
        if invitation.person_id != organisers[invitation.event_id]:
            people[invitation.event_id].append(invitation.person)
            series[(invitation.event_id, invitation.person_id)] = invitation.answer
    # Answers for single occurrences: no reminder for a declined one (one accepted of a
    # declined series is reminded).
    per_occurrence = queries.answers_by_occurrence(invited) if series else {}
    everyone = {p.pk for group in people.values() for p in group}
    defaults = {
        row.person_id: list(row.minutes)
        for row in ReminderDefault.objects.filter(person_id__in=everyone)
    }
    chosen = {
        (row.event_id, row.person_id): list(row.minutes)
        for row in EventReminder.objects.filter(event_id__in=ids, person_id__in=everyone)
    }
    found: list[Due] = []
    for event in events:
        if not people[event.pk]:
            continue
        for occurrence in queries.expand(event, window, busy=False):
            key = occurrence.recurrence_id or occurrence.timing.key
            for person in people[event.pk]:
                answer = series.get((event.pk, person.pk))
                if answer is not None and occurrence.recurrence_id is not None:
                    answer = per_occurrence.get((event.pk, person.pk), {}).get(
                        occurrence.recurrence_id, answer
                    )
                if answer == Answer.NO:
                    continue
                offsets = chosen.get(
                    (event.pk, person.pk), defaults.get(person.pk, list(DEFAULT_MINUTES))
                )
                reference = _reference(occurrence.timing, person)
                for minutes in offsets:
                    at = reference - dt.timedelta(minutes=int(minutes))
                    if now - LATE < at <= now:
                        found.append(
                            Due(
                                event,
                                person,
                                key,
                                int(minutes),
                                occurrence.timing,
                                occurrence.title,
                            )
                        )
    return found


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """The periodic sweep: send the reminders due, each once. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for due in due_reminders(now):
        try:
            with transaction.atomic():
                SentReminder.objects.create(
                    event=due.event,
                    person=due.person,
                    occurrence=due.occurrence,
                    minutes=due.minutes,
                )
                _notify(due)
        except IntegrityError:
            continue  # already sent (by this sweep earlier, or another one at the same time)
        sent += 1
    return sent


def _notify(due: Due) -> None:
    notifications.notify(
        recipient=due.person,
        kind=REMINDER,
        actor=None,
        group_key=f"event_reminder:{due.event.pk}:{due.occurrence:%Y%m%dT%H%M}:{due.minutes}",
        subject=agenda_notifications.about(due.event),
    )
    if due.person.email:
        mail = _mail(due)
        transaction.on_commit(mail.send)


def _when(timing: Timing, person: User) -> str:
    if timing.all_day:
        assert timing.start_date is not None
        return formats.date_format(timing.start_date, "DATE_FORMAT")
    assert timing.start is not None
    try:
        zone = ZoneInfo(person.time_zone)
    except (ValueError, KeyError, OSError):
        zone = ZoneInfo("UTC")
    return formats.date_format(timing.start.astimezone(zone), "DATETIME_FORMAT")


def _mail(due: Due) -> EmailMessage:
    person, event = due.person, due.event
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = _("Reminder: %(title)s, %(when)s") % {
            "title": due.title,
            "when": _when(due.timing, person),
        }
        lines = [subject]
        if event.place:
            lines.append(_("Where: %(place)s") % {"place": event.place})
        if event.meeting_url:
            lines.append(_("Online: %(url)s") % {"url": event.meeting_url})
        lines += ["", absolute_url(reverse("agenda_event", args=[event.pk]))]
    return EmailMessage(
        subject=f"[Cercle] {subject}", body="\n".join(lines) + "\n", to=[person.email]
    )


# --- Registration --------------------------------------------------------------------------------


def _describe(notification: Notification) -> str:
    return str(gettext_lazy("An event you take part in starts soon"))


def _link(notification: Notification) -> str:
    return reverse("agenda_event", args=[notification.subject_id])


def register() -> None:
    register_kind(
        NotificationKind(
            key=REMINDER,
            label=gettext_lazy("Reminders of my events"),
            describe=_describe,
            link=_link,
            email=False,  # the sweep mails reminders itself, on time
        )
    )


# --- What the pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderPanel:
    """A person's reminders for an event (or their default): each offset offered, chosen or not."""

    choices: list[tuple[int, str, bool]]
    uses_default: bool


def panel(person: User, event: Event | None = None) -> ReminderPanel | None:
    """The reminder form of `event` for `person` (None: they take no part), or of their default."""
    if event is not None:
        if not takes_part(person, event):
            return None
        own = event_minutes(person, event)
        chosen = own if own is not None else default_minutes(person)
        uses_default = own is None
    else:
        chosen, uses_default = default_minutes(person), False
    return ReminderPanel(
        choices=[(m, label(m), m in chosen) for m in CHOICES], uses_default=uses_default
    )
