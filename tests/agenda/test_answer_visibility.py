"""Who sees the invitees' answers, for the series and for single occurrences: one rule on the
event's page and in the API — whoever may read the event sees every answer; whoever may not
read it sees none (issue 11; docs/agenda.md, "Who sees the answers")."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cercle.agenda import actions
from tests.agenda.test_views import client_for
from tests.factories import add_member, make_event, make_space, make_user
from tests.helpers.api import api

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NINTH = dt.datetime(2026, 3, 9, 9, tzinfo=PARIS).astimezone(dt.UTC)
SIXTEENTH = dt.datetime(2026, 3, 16, 9, tzinfo=PARIS).astimezone(dt.UTC)


def _answered(event: Any, lea: Any, tom: Any) -> None:
    """Léa: yes to the series, no to the 9th ("En congé"); Tom: maybe to the 16th only."""
    actions.respond(actor=lea, event=event, answer="yes", comment="Avec plaisir")
    actions.respond(actor=lea, event=event, answer="no", comment="En congé", occurrence=NINTH)
    actions.respond(
        actor=tom, event=event, answer="maybe", comment="Peut-être", occurrence=SIXTEENTH
    )


@pytest.fixture
def space_event() -> dict[str, Any]:
    """A weekly meeting in a private space's calendar: its organiser, a moderator who may change
    it (not invited), two invitees, a member who is not invited, and a colleague outside."""
    owner = make_user(username="proprio")
    space = make_space(owner=owner, kind="private", name="Équipe")
    organiser, editor = make_user(username="orga"), make_user(username="modo")
    lea, tom, reader = make_user(username="lea"), make_user(username="tom"), make_user()
    add_member(space, editor, role="moderator")
    for person in (lea, tom, reader):
        add_member(space, person)
    event = make_event(
        organiser=organiser,
        space=space,
        title="Hebdo",
        start=dt.datetime(2026, 3, 2, 9),
        rule="FREQ=WEEKLY;COUNT=5",
    )
    actions.invite(actor=organiser, event=event, people=[lea, tom])
    _answered(event, lea, tom)
    return {
        "event": event,
        "organiser": organiser,
        "editor": editor,
        "invitee": lea,
        "other invitee": tom,
        "reader": reader,
        "outsider": make_user(username="dehors"),
    }


@pytest.fixture
def private_event() -> dict[str, Any]:
    """A weekly private event in Anne's own calendar: Léa and Tom invited; a colleague who is
    not (the event is "Busy" to them)."""
    anne, lea, tom = make_user(username="anne"), make_user(username="lea"), make_user()
    event = make_event(
        organiser=anne,
        title="Entretiens",
        start=dt.datetime(2026, 3, 2, 9),
        rule="FREQ=WEEKLY;COUNT=5",
        visibility="private",
    )
    actions.invite(actor=anne, event=event, people=[lea, tom])
    _answered(event, lea, tom)
    return {
        "event": event,
        "organiser": anne,
        "invitee": lea,
        "other invitee": tom,
        "outsider": make_user(username="collegue"),
    }


LEA_SINGLE = [("2026-03-09T08:00", "no", "En congé")]
TOM_SINGLE = [("2026-03-16T08:00", "maybe", "Peut-être")]


def _page(user: Any, event: Any, occurrence: dt.datetime) -> tuple[int, str]:
    response = client_for(user).get(
        f"/agenda/events/{event.pk}/", {"occurrence": occurrence.isoformat()}
    )
    return response.status_code, response.content.decode()


def _detail(user: Any, event: Any) -> tuple[int, dict[str, Any]]:
    response = api(user).get(f"/api/v1/events/{event.pk}")
    return response.status_code, response.json()


def _seen_by_api(body: dict[str, Any]) -> dict[str, tuple[str, str, list[tuple[str, str, str]]]]:
    return {
        i["person"]["username"]: (
            i["answer"],
            i["comment"],
            [(a["occurrence"][:16], a["answer"], a["comment"]) for a in i["occurrence_answers"]],
        )
        for i in body["invitations"]
    }


@pytest.mark.parametrize(
    ("role", "may_change"),
    [
        ("organiser", True),
        ("editor", True),
        ("invitee", False),
        ("other invitee", False),
        ("reader", False),
    ],
)
def test_every_reader_of_a_space_event_sees_every_answer(
    space_event: dict[str, Any], role: str, may_change: bool
) -> None:
    event, viewer = space_event["event"], space_event[role]
    # The page of the 9th: Léa's series answer and her answer for that occurrence alone.
    status, page = _page(viewer, event, NINTH)
    assert status == 200
    assert "Avec plaisir" in page and "En congé" in page
    assert page.count('class="agenda-occurrence-answer"') == 1
    # The page of the 16th: Tom's answer for it; Léa's for the 9th is not repeated there.
    status, page = _page(viewer, event, SIXTEENTH)
    assert status == 200 and "Peut-être" in page and "En congé" not in page
    # The API: the same answers, every invitee's, for the series and single occurrences.
    status, body = _detail(viewer, event)
    assert status == 200 and body["can_change"] is may_change
    assert _seen_by_api(body) == {
        "lea": ("yes", "Avec plaisir", LEA_SINGLE),
        "tom": ("pending", "", TOM_SINGLE),
    }
    own = {"invitee": LEA_SINGLE, "other invitee": TOM_SINGLE}.get(role, [])
    assert [
        (a["occurrence"][:16], a["answer"], a["comment"]) for a in body["my_occurrence_answers"]
    ] == own
    # The event's iCalendar says the same (an override of each occurrence answered alone).
    ics = api(viewer).get(f"/api/v1/events/{event.pk}/ics").content.decode()
    assert ics.count("RECURRENCE-ID") == 2 and "PARTSTAT=DECLINED" in ics


def test_outside_a_private_space_nobody_sees_the_answers(space_event: dict[str, Any]) -> None:
    event, outsider = space_event["event"], space_event["outsider"]
    assert _page(outsider, event, NINTH)[0] == 404
    assert _detail(outsider, event)[0] == 404
    assert api(outsider).get(f"/api/v1/events/{event.pk}/ics").status_code == 404


@pytest.mark.parametrize("role", ["organiser", "invitee", "other invitee"])
def test_those_who_read_a_private_event_see_every_answer(
    private_event: dict[str, Any], role: str
) -> None:
    event, viewer = private_event["event"], private_event[role]
    status, page = _page(viewer, event, NINTH)
    assert status == 200 and "En congé" in page and "Avec plaisir" in page
    status, body = _detail(viewer, event)
    assert status == 200
    assert {name: seen[2] for name, seen in _seen_by_api(body).items()} == {
        "lea": LEA_SINGLE,
        private_event["other invitee"].username: TOM_SINGLE,
    }


def test_a_private_events_outsider_sees_busy_and_no_answer(private_event: dict[str, Any]) -> None:
    event, outsider = private_event["event"], private_event["outsider"]
    assert _page(outsider, event, NINTH)[0] == 404
    assert _detail(outsider, event)[0] == 404
    assert api(outsider).get(f"/api/v1/events/{event.pk}/ics").status_code == 404
    # The listing of Anne's calendar: the occurrences as "Busy", with no one's answer.
    listed = api(outsider).get(
        "/api/v1/events",
        {
            "start": "2026-03-01T00:00:00+01:00",
            "end": "2026-04-01T00:00:00+02:00",
            "calendar": event.calendar_id,
        },
    )
    assert listed.status_code == 200
    occurrences = listed.json()["items"]
    assert len(occurrences) == 5
    assert all(o["busy_only"] and o["title"] != "Entretiens" for o in occurrences)
    assert {(o["my_answer"], o["answered_alone"]) for o in occurrences} == {(None, False)}
    text = listed.content.decode()
    assert "Entretiens" not in text and "En congé" not in text and "Avec plaisir" not in text
