"""Free/busy: busy periods (never titles) from own calendars, organised and accepted events;
conflicts; "find a time"; the API and the form's htmx fragment."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.agenda import actions, freebusy
from cercle.agenda.recurrence import Window
from tests.factories import make_event, make_guest, make_user
from tests.helpers.api import api

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


def _day(day: int) -> Window:
    return Window(_at(day, 0), _at(day + 1, 0), "Europe/Paris")


@pytest.fixture
def week() -> dict[str, Any]:
    """Monday 2 March 2026: Anne's private 9–10 in her calendar, a weekly 14–15 series she
    organises (its Monday cancelled), Bob invited to a 11–12 he accepted and to a 16–17 he
    declined."""
    anne, bob, carl = make_user(username="anne"), make_user(username="bob"), make_user()
    make_event(
        organiser=anne, title="Médecin", start=dt.datetime(2026, 3, 2, 9), visibility="private"
    )
    series = make_event(
        organiser=anne, title="Hebdo", start=dt.datetime(2026, 3, 2, 14), rule="FREQ=WEEKLY"
    )
    actions.cancel_event(actor=anne, event=series, scope="this", occurrence=_at(2, 14))
    accepted = make_event(organiser=carl, start=dt.datetime(2026, 3, 2, 11))
    declined = make_event(organiser=carl, start=dt.datetime(2026, 3, 2, 16))
    actions.invite(actor=carl, event=accepted, people=[bob])
    actions.invite(actor=carl, event=declined, people=[bob])
    actions.respond(actor=bob, event=accepted, answer="yes")
    actions.respond(actor=bob, event=declined, answer="no")
    return {"anne": anne, "bob": bob, "carl": carl, "viewer": make_user()}


def test_busy_periods_are_times_only_and_skip_cancelled_and_declined(week: dict[str, Any]) -> None:
    anne, bob = week["anne"], week["bob"]
    busy = freebusy.busy_periods(week["viewer"], [anne, bob], _day(2))
    assert busy[anne.pk] == [freebusy.Period(_at(2, 9), _at(2, 10))]  # the series' Monday cancelled
    assert busy[bob.pk] == [freebusy.Period(_at(2, 11), _at(2, 12))]  # not the declined 16:00
    tuesday_next_week = freebusy.busy_periods(week["viewer"], [anne], _day(9))
    assert tuesday_next_week[anne.pk] == [freebusy.Period(_at(9, 14), _at(9, 15))]
    assert freebusy.conflicts(busy, _at(2, 9, 30), _at(2, 11, 30)) == [anne.pk, bob.pk]
    assert freebusy.conflicts(busy, _at(2, 10), _at(2, 11)) == []


def test_the_query_count_does_not_grow_with_people_or_events(week: dict[str, Any]) -> None:
    people = [week["anne"], week["bob"], week["carl"]]
    with CaptureQueriesContext(connection) as few:
        freebusy.busy_periods(week["viewer"], people, _day(2))
    for n in range(5):
        make_event(organiser=week["carl"], start=dt.datetime(2026, 3, 2, 8, n))
    people += [make_user() for _ in range(5)]
    with CaptureQueriesContext(connection) as more:
        freebusy.busy_periods(week["viewer"], people, _day(2))
    assert len(more) == len(few) <= 4


def test_find_a_time_skips_busy_periods_evenings_and_weekends(week: dict[str, Any]) -> None:
    slots = freebusy.free_slots(
        week["viewer"],
        [week["anne"], week["bob"]],
        after=_at(2, 8, 10),
        duration=dt.timedelta(minutes=90),
        zone="Europe/Paris",
        limit=4,
    )
    # Anne's 9–10 and Bob's 11–12; the series' Monday cancelled, Bob's declined 16:00 free.
    assert [(s.start, s.end) for s in slots] == [
        (_at(2, 12), _at(2, 13, 30)),
        (_at(2, 13, 30), _at(2, 15)),
        (_at(2, 15), _at(2, 16, 30)),
        (_at(2, 16, 30), _at(2, 18)),
    ]
    friday_evening = freebusy.free_slots(
        week["viewer"],
        [week["anne"]],
        after=_at(6, 17, 45),
        duration=dt.timedelta(hours=1),
        zone="Europe/Paris",
        limit=1,
    )
    assert friday_evening[0].start == _at(9, 9)  # Monday morning


def test_guests_and_bad_asks_are_refused(week: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        freebusy.busy_periods(make_guest(), [week["anne"]], _day(2))
    with pytest.raises(ValidationError):
        freebusy.busy_periods(week["viewer"], [week["anne"]], Window(_at(2, 0), _at(1, 0), "UTC"))
    with pytest.raises(ValidationError):
        freebusy.free_slots(
            week["viewer"], [], after=_at(2, 0), duration=dt.timedelta(0), zone="UTC"
        )


def test_the_api_gives_busy_periods_and_slots(week: dict[str, Any]) -> None:
    client = api(week["viewer"])
    response = client.get(
        "/api/v1/freebusy",
        {
            "people": "anne,bob",
            "from": "2026-03-02T00:00:00+01:00",
            "to": "2026-03-03T00:00:00+01:00",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [p["person"] for p in body] == ["anne", "bob"]
    assert len(body[0]["busy"]) == 1 and "title" not in body[0]["busy"][0]
    assert "Médecin" not in response.content.decode()
    slots = client.get(
        "/api/v1/freebusy/slots",
        {"people": ["anne", "bob"], "from": "2026-03-02T08:00:00+01:00", "minutes": 60},
    )
    assert slots.status_code == 200
    assert slots.json()[0]["start"].startswith("2026-03-02T")
    assert (
        client.get(
            "/api/v1/freebusy",
            {"people": "nobody", "from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"},
        ).status_code
        == 404
    )
    assert client.get(
        "/api/v1/freebusy",
        {"people": "anne", "from": "2026-03-02T00:00:00", "to": "2026-03-03T00:00:00Z"},
    ).status_code in (400, 422)
    assert client.get(
        "/api/v1/freebusy",
        {"people": "anne", "from": "2026-03-02T00:00:00Z", "to": "2026-09-03T00:00:00Z"},
    ).status_code in (400, 422)
    assert (
        api(make_guest())
        .get(
            "/api/v1/freebusy",
            {"people": "anne", "from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"},
        )
        .status_code
        == 403
    )


def test_the_form_fragment_shows_busy_times_conflicts_and_suggestions(week: dict[str, Any]) -> None:
    client = api(week["viewer"])
    page = client.get(
        "/agenda/freebusy/",
        {
            "invitees": "anne, bob, ghost",
            "start_date": "2026-03-02",
            "start_time": "09:30",
            "end_date": "2026-03-02",
            "end_time": "10:30",
            "time_zone": "Europe/Paris",
            "title": "Revue",
        },
    ).content.decode()
    assert "Conflit" in page
    assert "09:00–10:00" in page and "11:00–12:00" in page
    assert "Médecin" not in page and "Hebdo" not in page
    assert "ghost" in page
    assert "/agenda/new/?" in page and "title=Revue" in page
    # A suggestion fills the form in.
    form = client.get(
        "/agenda/new/?start_date=2026-03-03&start_time=14:00&invitees=anne&title=Revue"
    )
    assert 'value="Revue"' in form.content.decode() and 'value="14:00' in form.content.decode()


def test_the_form_invites_the_people_named(week: dict[str, Any]) -> None:
    anne = week["anne"]
    client = api(anne)
    calendar = actions.personal_calendar(anne)
    data = {
        "calendar": calendar.pk,
        "title": "Revue",
        "start_date": "2026-03-04",
        "start_time": "10:00",
        "end_date": "2026-03-04",
        "end_time": "11:00",
        "time_zone": "Europe/Paris",
        "visibility": "public",
        "ends": "never",
    }
    refused = client.post("/agenda/new/", {**data, "invitees": "bob, ghost"})
    assert refused.status_code == 400 and "ghost" in refused.content.decode()
    response = client.post("/agenda/new/", {**data, "invitees": f"bob, @{week['carl'].username}"})
    assert response.status_code == 302
    from cercle.agenda.models import Event

    event = Event.objects.get(title="Revue")
    assert set(event.invitations.values_list("person__username", flat=True)) == {
        "bob",
        week["carl"].username,
    }


def test_the_form_invites_the_members_of_a_space() -> None:
    from cercle.agenda.models import Event, Invitation
    from tests.factories import add_member, make_space

    anne, bob, carl = make_user(), make_user(), make_user()
    space = make_space(owner=anne, name="Atelier", kind="private")
    add_member(space, bob)
    add_member(space, carl)
    stranger_space = make_space(owner=make_user(), name="Ailleurs", kind="private")
    client = api(anne)
    form = client.get("/agenda/new/").content.decode()
    assert "Atelier" in form and "Ailleurs" not in form
    data = {
        "calendar": actions.personal_calendar(anne).pk,
        "title": "Atelier du jeudi",
        "start_date": "2026-03-05",
        "start_time": "10:00",
        "end_date": "2026-03-05",
        "end_time": "11:00",
        "time_zone": "Europe/Paris",
        "visibility": "public",
        "ends": "never",
    }
    assert (
        client.post("/agenda/new/", {**data, "invite_space": stranger_space.pk}).status_code == 400
    )
    assert client.post("/agenda/new/", {**data, "invite_space": space.pk}).status_code == 302
    event = Event.objects.get(title="Atelier du jeudi")
    assert set(Invitation.objects.filter(event=event).values_list("person_id", flat=True)) == {
        bob.pk,
        carl.pk,
    }


@pytest.mark.parametrize(
    "params",
    [
        {"people": "anne", "from": "0001-01-01T00:00:00+14:00", "to": "0001-01-02T00:00:00Z"},
        {"people": "anne", "from": "9999-12-30T00:00:00Z", "to": "9999-12-31T23:00:00-10:00"},
        {
            "people": "anne",
            "from": "2026-03-02T00:00:00Z",
            "to": "2026-03-03T00:00:00Z",
            "tz": "Nowhere/Else",
        },
    ],
)
def test_odd_ranges_and_zones_are_4xx(week: dict[str, Any], params: dict[str, str]) -> None:
    client = api(week["viewer"])
    assert client.get("/api/v1/freebusy", params).status_code in (400, 422)
    slots = {k: v for k, v in params.items() if k != "to"}
    assert client.get("/api/v1/freebusy/slots", slots).status_code in (400, 422)
    fragment = client.get(
        "/agenda/freebusy/",
        {"invitees": "anne", "start_date": "9999-12-31", "time_zone": "Nowhere"},
    )
    assert fragment.status_code == 200
