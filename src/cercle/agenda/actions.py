"""Every write of the agenda: calendars made on first use, events created, changed and cancelled
(one occurrence, this one and the following, or all), each audited.

Scopes of a change or a cancellation, for a recurring event (a single event has only "all"):
- `this`: one occurrence, named by its recurrence id; an exception row (`Occurrence`) keeps its
  new title, place or time, or that it is cancelled (iCalendar's RECURRENCE-ID and EXDATE).
- `following`: the series is cut before that occurrence (its rule ends there: UNTIL, or a smaller
  COUNT) and, for a change, a new series starts there with the changes, the rest of the count, the
  invitations, and the exceptions after the cut that still name one of its occurrences.
  On the first occurrence it is the same as `all`.
- `all`: the series itself. Exceptions that no longer name an occurrence of the changed series are
  dropped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, User
from cercle.agenda import mail, notifications, queries, recurrence
from cercle.agenda.models import (
    Answer,
    Calendar,
    Event,
    Invitation,
    Occurrence,
    OccurrenceAnswer,
    Visibility,
    new_feed_token,
)
from cercle.agenda.recurrence import Timing
from cercle.audit.actions import log_event
from cercle.core.markdown import render_markdown
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Membership, Space

SCOPES = ("this", "following", "all")
ALL = "all"
THIS = "this"
FOLLOWING = "following"


# --- Calendars -------------------------------------------------------------------------------


def personal_calendar(user: User) -> Calendar:
    """The person's calendar, made on first use."""
    calendar = Calendar.objects.filter(owner_id=user.pk, extra=False).first()
    if calendar is not None:
        return calendar
    try:
        with transaction.atomic():
            return Calendar.objects.create(owner=user)
    except IntegrityError:  # made at the same moment by another request
        return Calendar.objects.get(owner_id=user.pk, extra=False)


MAX_EXTRA_CALENDARS = 50
PALETTE = ("blue", "green", "orange", "purple", "red", "teal")


def create_extra_calendar(*, actor: User, name: str, colour: str = "blue") -> Calendar:
    """A further personal calendar of `actor` (made from a CalDAV client: MKCALENDAR), shown in
    their agenda with their own."""
    if not actor.is_active:
        raise PermissionDenied(_("You cannot make a calendar."))
    if Calendar.objects.filter(owner_id=actor.pk, extra=True).count() >= MAX_EXTRA_CALENDARS:
        raise ValidationError(_("You have too many calendars."))
    calendar = Calendar.objects.create(
        owner=actor,
        extra=True,
        name=name.strip()[:200],
        colour=colour if colour in PALETTE else "blue",
    )
    log_event(actor=actor, action="agenda.calendar_created", target=calendar)
    return calendar


def change_extra_calendar(
    *, actor: User, calendar: Calendar, name: str | None = None, colour: str | None = None
) -> Calendar:
    """Rename (further calendars only: the main one bears the person's name) or recolour one of
    the person's calendars."""
    if calendar.owner_id != actor.pk or (name is not None and not calendar.extra):
        raise PermissionDenied(_("You cannot change this calendar."))
    if name is not None:
        calendar.name = name.strip()[:200]
    if colour is not None and colour in PALETTE:
        calendar.colour = colour
    calendar.save(update_fields=["name", "colour"])
    return calendar


@transaction.atomic
def delete_extra_calendar(*, actor: User, calendar: Calendar) -> None:
    """Delete one of the person's further calendars: each event is cancelled as from the
    agenda (its invitees are told), then the calendar goes. Their main calendar stays."""
    if not calendar.extra or calendar.owner_id != actor.pk:
        raise PermissionDenied(_("You cannot delete this calendar."))
    for event in Event.objects.filter(calendar=calendar).order_by("pk"):
        cancel_event(actor=actor, event=event)
    log_event(actor=actor, action="agenda.calendar_deleted", target=calendar)
    calendar.delete()


def space_calendar(space: Space) -> Calendar:
    """The space's calendar, made on first use (whether the agenda is on is the caller's rule)."""
    calendar = Calendar.objects.filter(space_id=space.pk).first()
    if calendar is not None:
        return calendar
    try:
        with transaction.atomic():
            return Calendar.objects.create(space=space, colour="green")
    except IntegrityError:
        return Calendar.objects.get(space_id=space.pk)


