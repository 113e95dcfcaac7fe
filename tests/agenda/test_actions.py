"""Creating, changing and cancelling events (this occurrence, this and following, all), each
audited; bad input refused with nothing written; invitations and answers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cercle.agenda import actions, queries
from cercle.agenda.models import Calendar, Event, Invitation, Occurrence
from cercle.agenda.recurrence import Timing, Window
from cercle.audit.models import AuditEntry
from tests.factories import add_member, make_event, make_space, make_user

pytestmark = pytest.mark.django_db
UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
SPRING = Window(dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 6, 1, tzinfo=UTC))


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def titles(person: object, window: Window = SPRING) -> list[tuple[str, dt.datetime]]:
    return [
        (o.title, o.timing.start.astimezone(PARIS))  # type: ignore[union-attr]
        for o in queries.occurrences_between(person, window)  # type: ignore[arg-type]
    ]


def test_calendars_are_made_once_on_first_use() -> None:
    person = make_user()
    space = make_space(members=(person,))
    actions.ensure_calendars(person)
    actions.ensure_calendars(person)
    assert Calendar.objects.filter(owner=person).count() == 1
    assert Calendar.objects.filter(space=space).count() == 1
    assert {c.pk for c in queries.my_calendars(person)} == {
        actions.personal_calendar(person).pk,
        actions.space_calendar(space).pk,
    }


def test_creating_an_event_sanitises_its_description_and_is_audited() -> None:
    person = make_user()
    event = make_event(
        organiser=person,
        description="**Ordre du jour** <script>alert(1)</script> [x](javascript:alert(1))",
        meeting_url="https://visio.example.org/abc",
        place="Salle 3",
    )
    assert "<strong>Ordre du jour</strong>" in event.description_html
    assert "<script" not in event.description_html
    assert 'href="javascript' not in event.description_html
    entry = AuditEntry.objects.get(action="agenda.event_created")
    assert entry.actor == person and entry.target_id == str(event.pk)
    assert entry.new_value["title"] == "Réunion d'équipe"
    assert event.start == dt.datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert event.time_zone == "Europe/Paris"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"minutes": -30}, "end"),
        ({"rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rule"),
        ({"rule": "FREQ=SECONDLY"}, "rule"),
        ({"zone": "Europe/Atlantis"}, None),
        ({"meeting_url": "javascript:alert(1)"}, "meeting_url"),
        ({"meeting_url": "ftp://example.org/"}, "meeting_url"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"visibility": "secret"}, "visibility"),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_written(
    fields: dict[str, object], error: str | None
) -> None:
    person = make_user()
    with pytest.raises(ValidationError) as caught:
        if fields.get("zone") == "Europe/Atlantis":
            start = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
            actions.create_event(
                actor=person,
                calendar=actions.personal_calendar(person),
                details=actions.Details(title="x"),
                timing=Timing.timed(start, start, "Europe/Atlantis"),
            )
        else:
            make_event(organiser=person, **fields)  # type: ignore[arg-type]
    if error:
        assert error in caught.value.message_dict
    else:
        assert caught.value.code == "unknown_zone"
    assert not Event.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="agenda.").exists()


def test_only_those_who_may_write_create_and_change() -> None:
    owner, outsider, moderator = make_user(), make_user(), make_user()
    space = make_space(kind="private")
    add_member(space, moderator, "moderator")
    with pytest.raises(PermissionDenied):
        make_event(organiser=outsider, space=None) and actions.create_event(
            actor=outsider,
            calendar=actions.personal_calendar(owner),
            details=actions.Details(title="x"),
            timing=Timing.timed(paris(2026, 3, 2, 9), paris(2026, 3, 2, 10), "Europe/Paris"),
        )
    event = make_event(organiser=owner, space=space)
    with pytest.raises(PermissionDenied):
        actions.change_event(actor=outsider, event=event, details=actions.Details(title="Piraté"))
    with pytest.raises(PermissionDenied):
        actions.cancel_event(actor=outsider, event=event)
    changed = actions.change_event(
        actor=moderator, event=event, details=actions.Details(title="Modéré")
    )
    assert changed.title == "Modéré" and changed.sequence == 1


def test_change_this_occurrence_keeps_the_series() -> None:
    person = make_user()
    event = make_event(organiser=person, rule="FREQ=WEEKLY;COUNT=4")
    moved = paris(2026, 3, 10, 14)
    actions.change_event(
        actor=person,
        event=event,
        scope="this",
        occurrence=paris(2026, 3, 9, 9),
        details=actions.Details(title="Déplacée", place="Lyon"),
        timing=Timing.timed(moved, moved + dt.timedelta(hours=2), "Europe/Paris"),
    )
    assert titles(person) == [
        ("Réunion d'équipe", paris(2026, 3, 2, 9)),
        ("Déplacée", paris(2026, 3, 10, 14)),
        ("Réunion d'équipe", paris(2026, 3, 16, 9)),
        ("Réunion d'équipe", paris(2026, 3, 23, 9)),
    ]
    assert AuditEntry.objects.filter(action="agenda.occurrence_changed").count() == 1
    with pytest.raises(ValidationError) as caught:
        actions.change_event(
            actor=person,
            event=event,
            scope="this",
            occurrence=paris(2026, 3, 9, 10),  # not an occurrence
            details=actions.Details(title="x"),
        )
    assert "occurrence" in caught.value.message_dict
    with pytest.raises(ValidationError):
        actions.change_event(actor=person, event=event, scope="sometimes")


def test_change_this_and_following_splits_the_series_across_summer_time() -> None:
    person, invitee = make_user(), make_user()
    event = make_event(organiser=person, rule="FREQ=WEEKLY;COUNT=6")
    actions.invite(actor=person, event=event, people=[invitee])
    later = paris(2026, 3, 30, 10)
    follower = actions.change_event(
        actor=person,
        event=event,
        scope="following",
        occurrence=paris(2026, 3, 23, 9),
        details=actions.Details(title="Nouvel horaire"),
        timing=Timing.timed(later, later + dt.timedelta(hours=1), "Europe/Paris"),
    )
    assert follower.pk != event.pk
    event.refresh_from_db()
    assert event.rule == "FREQ=WEEKLY;COUNT=3"
    assert follower.rule == "FREQ=WEEKLY;COUNT=3"
    assert titles(person) == [
        ("Réunion d'équipe", paris(2026, 3, 2, 9)),
        ("Réunion d'équipe", paris(2026, 3, 9, 9)),
        ("Réunion d'équipe", paris(2026, 3, 16, 9)),
        ("Nouvel horaire", paris(2026, 3, 30, 10)),
        ("Nouvel horaire", paris(2026, 4, 6, 10)),
        ("Nouvel horaire", paris(2026, 4, 13, 10)),
    ]
    assert Invitation.objects.filter(event=follower, person=invitee).exists()
    assert AuditEntry.objects.filter(action="agenda.series_split").count() == 1


def test_following_on_a_series_without_count_ends_it_with_until() -> None:
    person = make_user()
    event = make_event(organiser=person, rule="FREQ=DAILY")
    actions.cancel_event(
        actor=person, event=event, scope="following", occurrence=paris(2026, 3, 5, 9)
    )
    event.refresh_from_db()
    assert event.rule == "FREQ=DAILY;UNTIL=20260305T075959Z"
    assert [t for _, t in titles(person)] == [paris(2026, 3, d, 9) for d in (2, 3, 4)]
    assert event.last_end == dt.datetime(2026, 3, 4, 9, tzinfo=UTC)


def test_change_all_drops_exceptions_that_no_longer_name_an_occurrence() -> None:
    person = make_user()
    event = make_event(organiser=person, rule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6")
    actions.cancel_event(actor=person, event=event, scope="this", occurrence=paris(2026, 3, 4, 9))
    actions.cancel_event(actor=person, event=event, scope="this", occurrence=paris(2026, 3, 9, 9))
    actions.change_event(actor=person, event=event, rule="FREQ=WEEKLY;BYDAY=MO;COUNT=3")
    kept = list(Occurrence.objects.filter(event=event).values_list("recurrence_id", flat=True))
    assert kept == [paris(2026, 3, 9, 9).astimezone(UTC)]
    assert [t for _, t in titles(person)] == [paris(2026, 3, 2, 9), paris(2026, 3, 16, 9)]


def test_cancel_one_then_all() -> None:
    person = make_user()
    event = make_event(organiser=person, rule="FREQ=DAILY;COUNT=3", all_day=True)
    actions.cancel_event(actor=person, event=event, scope="this", occurrence=dt.date(2026, 3, 3))
    found = queries.occurrences_between(person, SPRING)
    assert [o.timing.start_date for o in found] == [dt.date(2026, 3, 2), dt.date(2026, 3, 4)]
    assert actions.cancel_event(actor=person, event=event, scope="all") is None
    assert not Event.objects.exists()
    assert AuditEntry.objects.filter(action="agenda.event_cancelled").count() == 1
    assert AuditEntry.objects.filter(action="agenda.occurrence_cancelled").count() == 1


def test_invitations_and_answers() -> None:
    organiser, anne, bob, deactivated = make_user(), make_user(), make_user(), make_user()
    deactivated.is_active = False
    deactivated.save()
    space = make_space(owner=organiser, members=(anne, bob, deactivated))
    event = make_event(organiser=organiser)
    created = actions.invite(actor=organiser, event=event, spaces=[space], people=[anne])
    assert {i.person_id for i in created} == {anne.pk, bob.pk}
    assert actions.invite(actor=organiser, event=event, people=[anne]) == []
    with pytest.raises(PermissionDenied):
        actions.invite(actor=anne, event=event, people=[bob])
    actions.respond(actor=anne, event=event, answer="yes", comment="Avec plaisir")
    actions.respond(actor=bob, event=event, answer="no")
    with pytest.raises(ValidationError):
        actions.respond(actor=bob, event=event, answer="perhaps")
    with pytest.raises(PermissionDenied):
        actions.respond(actor=make_user(), event=event, answer="yes")
    answers = {(i.person_id, i.answer, i.comment) for i in queries.invitations(event)}
    assert answers == {(anne.pk, "yes", "Avec plaisir"), (bob.pk, "no", "")}
    assert AuditEntry.objects.filter(action="agenda.invitation_answered").count() == 2
