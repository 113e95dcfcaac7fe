"""Answers for one occurrence of a series ("this occurrence only", `OccurrenceAnswer`): the
action, free/busy and reminders that follow it, the event's page and the API; bad input is
refused with nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cercle.agenda import actions, freebusy, reminders
from cercle.agenda.models import Invitation, OccurrenceAnswer
from cercle.agenda.recurrence import Window
from tests.agenda.test_views import client_for
from tests.factories import make_event, make_user
from tests.helpers.api import api, call

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=PARIS)


@pytest.fixture
def weekly() -> dict[str, Any]:
    """A weekly 9–10 (Paris) from Monday 2 March 2026, five times; Léa invited."""
    orga, lea = make_user(username="orga"), make_user(username="lea")
    event = make_event(
        organiser=orga, title="Hebdo", start=dt.datetime(2026, 3, 2, 9), rule="FREQ=WEEKLY;COUNT=5"
    )
    actions.invite(actor=orga, event=event, people=[lea])
    return {"orga": orga, "lea": lea, "event": event, "viewer": make_user()}


def _singles(invitation: Invitation) -> list[tuple[dt.datetime, str]]:
    return [(r.occurrence, r.answer) for r in invitation.occurrence_answers.all()]


def test_one_occurrence_answered_then_the_whole_series(weekly: dict[str, Any]) -> None:
    lea, event = weekly["lea"], weekly["event"]
    actions.respond(actor=lea, event=event, answer="yes")
    actions.respond(actor=lea, event=event, answer="no", comment="En congé", occurrence=_at(9))
    invitation = Invitation.objects.get(event=event, person=lea)
    assert invitation.answer == "yes"
    assert _singles(invitation) == [(_at(9).astimezone(dt.UTC), "no")]
    assert invitation.occurrence_answers.get().comment == "En congé"
    # Answering as the series does (without a comment) forgets the occurrence's own answer.
    actions.respond(actor=lea, event=event, answer="yes", occurrence=_at(9))
    assert _singles(invitation) == []
    actions.respond(actor=lea, event=event, answer="maybe", occurrence=_at(16))
    # An answer for the whole series is the answer for each occurrence.
    actions.respond(actor=lea, event=event, answer="no")
    assert _singles(invitation) == []


def test_bad_occurrence_answers_are_refused_and_change_nothing(weekly: dict[str, Any]) -> None:
    orga, lea, event = weekly["orga"], weekly["lea"], weekly["event"]
    single = make_event(organiser=orga, start=dt.datetime(2026, 3, 3, 9))
    actions.invite(actor=orga, event=single, people=[lea])
    refusals = [
        dict(actor=lea, event=event, answer="no", occurrence=_at(10)),  # not an occurrence
        dict(actor=lea, event=event, answer="no", occurrence=_at(2, 10)),  # not its time
        dict(actor=lea, event=event, answer="pending", occurrence=_at(9)),
        dict(actor=lea, event=event, answer="no", occurrence=dt.datetime(2026, 3, 9, 9)),  # naive
        dict(actor=lea, event=single, answer="no", occurrence=_at(3)),  # not a series
    ]
    for kwargs in refusals:
        with pytest.raises(ValidationError):
            actions.respond(**kwargs)
    with pytest.raises(PermissionDenied):
        actions.respond(actor=weekly["viewer"], event=event, answer="no", occurrence=_at(9))
    actions.cancel_event(actor=orga, event=event, scope="this", occurrence=_at(23))
    with pytest.raises(ValidationError):  # a cancelled occurrence
        actions.respond(actor=lea, event=event, answer="no", occurrence=_at(23))
    assert not OccurrenceAnswer.objects.exists()
    assert Invitation.objects.get(event=event, person=lea).answer == "pending"


def test_one_answer_per_occurrence_and_only_yes_no_maybe(weekly: dict[str, Any]) -> None:
    invitation = Invitation.objects.get(event=weekly["event"], person=weekly["lea"])
    key = _at(9).astimezone(dt.UTC)
    OccurrenceAnswer.objects.create(invitation=invitation, occurrence=key, answer="no")
    with pytest.raises(IntegrityError), transaction.atomic():
        OccurrenceAnswer.objects.create(invitation=invitation, occurrence=key, answer="yes")
    with pytest.raises(IntegrityError), transaction.atomic():
        OccurrenceAnswer.objects.create(invitation=invitation, occurrence=_at(16), answer="pending")


def test_free_busy_and_reminders_follow_the_occurrence_answers(weekly: dict[str, Any]) -> None:
    lea, event, viewer = weekly["lea"], weekly["event"], weekly["viewer"]
    month = Window(_at(1, 0), _at(31, 0), "Europe/Paris")
    actions.respond(actor=lea, event=event, answer="yes")
    actions.respond(actor=lea, event=event, answer="no", occurrence=_at(9))
    busy = freebusy.busy_periods(viewer, [lea], month)[lea.pk]
    assert [p.start for p in busy] == [_at(2), _at(16), _at(23), _at(30)]  # not the 9th

    def reminded(day: int) -> bool:
        due = reminders.due_reminders(_at(day) - dt.timedelta(minutes=5))
        return any(d.person.pk == lea.pk for d in due)

    assert reminded(2) and not reminded(9) and reminded(16)
    # Declined series, one occurrence accepted: busy and reminded then only.
    actions.respond(actor=lea, event=event, answer="no")
    actions.respond(actor=lea, event=event, answer="yes", occurrence=_at(16))
    busy = freebusy.busy_periods(viewer, [lea], month)[lea.pk]
    assert [p.start for p in busy] == [_at(16)]
    assert reminded(16) and not reminded(2) and not reminded(23)
    assert reminders.takes_part(lea, event)


def test_the_event_page_answers_one_occurrence_and_the_organiser_sees_it(
    weekly: dict[str, Any],
) -> None:
    orga, lea, event = weekly["orga"], weekly["lea"], weekly["event"]
    occurrence = _at(9).astimezone(dt.UTC).isoformat()
    client = client_for(lea)
    page = client.get(f"/agenda/events/{event.pk}/", {"occurrence": occurrence}).content.decode()
    assert 'name="scope" value="this"' in page and 'name="scope" value="all"' in page
    url = f"/agenda/events/{event.pk}/respond"
    response = client.post(
        url, {"answer": "no", "scope": "this", "occurrence": occurrence, "comment": "Absente"}
    )
    assert response.status_code == 302 and "occurrence=" in response["Location"]
    invitation = Invitation.objects.get(event=event, person=lea)
    assert invitation.answer == "pending"
    assert _singles(invitation) == [(_at(9).astimezone(dt.UTC), "no")]
    seen = client_for(orga).get(f"/agenda/events/{event.pk}/", {"occurrence": occurrence})
    assert (
        "agenda-occurrence-answer" in seen.content.decode() and "Absente" in seen.content.decode()
    )
    other = client_for(orga).get(f"/agenda/events/{event.pk}/", {"occurrence": _at(16).isoformat()})
    assert "agenda-occurrence-answer" not in other.content.decode()
    # Bad input: a 4xx, nothing changed.
    assert client.post(url, {"answer": "no", "scope": "this"}).status_code == 400
    bad_time = {"answer": "no", "scope": "this", "occurrence": _at(10, 10).isoformat()}
    assert client.post(url, bad_time).status_code == 404
    garbage = {"answer": "no", "scope": "this", "occurrence": "demain"}
    assert client.post(url, garbage).status_code == 404
    bad_answer = {"answer": "peut-être", "scope": "this", "occurrence": occurrence}
    assert client.post(url, bad_answer).status_code == 400
    assert _singles(invitation) == [(_at(9).astimezone(dt.UTC), "no")]
    # The whole series from an occurrence's page.
    response = client.post(url, {"answer": "yes", "scope": "all", "occurrence": occurrence})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.answer == "yes" and _singles(invitation) == []


def test_the_api_answers_one_occurrence(weekly: dict[str, Any]) -> None:
    lea, event = weekly["lea"], weekly["event"]
    client = api(lea)
    url = f"/api/v1/events/{event.pk}/response"
    response = call(client, "POST", url, {"answer": "maybe", "occurrence": _at(16).isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["answer"] == "pending"
    assert [(a["answer"], a["occurrence"][:19]) for a in body["occurrence_answers"]] == [
        ("maybe", "2026-03-16T08:00:00")
    ]
    odd = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-03-16", "2026-02-30"]
    for bad in ["mardi", _at(17).isoformat(), "2026-03-16T09:00:00", "x" * 100, *odd]:
        refused = call(client, "POST", url, {"answer": "no", "occurrence": bad})
        assert 400 <= refused.status_code < 500, (bad, refused.content)
    stranger = call(
        api(weekly["viewer"]), "POST", url, {"answer": "no", "occurrence": _at(9).isoformat()}
    )
    assert 400 <= stranger.status_code < 500
    assert _singles(Invitation.objects.get(event=event, person=lea)) == [
        (_at(16).astimezone(dt.UTC), "maybe")
    ]


def _detail(user: Any, event: Any) -> dict[str, Any]:
    response = api(user).get(f"/api/v1/events/{event.pk}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _listing(user: Any) -> list[dict[str, Any]]:
    response = api(user).get(
        "/api/v1/events",
        {"start": "2026-03-01T00:00:00+01:00", "end": "2026-09-01T00:00:00+02:00"},
    )
    assert response.status_code == 200, response.content
    body: list[dict[str, Any]] = response.json()["items"]
    return body


def test_the_api_detail_shows_answers_for_single_occurrences(weekly: dict[str, Any]) -> None:
    orga, lea, event = weekly["orga"], weekly["lea"], weekly["event"]
    tom = make_user(username="tom")
    actions.invite(actor=orga, event=event, people=[tom])
    actions.respond(actor=lea, event=event, answer="yes")
    actions.respond(actor=lea, event=event, answer="no", comment="En congé", occurrence=_at(9))
    actions.respond(actor=tom, event=event, answer="maybe", occurrence=_at(16))

    def singles(body: dict[str, Any]) -> dict[str, list[tuple[str, str, str]]]:
        return {
            i["person"]["username"]: [
                (a["occurrence"][:16], a["answer"], a["comment"]) for a in i["occurrence_answers"]
            ]
            for i in body["invitations"]
        }

    lea_no = ("2026-03-09T08:00", "no", "En congé")
    tom_maybe = ("2026-03-16T08:00", "maybe", "")
    # The organiser: everyone's answers for single occurrences; not invited, no answer.
    seen = _detail(orga, event)
    assert singles(seen) == {"lea": [lea_no], "tom": [tom_maybe]}
    assert seen["my_answer"] is None and seen["my_occurrence_answers"] == []
    # An invitee: their own as `my_…`, and everyone's in the invitations (as on the page).
    seen = _detail(lea, event)
    assert seen["my_answer"] == "yes"
    assert [(a["occurrence"][:16], a["answer"]) for a in seen["my_occurrence_answers"]] == [
        lea_no[:2]
    ]
    assert singles(seen) == {"lea": [lea_no], "tom": [tom_maybe]}
    seen = _detail(tom, event)
    assert seen["my_answer"] == "pending"
    assert singles(seen) == {"lea": [lea_no], "tom": [tom_maybe]}
    # Someone else who reads the event: every answer too (tests/agenda/test_answer_visibility).
    seen = _detail(weekly["viewer"], event)
    assert seen["my_answer"] is None and seen["my_occurrence_answers"] == []
    assert singles(seen) == {"lea": [lea_no], "tom": [tom_maybe]}
    assert {i["person"]["username"]: i["answer"] for i in seen["invitations"]} == {
        "lea": "yes",
        "tom": "pending",
    }


def test_the_api_listing_carries_my_answer_for_each_occurrence(weekly: dict[str, Any]) -> None:
    orga, lea, event = weekly["orga"], weekly["lea"], weekly["event"]
    actions.respond(actor=lea, event=event, answer="yes")
    actions.respond(actor=lea, event=event, answer="no", occurrence=_at(9))
    actions.respond(actor=lea, event=event, answer="maybe", occurrence=_at(23))
    single = make_event(organiser=orga, title="Seule", start=dt.datetime(2026, 3, 4, 14))
    actions.invite(actor=orga, event=single, people=[lea])
    actions.respond(actor=lea, event=single, answer="no")
    mine = make_event(organiser=lea, title="À moi", start=dt.datetime(2026, 3, 5, 14))

    listed = _listing(lea)
    answers = {
        (o["event_id"], (o["recurrence_id"] or o["start"])[:10]): (
            o["my_answer"],
            o["answered_alone"],
        )
        for o in listed
    }
    assert answers == {
        (event.pk, "2026-03-02"): ("yes", False),
        (event.pk, "2026-03-09"): ("no", True),
        (event.pk, "2026-03-16"): ("yes", False),
        (event.pk, "2026-03-23"): ("maybe", True),
        (event.pk, "2026-03-30"): ("yes", False),
        (single.pk, "2026-03-04"): ("no", False),
        (mine.pk, "2026-03-05"): (None, False),  # not invited: my own event
    }
    # The organiser is not invited: no answer of theirs on any occurrence.
    assert {o["my_answer"] for o in _listing(orga)} == {None}


@pytest.mark.parametrize("where", ["detail", "listing"])
def test_the_api_answers_cost_a_fixed_number_of_queries(where: str) -> None:
    """The detail and the listing with 2 and with 20 occurrences answered one by one, read by
    the invitee, by the organiser and by a reader who is not invited."""

    def count(answered: int) -> list[int]:
        orga, lea = make_user(), make_user()
        event = make_event(
            organiser=orga, start=dt.datetime(2026, 3, 2, 9), rule="FREQ=DAILY;COUNT=25"
        )
        actions.invite(actor=orga, event=event, people=[lea])
        for day in range(answered):
            actions.respond(actor=lea, event=event, answer="no", occurrence=_at(2 + day))
        counts = []
        for reader in (lea, orga, make_user()):
            client = api(reader)
            url = f"/api/v1/events/{event.pk}" if where == "detail" else "/api/v1/events"
            params = (
                {}
                if where == "detail"
                else {"start": "2026-03-01T00:00:00+01:00", "end": "2026-04-01T00:00:00+02:00"}
            )
            client.get(url, params)  # the session and calendars made
            cache.clear()  # the range's occurrences built again, not the page kept
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, params)
            assert response.status_code == 200
            body = response.json()
            if reader == lea:
                found = (
                    len(body["my_occurrence_answers"])
                    if where == "detail"
                    else sum(o["answered_alone"] for o in body["items"])
                )
                assert found == answered
            if where == "detail":
                (invited,) = body["invitations"]
                assert len(invited["occurrence_answers"]) == answered
            counts.append(len(queries))
        return counts

    assert count(2) == count(20)