def ensure_calendars(user: User) -> None:
    """Make the calendars `queries.my_calendars` shows that do not exist yet (two queries when
    they all do)."""
    if not user.is_active:
        return
    personal_calendar(user)
    member_of = Membership.objects.filter(user_id=user.pk).values("space_id")
    missing = (
        queries.agenda_spaces()
        .filter(pk__in=member_of, calendar__isnull=True)
        .values_list("pk", flat=True)
    )
    colours = ("green", "orange", "purple", "teal", "red")
    space_ids = list(missing)
    if not space_ids:
        return
    Calendar.objects.bulk_create(
        [Calendar(space_id=pk, colour=colours[pk % len(colours)]) for pk in space_ids],
        ignore_conflicts=True,
    )
    # `bulk_create` sends no signal: the spaces' versions (which the panels' keys and the
    # calendars they show are kept under) move here, as `listeners` move them on a save.
    keys = [queries.space_version_key(pk) for pk in space_ids]
    queries.change_versions(keys)
    transaction.on_commit(lambda: queries.change_versions(keys))


# --- Checks --------------------------------------------------------------------------------------


_URL = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Details:
    """What an event (or one changed occurrence) says, apart from its time."""

    title: str
    description: str = ""
    place: str = ""
    meeting_url: str = ""


def _check_details(details: Details) -> Details:
    errors: dict[str, str] = {}
    title = (details.title or "").strip()
    if not title:
        errors["title"] = _("An event needs a title.")
    elif len(title) > 200:
        errors["title"] = _("A title has at most 200 characters.")
    place = (details.place or "").strip()
    if len(place) > 200:
        errors["place"] = _("A place has at most 200 characters.")
    if len(details.description or "") > 20000:
        errors["description"] = _("A description has at most 20,000 characters.")
    url = (details.meeting_url or "").strip()
    if url:
        try:
            if len(url) > 500:
                raise ValidationError("too long")
            _URL(url)
        except ValidationError:
            errors["meeting_url"] = _("The meeting link must be a web address (http or https).")
    if "\x00" in title + place + (details.description or "") + url:
        errors["title"] = _("The text holds a character that is not allowed.")
    if errors:
        raise ValidationError(errors)
    return Details(title=title, description=details.description or "", place=place, meeting_url=url)


def _check_timing(timing: Timing) -> Timing:
    timing.check()
    if not timing.all_day:
        assert timing.start is not None and timing.end is not None
        return Timing.timed(
            timing.start.astimezone(dt.UTC), timing.end.astimezone(dt.UTC), timing.zone
        )
    return timing


def _check_visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Choose public or private.")})
    return visibility


def _apply(event: Event | Occurrence, details: Details) -> None:
    event.title = details.title
    event.description = details.description
    event.description_html = render_markdown(details.description)
    event.place = details.place
    event.meeting_url = details.meeting_url


def _bounds(event: Event) -> None:
    timing = event.own_timing()
    event.first_start = recurrence.span(timing)[0]
    event.last_end = recurrence.rule_until(event.rule, timing)


def _snapshot(event: Event) -> dict[str, Any]:
    timing = event.own_timing()
    return {
        "title": event.title,
        "calendar": event.calendar_id,
        "all_day": timing.all_day,
        "start": (timing.start or timing.start_date).isoformat(),  # type: ignore[union-attr]
        "end": (timing.end or timing.end_date).isoformat(),  # type: ignore[union-attr]
        "time_zone": event.time_zone,
        "rule": event.rule,
        "place": event.place,
        "visibility": event.visibility,
    }


def _key(value: dt.datetime | dt.date | None) -> dt.datetime:
    if value is None:
        raise ValidationError(
            {"occurrence": _("Say which occurrence.")}, code="occurrence_required"
        )
    return recurrence.occurrence_key(value)


# --- Events --------------------------------------------------------------------------------------


