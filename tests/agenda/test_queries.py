"""Who sees which events (a matrix of space kind × role, personal calendars, private events as
busy), and occurrences in a range: expanded, exceptions applied, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cercle.agenda import actions, queries
from cercle.agenda.recurrence import Timing, Window
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_admin, make_event, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db
UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
MARCH = Window(dt.datetime(2026, 3, 1, tzinfo=PARIS), dt.datetime(2026, 4, 1, tzinfo=PARIS))

KINDS = ("open", "request", "private", "secret", "organisation")
ROLES = (
    "none",
    "member",
    "moderator",
    "owner",
    "organiser",
    "guest",
    "guest_member",
    "deactivated",
    "org_admin",
)


def expected(kind: str, role: str) -> dict[str, bool]:
    """see: list and open the event; write: add events to the calendar; change: the event."""
    nothing = {"see": False, "write": False, "change": False}
    if role in ("guest", "deactivated"):
        return nothing
    if role == "org_admin":
        return {"see": True, "write": True, "change": True}
    if role in ("moderator", "owner"):
        return {"see": True, "write": True, "change": True}
    if role == "organiser":
        return {"see": True, "write": True, "change": True}
    if role in ("member", "guest_member"):
        return {"see": True, "write": True, "change": False}
    # Not a member (in the organisation space: every non-guest is an implied member).
    return {"see": kind in ("open", "organisation"), "write": False, "change": False}


def build(kind: str, role: str) -> tuple[Any, Any]:
    if kind == "organisation":
        space = space_queries.organisation_space()
        organiser = make_user(role="staff")
    else:
        space = make_space(kind=kind)
        organiser = make_user()
    event = make_event(organiser=organiser, space=space, title="Séminaire")
    if role == "organiser":
        return event, organiser
    if role == "org_admin":
        return event, make_admin()
    if role == "guest":
        return event, make_guest()
    person = make_guest() if role == "guest_member" else make_user()
    if role in ("member", "guest_member", "moderator", "owner"):
        if kind == "organisation" and role == "member":
            pass  # implied
        else:
            add_member(space, person, "member" if role == "guest_member" else role)
    if role == "deactivated":
        add_member(space, person)
        person.is_active = False
        person.save()
    return event, person


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_space_events_follow_the_space_visibility(kind: str, role: str) -> None:
    event, person = build(kind, role)
    want = expected(kind, role)
    if kind == "organisation" and role in ("member", "guest_member", "moderator"):
        want = {**want, "write": False}  # only staff and the space's admins write there
    listed = [o.event.pk for o in queries.occurrences_between(person, MARCH)]
    assert (event.pk in listed) is want["see"]
    assert queries.visible_events(person).filter(pk=event.pk).exists() is want["see"]
    if want["see"]:
        assert queries.access_event(person, event.pk) == event
    else:
        with pytest.raises(queries.NotFound):
            queries.access_event(person, event.pk)
    assert queries.can_write_in(person, event.calendar) is want["write"]
    assert queries.can_change(person, event) is want["change"]


def test_a_space_with_the_agenda_off_shows_no_events_even_to_members() -> None:
    member = make_user()
    space = make_space(members=(member,))
    event = make_event(space=space)
    space.module_settings = {**space.module_settings, "agenda": False}
    space.save()
    assert not queries.visible_events(member).filter(pk=event.pk).exists()
    assert not queries.can_write_in(member, event.calendar)
    assert queries.occurrences_between(member, MARCH) == []


def test_private_personal_events_show_only_busy_to_others() -> None:
    owner, colleague, guest, invitee = make_user(), make_user(), make_guest(), make_user()
    private = make_event(
        organiser=owner, title="Rendez-vous médical", place="Cabinet", visibility="private"
    )
    public = make_event(organiser=owner, title="Atelier", start=dt.datetime(2026, 3, 3, 9))
    actions.invite(actor=owner, event=private, people=[invitee])

    with translation.override("en"):
        seen = {o.event.pk: o for o in queries.occurrences_between(colleague, MARCH)}
    assert seen[private.pk].busy_only and seen[private.pk].title == "Busy"
    assert seen[private.pk].place == "" and seen[private.pk].description_html == ""
    assert seen[public.pk].title == "Atelier"
    with pytest.raises(queries.NotFound):
        queries.access_event(colleague, private.pk)

    mine = {o.event.pk: o for o in queries.occurrences_between(owner, MARCH)}
    assert mine[private.pk].title == "Rendez-vous médical" and not mine[private.pk].busy_only
    theirs = {o.event.pk: o for o in queries.occurrences_between(invitee, MARCH)}
    assert theirs[private.pk].title == "Rendez-vous médical"
    assert queries.access_event(invitee, private.pk) == private
    # Guests see no one's personal calendar; an invited guest sees that event.
    assert queries.occurrences_between(guest, MARCH) == []
    actions.invite(actor=owner, event=public, people=[guest])
    assert [o.event.pk for o in queries.occurrences_between(guest, MARCH)] == [public.pk]
    assert not queries.can_change(colleague, public)
    assert queries.can_change(owner, private)


def test_the_range_is_checked() -> None:
    person = make_user()
    start = dt.datetime(2026, 3, 1, tzinfo=UTC)
    for window in (
        Window(start, start),
        Window(start, start - dt.timedelta(days=1)),
        Window(start, start + dt.timedelta(days=500)),
        Window(start, start + dt.timedelta(days=1), "Mars/Olympus"),
    ):
        with pytest.raises(ValidationError):
            queries.occurrences_between(person, window)


# --- Occurrences in a range --------------------------------------------------------------------


def test_a_range_costs_a_fixed_number_of_queries() -> None:
    person = make_user()
    space = make_space(members=(person,))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            found = queries.occurrences_between(person, MARCH)
        assert found
        return len(captured.captured_queries)

    make_event(organiser=person, rule="FREQ=DAILY")
    few = count()
    for n in range(6):
        event = make_event(
            organiser=make_user(),
            space=space,
            rule="FREQ=WEEKLY;BYDAY=MO,TH",
            start=dt.datetime(2026, 3, 2, 9 + n),
        )
        actions.cancel_event(
            actor=event.organiser,
            event=event,
            scope="this",
            occurrence=dt.datetime(2026, 3, 5, 8 + n, tzinfo=UTC),
        )
        make_event(organiser=make_user(), space=space, all_day=True, visibility="private")
    assert count() == few


def ics_of(event: Any, cancelled: list[dt.datetime], moved: dict[dt.datetime, dt.datetime]) -> Any:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//")
    calendar.add("version", "2.0")
    zone = ZoneInfo(event.time_zone)
    master = icalendar.Event()
    master.add("uid", event.uid)
    master.add("dtstart", event.start.astimezone(zone))
    master.add("dtend", event.end.astimezone(zone))
    master.add("rrule", icalendar.vRecur.from_ical(event.rule))
    for when in cancelled:
        master.add("exdate", when.astimezone(zone))
    calendar.add_component(master)
    for rid, new_start in moved.items():
        override = icalendar.Event()
        override.add("uid", event.uid)
        override.add("recurrence-id", rid.astimezone(zone))
        override.add("dtstart", new_start.astimezone(zone))
        override.add("dtend", (new_start + (event.end - event.start)).astimezone(zone))
        calendar.add_component(override)
    return calendar


def test_exceptions_match_recurring_ical_events_across_the_change_of_time() -> None:
    person = make_user()
    event = make_event(
        organiser=person,
        rule="FREQ=WEEKLY;BYDAY=TU,FR;COUNT=12",
        start=dt.datetime(2026, 3, 17, 18),
    )
    # Cancel Friday 27 March (before the change), move Tuesday 31 March (after it) by two hours.
    cancelled = dt.datetime(2026, 3, 27, 18, tzinfo=PARIS)
    rid = dt.datetime(2026, 3, 31, 18, tzinfo=PARIS)
    new_start = dt.datetime(2026, 3, 31, 20, tzinfo=PARIS)
    actions.cancel_event(actor=person, event=event, scope="this", occurrence=cancelled)
    actions.change_event(
        actor=person,
        event=event,
        scope="this",
        occurrence=rid,
        timing=Timing.timed(new_start, new_start + dt.timedelta(hours=1), "Europe/Paris"),
    )
    window = Window(dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 5, 1, tzinfo=UTC))
    reference = sorted(
        e["DTSTART"].dt.astimezone(UTC)
        for e in recurring_ical_events.of(ics_of(event, [cancelled], {rid: new_start})).between(
            window.start, window.end
        )
    )
    found = [o.timing.start for o in queries.occurrences_between(person, window)]
    assert found == reference
    assert len(found) == 11
    assert all(s.astimezone(PARIS).hour in (18, 20) for s in found)  # type: ignore[union-attr]


def test_an_occurrence_moved_into_the_range_from_outside_it_is_listed() -> None:
    person = make_user()
    event = make_event(
        organiser=person, rule="FREQ=MONTHLY;COUNT=3", start=dt.datetime(2026, 1, 5, 9)
    )
    moved = dt.datetime(2026, 3, 20, 9, tzinfo=PARIS)
    actions.change_event(
        actor=person,
        event=event,
        scope="this",
        occurrence=dt.datetime(2026, 2, 5, 9, tzinfo=PARIS),
        timing=Timing.timed(moved, moved + dt.timedelta(hours=1), "Europe/Paris"),
        details=actions.Details(title="Reportée"),
    )
    window = Window(dt.datetime(2026, 3, 15, tzinfo=UTC), dt.datetime(2026, 3, 25, tzinfo=UTC))
    found = queries.occurrences_between(person, window)
    assert [(o.title, o.changed) for o in found] == [("Reportée", True)]