@transaction.atomic
def create_event(
    *,
    actor: User,
    calendar: Calendar,
    details: Details,
    timing: Timing,
    rule: str = "",
    visibility: str = Visibility.PUBLIC,
    uid: str | None = None,
) -> Event:
    if not queries.can_write_in(actor, calendar):
        raise PermissionDenied(_("You cannot add events to this calendar."))
    details = _check_details(details)
    timing = _check_timing(timing)
    event = Event(
        calendar=calendar,
        organiser=actor,
        time_zone=timing.zone,
        visibility=_check_visibility(visibility),
        rule=recurrence.normalize_rule(rule, timing),
        uid=uid or f"{uuid.uuid4()}@cercle",
    )
    event.set_timing(timing)
    _apply(event, details)
    _bounds(event)
    event.save()
    log_event(actor=actor, action="agenda.event_created", target=event, new=_snapshot(event))
    return event


@transaction.atomic
def change_event(
    *,
    actor: User,
    event: Event,
    details: Details | None = None,
    timing: Timing | None = None,
    rule: str | None = None,
    visibility: str | None = None,
    scope: str = ALL,
    occurrence: dt.datetime | dt.date | None = None,
    calendar: Calendar | None = None,
) -> Event:
    """Change `event` (`scope`: all, this occurrence, or this one and the following); returns the
    event changed — the new series for `following`. Nothing given is left as it is; `calendar`
    (the whole event only) moves it there too (`move_event`), all or nothing."""
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("calendar__space")
        .get(pk=event.pk)
    )
    if not queries.can_change(actor, event):
        raise PermissionDenied(_("You cannot change this event."))
    if scope not in SCOPES:
        raise ValidationError({"scope": _("Choose this, following or all.")})
    details = _check_details(details) if details is not None else None
    timing = _check_timing(timing) if timing is not None else None
    visibility = _check_visibility(visibility) if visibility is not None else None
    if not event.rule:
        scope = ALL
    key = _key(occurrence) if scope != ALL else None
    if key is not None and queries.find_occurrence(event, key) is None:
        raise ValidationError({"occurrence": _("This event has no such occurrence.")})
    if scope == FOLLOWING and key is not None and key <= event.own_timing().key:
        scope = ALL
    if calendar is not None and calendar.pk != event.calendar_id and scope != ALL:
        raise ValidationError({"calendar": _("Only the whole event changes calendar.")})
    if scope == THIS:
        assert key is not None
        return _change_occurrence(actor, event, key, details, timing)
    if scope == FOLLOWING:
        assert key is not None
        return _split(actor, event, key, details, timing, rule, visibility)
    old = _snapshot(event)
    if details is not None:
        _apply(event, details)
    if visibility is not None:
        event.visibility = visibility
    if timing is not None:
        event.time_zone = timing.zone
        event.set_timing(timing)
    if rule is not None or timing is not None:
        event.rule = recurrence.normalize_rule(
            event.rule if rule is None else rule, event.own_timing()
        )
    _bounds(event)
    event.sequence += 1
    event.save()
    _drop_stray_exceptions(event)
    log_event(
        actor=actor, action="agenda.event_changed", target=event, old=old, new=_snapshot(event)
    )
    _tell_invitees(actor, event)
    if calendar is not None:
        event = move_event(actor=actor, event=event, calendar=calendar)
    return event


@transaction.atomic
def move_event(*, actor: User, event: Event, calendar: Calendar) -> Event:
    """Move `event` to another calendar `actor` may write in: the same event (its page, its UID,
    its occurrences, invitations and answers), now shown in that calendar and read as its
    events are (a space's members see a space's). Refused when that calendar has an event with
    the same UID (a UID is unique in its calendar)."""
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("calendar__space")
        .get(pk=event.pk)
    )
    if not queries.can_change(actor, event) or not queries.can_write_in(actor, calendar):
        raise PermissionDenied(_("You cannot move this event to this calendar."))
    if calendar.pk == event.calendar_id:
        return event
    if Event.objects.filter(calendar=calendar, uid=event.uid).exists():
        raise ValidationError(
            {"calendar": _("That calendar already has an event with the same UID.")}
        )
    old = _snapshot(event)
    event.calendar = calendar
    event.save(update_fields=["calendar", "updated_at"])
    log_event(actor=actor, action="agenda.event_moved", target=event, old=old, new=_snapshot(event))
    # Which calendar holds an invitation is kept per invitee and per calendar (the kept
    # periods): a move is rare, so every kept period goes, now and on commit.
    queries.change_versions([queries.KEPT_BASE])
    transaction.on_commit(lambda: queries.change_versions([queries.KEPT_BASE]))
    return event


def _invitations_written(person_ids: list[int]) -> None:
    """`bulk_create` sends no signal: the panels' cache key and the invitees' kept periods'
    versions move here (as in `listeners`), now and on commit."""
    keys = [queries.person_version_key(pk) for pk in person_ids]

    def change() -> None:
        queries.change_agenda_version()
        queries.change_versions(keys)

    change()
    transaction.on_commit(change)


def _drop_stray_exceptions(event: Event) -> None:
    timing = event.own_timing()
    stray = [
        o.pk
        for o in event.occurrences.all()
        if not event.rule or not recurrence.is_occurrence(event.rule, timing, o.recurrence_id)
    ]
    if stray:
        Occurrence.objects.filter(pk__in=stray).delete()


def _change_occurrence(
    actor: User,
    event: Event,
    key: dt.datetime,
    details: Details | None,
    timing: Timing | None,
) -> Event:
    current = queries.find_occurrence(event, key)
    assert current is not None
    override = Occurrence.objects.filter(event=event, recurrence_id=key).first()
    if override is None:
        override = Occurrence(event=event, recurrence_id=key)
        _apply(
            override,
            Details(event.title, event.description, event.place, event.meeting_url),
        )
    old = {"title": override.title, "start": _when(current)}
    if details is not None:
        _apply(override, details)
    if timing is not None and timing.zone != event.time_zone:
        timing = Timing(
            all_day=timing.all_day,
            zone=event.time_zone,
            start=timing.start,
            end=timing.end,
            start_date=timing.start_date,
            end_date=timing.end_date,
        )
    override.set_timing(timing or current)
    override.cancelled = False
    override.save()
    event.sequence += 1
    event.save(update_fields=["sequence", "updated_at"])
    log_event(
        actor=actor,
        action="agenda.occurrence_changed",
        target=event,
        old=old,
        new={"title": override.title, "start": _when(override.timing(event.time_zone))},
        extra={"occurrence": key.isoformat()},
    )
    _tell_invitees(actor, event)
    return event


def _tell_invitees(actor: User, event: Event) -> None:
    """Those invited who have not declined hear of a change."""
    notifications.changed(
        actor=actor,
        event=event,
        people=User.objects.filter(
            is_active=True,
            pk__in=Invitation.objects.filter(event=event)
            .exclude(answer=Answer.NO)
            .values("person_id"),
        ),
    )
    mail.send_change(event)


def _when(timing: Timing) -> str:
    return (timing.start or timing.start_date).isoformat()  # type: ignore[union-attr]


def _cut(event: Event, key: dt.datetime) -> int | None:
    """End `event`'s series before the occurrence keyed `key`; the count left for the rest (None
    when the rule has no COUNT). Its exceptions from `key` on are the caller's."""
    timing = event.own_timing()
    parts = event.rule.upper()
    remaining: int | None = None
    if "COUNT=" in parts:
        before = recurrence.occurrences_before(event.rule, timing, key)
        count = recurrence.series(event.rule, timing).count()
        remaining = count - before
        event.rule = recurrence.with_rule_part(event.rule, COUNT=before, UNTIL=None)
    else:
        until: dt.date | dt.datetime = (
            key.date() - dt.timedelta(days=1) if timing.all_day else key - dt.timedelta(seconds=1)
        )
        event.rule = recurrence.with_rule_part(event.rule, UNTIL=until, COUNT=None)
    _bounds(event)
    event.sequence += 1
    event.save()
    return remaining


def _split(
    actor: User,
    event: Event,
    key: dt.datetime,
    details: Details | None,
    timing: Timing | None,
    rule: str | None,
    visibility: str | None,
) -> Event:
    old = _snapshot(event)
    current = queries.find_occurrence(event, key)
    assert current is not None
    series_timing = event.own_timing()
    plain = (
        Timing.dates(key.date(), key.date() + series_timing.duration, event.time_zone)
        if series_timing.all_day
        else Timing.timed(key, key + series_timing.duration, event.time_zone)
    )
    old_rule = event.rule
    remaining = _cut(event, key)
    later = list(event.occurrences.filter(recurrence_id__gte=key))
    new_rule = old_rule
    if rule is not None:
        new_rule = rule
    elif remaining is not None:
        new_rule = recurrence.with_rule_part(old_rule, COUNT=remaining)
    new_timing = timing or plain
    follower = Event(
        calendar=event.calendar,
        organiser=event.organiser,
        time_zone=new_timing.zone,
        visibility=visibility or event.visibility,
        uid=f"{uuid.uuid4()}@cercle",
    )
    follower.set_timing(new_timing)
    follower.rule = recurrence.normalize_rule(new_rule, new_timing)
    _apply(
        follower,
        details or Details(event.title, event.description, event.place, event.meeting_url),
    )
    _bounds(follower)
    follower.save()
    new_timing_checked = follower.own_timing()
    for exception in later:
        if recurrence.is_occurrence(follower.rule, new_timing_checked, exception.recurrence_id):
            exception.event = follower
            exception.save(update_fields=["event"])
        else:
            exception.delete()
    copied = Invitation.objects.bulk_create(
        [
            Invitation(event=follower, person_id=i.person_id, invited_by=i.invited_by)
            for i in event.invitations.all()
        ]
    )
    _invitations_written([i.person_id for i in copied])
    log_event(
        actor=actor,
        action="agenda.series_split",
        target=follower,
        old=old,
        new=_snapshot(follower),
        extra={"from_event": event.pk, "occurrence": key.isoformat()},
    )
    mail.send_change(event)  # the series cut: its new end, to calendar applications
    _tell_invitees(actor, follower)
    return follower


@transaction.atomic
def cancel_event(
    *,
    actor: User,
    event: Event,
    scope: str = ALL,
    occurrence: dt.datetime | dt.date | None = None,
) -> Event | None:
    """Cancel `event` (all of it: deleted, None returned), one occurrence, or this one and the
    following (the series cut before it)."""
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("calendar__space")
        .get(pk=event.pk)
    )
    if not queries.can_change(actor, event):
        raise PermissionDenied(_("You cannot cancel this event."))
    if scope not in SCOPES:
        raise ValidationError({"scope": _("Choose this, following or all.")})
    if not event.rule:
        scope = ALL
    key = _key(occurrence) if scope != ALL else None
    if key is not None and queries.find_occurrence(event, key) is None:
        raise ValidationError({"occurrence": _("This event has no such occurrence.")})
    if scope == FOLLOWING and key is not None and key <= event.own_timing().key:
        scope = ALL
    if scope == ALL:
        snapshot = _snapshot(event)
        log_event(actor=actor, action="agenda.event_cancelled", target=event, old=snapshot)
        event.sequence += 1
        told = mail.invited_people(event)
        mail.send_cancel(event, told)
        notifications.cancelled(actor=actor, event=event, people=told, whole=True)
        event.delete()
        return None
    assert key is not None
    if scope == THIS:
        cancelled = queries.find_occurrence(event, key)
        Occurrence.objects.update_or_create(
            event=event,
            recurrence_id=key,
            defaults={"cancelled": True, **_timing_fields(cancelled)},
        )
        event.sequence += 1
        event.save(update_fields=["sequence", "updated_at"])
        told = mail.invited_people(event)
        mail.send_cancel(event, told, occurrence=cancelled, recurrence_id=key)
        notifications.cancelled(actor=actor, event=event, people=told, whole=False)
        log_event(
            actor=actor,
            action="agenda.occurrence_cancelled",
            target=event,
            extra={"occurrence": key.isoformat()},
        )
        return event
    old = _snapshot(event)
    _cut(event, key)
    event.occurrences.filter(recurrence_id__gte=key).delete()
    log_event(
        actor=actor,
        action="agenda.event_changed",
        target=event,
        old=old,
        new=_snapshot(event),
        extra={"cancelled_from": key.isoformat()},
    )
    mail.send_change(event)
    notifications.cancelled(
        actor=actor, event=event, people=mail.invited_people(event), whole=False
    )
    return event


@transaction.atomic
def restore_occurrence(
    *,
    actor: User,
    event: Event,
    occurrence: dt.datetime | dt.date | None,
    notify: bool = True,
) -> Event:
    """Put one occurrence of a series back as the series has it: its cancellation, or its own
    title, place and time, undone (the exception row goes). Those invited who have not declined
    hear of it, unless `notify` is False (a caller that changes the occurrence at once, and tells
    them then)."""
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("calendar__space")
        .get(pk=event.pk)
    )
    if not queries.can_change(actor, event):
        raise PermissionDenied(_("You cannot change this event."))
    key = _key(occurrence)
    row = Occurrence.objects.filter(event=event, recurrence_id=key).first()
    if row is None or not event.rule:
        raise ValidationError(
            {"occurrence": _("This occurrence is neither cancelled nor changed.")},
            code="not_an_exception",
        )
    old = {
        "cancelled": row.cancelled,
        "title": row.title,
        "start": _when(row.timing(event.time_zone)),
    }
    row.delete()
    event.sequence += 1
    event.save(update_fields=["sequence", "updated_at"])
    log_event(
        actor=actor,
        action="agenda.occurrence_restored",
        target=event,
        old=old,
        extra={"occurrence": key.isoformat()},
    )
    if notify:
        _tell_invitees(actor, event)
    return event


def _timing_fields(timing: Timing | None) -> dict[str, Any]:
    assert timing is not None
    return {
        "all_day": timing.all_day,
        "start": timing.start,
        "end": timing.end,
        "start_date": timing.start_date,
        "end_date": timing.end_date,
    }


# --- Invitations ---------------------------------------------------------------------------------


@transaction.atomic
def invite(
    *,
    actor: User,
    event: Event,
    people: Sequence[User] = (),
    spaces: Sequence[Space] = (),
    departments: Sequence[Department] = (),
) -> list[Invitation]:
    """Invite people, the members of spaces `actor` may see, and the people of departments, to
    `event` (all its occurrences); those already invited, the organiser and deactivated people
    are skipped. A space or a department is expanded to its members now: who joins it later is
    not invited. Returns the new invitations."""
    if not queries.can_change(actor, event):
        raise PermissionDenied(_("You cannot invite people to this event."))

    ids = {p.pk for p in people if p.is_active}
    for space in spaces:
        if not space_queries.can_see_space(actor, space):
            raise PermissionDenied(_("You cannot invite this space."))
        ids.update(
            Membership.objects.filter(space=space, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
    if departments:
        if not queries.can_invite_departments(actor):
            raise PermissionDenied(_("You cannot invite a department."))
        ids.update(
            User.objects.filter(
                is_active=True, profile__department__in=[d.pk for d in departments]
            ).values_list("pk", flat=True)
        )
    if event.organiser_id is not None:
        ids.discard(event.organiser_id)
    already = set(
        Invitation.objects.filter(event=event, person_id__in=ids).values_list(
            "person_id", flat=True
        )
    )
    created = Invitation.objects.bulk_create(
        [Invitation(event=event, person_id=pk, invited_by=actor) for pk in sorted(ids - already)]
    )
    _invitations_written([i.person_id for i in created])
    if created:
        invitees = list(User.objects.filter(pk__in=[i.person_id for i in created]))
        notifications.invited(actor=actor, event=event, people=invitees)
        mail.send_request(event, invitees, change=False)
        log_event(
            actor=actor,
            action="agenda.people_invited",
            target=event,
            new=sorted(i.person_id for i in created),
            extra={
                "spaces": sorted(s.pk for s in spaces),
                "departments": sorted(d.pk for d in departments),
            }
            if spaces or departments
            else None,
        )
    return created


@transaction.atomic
def respond(
    *,
    actor: User,
    event: Event,
    answer: str,
    comment: str = "",
    occurrence: dt.datetime | dt.date | None = None,
) -> Invitation:
    """The invitee's answer (yes, no, maybe) with an optional comment: for the whole series
    (which forgets their answers for single occurrences), or with `occurrence` (its recurrence
    id) for that occurrence only."""
    if answer not in (Answer.YES, Answer.NO, Answer.MAYBE):
        raise ValidationError({"answer": _("Answer yes, no or maybe.")})
    comment = (comment or "").strip()
    if len(comment) > 500 or "\x00" in comment:
        raise ValidationError({"comment": _("A comment has at most 500 characters.")})
    invitation = (
        Invitation.objects.select_for_update().filter(event=event, person_id=actor.pk).first()
    )
    if invitation is None or not actor.is_active:
        raise PermissionDenied(_("You are not invited to this event."))
    if occurrence is not None:
        _respond_occurrence(actor, event, invitation, occurrence, answer, comment)
        return invitation
    old: dict[str, Any] = {"answer": invitation.answer, "comment": invitation.comment}
    invitation.answer = answer
    invitation.comment = comment
    invitation.answered_at = timezone.now()
    invitation.save()
    # An answer for the whole series is the answer for each of its occurrences.
    forgotten = invitation.occurrence_answers.all().delete()[0]
    if forgotten:
        old["occurrences"] = forgotten
    log_event(
        actor=actor,
        action="agenda.invitation_answered",
        target=event,
        old=old,
        new={"answer": answer, "comment": comment},
    )
    return invitation


def _respond_occurrence(
    actor: User,
    event: Event,
    invitation: Invitation,
    occurrence: dt.datetime | dt.date,
    answer: str,
    comment: str,
) -> None:
    """The invitee's answer for one occurrence of a series ("this occurrence only"): kept
    apart from the series' answer; an answer that agrees with the series' forgets it."""
    if not event.rule:
        raise ValidationError(
            {"occurrence": _("Only a repeating event has occurrences to answer one by one.")}
        )
    try:
        key = recurrence.occurrence_key(occurrence)
    except (ValueError, OverflowError) as exc:
        raise ValidationError({"occurrence": _("No such occurrence.")}) from exc
    if queries.find_occurrence(event, key) is None:
        raise ValidationError({"occurrence": _("No such occurrence.")})
    row = invitation.occurrence_answers.filter(occurrence=key).first()
    old = {"answer": row.answer, "comment": row.comment} if row is not None else None
    if answer == invitation.answer and not comment:
        if row is None:
            return
        row.delete()
    elif row is None:
        OccurrenceAnswer.objects.create(
            invitation=invitation, occurrence=key, answer=answer, comment=comment
        )
    elif (row.answer, row.comment) == (answer, comment):
        return
    else:
        row.answer, row.comment = answer, comment
        row.save(update_fields=["answer", "comment", "answered_at"])
    log_event(
        actor=actor,
        action="agenda.occurrence_answered",
        target=event,
        old=old,
        new={"occurrence": key.isoformat(), "answer": answer, "comment": comment},
    )


@transaction.atomic
def regenerate_feed_token(*, actor: User, calendar: Calendar) -> Calendar:
    """A new secret for the calendar's subscription address: the old address stops working."""
    if calendar.owner_id != actor.pk and not (
        calendar.space is not None and space_queries.can_administer(actor, calendar.space)
    ):
        raise PermissionDenied(_("You cannot change this calendar's subscription address."))
    calendar.feed_token = new_feed_token()
    calendar.save(update_fields=["feed_token"])
    log_event(actor=actor, action="agenda.feed_regenerated", target=calendar)
    return calendar


@transaction.atomic
def uninvite(*, actor: User, event: Event, person: User) -> bool:
    """`person` is no longer invited to `event`: their invitation goes, and their calendar
    application hears it (METHOD:CANCEL). False when they were not invited."""
    if not queries.can_change(actor, event):
        raise PermissionDenied(_("You cannot change who is invited to this event."))
    deleted, _rows = Invitation.objects.filter(event=event, person_id=person.pk).delete()
    if not deleted:
        return False
    event.sequence += 1
    event.save(update_fields=["sequence", "updated_at"])
    log_event(actor=actor, action="agenda.person_uninvited", target=event, old=[person.pk])
    mail.send_cancel(event, [person])
    return True
