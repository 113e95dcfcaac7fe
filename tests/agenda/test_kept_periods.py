"""A drawn period (my agenda, a space's) and an API range are kept under the versions of what can
change them (`queries.kept_key`): a write in a calendar the person does not see keeps them; a
change in a calendar shown, an invitation to the person or to an event moved elsewhere, their
answer, their memberships and a space's settings each build them again at the next request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercle.agenda import actions
from cercle.spaces import actions as space_actions
from tests.factories import add_member, make_event, make_space, make_user
from tests.helpers.api import api

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MONTH = "/agenda/?view=month&date=2026-03-01"
RANGE = "/api/v1/events?start=2026-03-01T00:00:00%2B01:00&end=2026-04-01T00:00:00%2B02:00"


def client_for(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    return client


def built(get: Callable[[], object]) -> bool:
    """Whether the request read the events of its range (rather than what was kept)."""
    with CaptureQueriesContext(connection) as captured:
        get()
    return any("first_start" in q["sql"] for q in captured.captured_queries)


def test_a_write_elsewhere_keeps_the_period_and_a_shown_calendar_s_rebuilds_it() -> None:
    person, colleague, stranger = make_user(), make_user(), make_user()
    space = make_space(members=(person, colleague), name="Équipe Lyon")
    elsewhere = make_space(members=(stranger,), kind="private", name="Ailleurs")
    make_event(organiser=colleague, space=space, title="Rétro", start=dt.datetime(2026, 3, 5, 14))
    client, token = client_for(person), api(person)
    assert "Rétro" in client.get(MONTH).content.decode()
    assert token.get(RANGE).status_code == 200
    assert not built(lambda: client.get(MONTH))
    # Events, changed occurrences and invitations in calendars the person does not show (a
    # private space's, a colleague's own): their period and range are still read as kept.
    series = make_event(
        organiser=stranger, space=elsewhere, title="Secret", rule="FREQ=WEEKLY", start=None
    )
    mine_too = make_event(organiser=stranger, title="Perso", start=dt.datetime(2026, 3, 6, 9))
    actions.invite(actor=stranger, event=mine_too, people=[colleague])
    actions.cancel_event(
        actor=stranger,
        event=series,
        scope="this",
        occurrence=dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC),
    )
    assert not built(lambda: client.get(MONTH))
    assert not built(lambda: token.get(RANGE))
    # An event in a shown calendar: built again, and there.
    make_event(organiser=colleague, space=space, title="Bilan", start=dt.datetime(2026, 3, 12, 10))
    assert "Bilan" in client.get(MONTH).content.decode()
    assert any(i["title"] == "Bilan" for i in token.get(RANGE).json()["items"])
    assert not built(lambda: client.get(MONTH))


def test_a_changed_occurrence_in_a_shown_calendar_shows_at_once() -> None:
    person = make_user()
    space = make_space(members=(person,))
    series = make_event(
        organiser=person,
        space=space,
        title="Point",
        rule="FREQ=WEEKLY",
        start=dt.datetime(2026, 3, 2, 9),
    )
    client = client_for(person)
    assert client.get(MONTH).content.decode().count(">Point<") == 5
    key = dt.datetime(2026, 3, 9, 9, tzinfo=PARIS)
    actions.change_event(
        actor=person,
        event=series,
        details=actions.Details("Point déplacé", "", "", ""),
        scope="this",
        occurrence=key,
    )
    page = client.get(MONTH).content.decode()
    assert page.count(">Point<") == 4 and "Point déplacé" in page
    actions.cancel_event(actor=person, event=series, scope="this", occurrence=key)
    assert "Point déplacé" not in client.get(MONTH).content.decode()


def test_an_invitation_its_event_s_change_and_the_answer_reach_the_kept_views() -> None:
    person, organiser = make_user(), make_user()
    event = make_event(organiser=organiser, title="Entretien", start=dt.datetime(2026, 3, 10, 9))
    client, token = client_for(person), api(person)
    assert "Entretien" not in client.get(MONTH).content.decode()
    assert token.get(RANGE).json()["items"] == []
    actions.invite(actor=organiser, event=event, people=[person])
    assert "Entretien" in client.get(MONTH).content.decode()
    [item] = token.get(RANGE).json()["items"]
    assert item["my_answer"] == "pending"
    # The event, in a calendar the person does not show, changes: they are invited to it.
    actions.change_event(
        actor=organiser, event=event, details=actions.Details("Entretien annuel", "", "", "")
    )
    assert "Entretien annuel" in client.get(MONTH).content.decode()
    actions.respond(actor=person, event=event, answer="yes")
    [item] = token.get(RANGE).json()["items"]
    assert item["my_answer"] == "yes" and item["title"] == "Entretien annuel"
    # Uninvited: gone from their views.
    actions.uninvite(actor=organiser, event=event, person=person)
    assert "Entretien" not in client.get(MONTH).content.decode()
    assert token.get(RANGE).json()["items"] == []


def test_an_answer_for_one_occurrence_reaches_the_kept_range() -> None:
    person, organiser = make_user(), make_user()
    series = make_event(
        organiser=organiser, title="Hebdo", rule="FREQ=WEEKLY", start=dt.datetime(2026, 3, 2, 9)
    )
    actions.invite(actor=organiser, event=series, people=[person])
    token = api(person)
    assert {i["my_answer"] for i in token.get(RANGE).json()["items"]} == {"pending"}
    key = dt.datetime(2026, 3, 9, 9, tzinfo=PARIS)
    actions.respond(actor=person, event=series, answer="no", occurrence=key)
    answers = [(i["my_answer"], i["answered_alone"]) for i in token.get(RANGE).json()["items"]]
    assert answers.count(("no", True)) == 1 and answers.count(("pending", False)) == 4


def test_a_membership_and_a_space_s_settings_rebuild_the_period() -> None:
    person, owner = make_user(), make_user()
    space = make_space(owner=owner, kind="private", name="Projet Alpha")
    make_event(organiser=owner, space=space, title="Lancement", start=dt.datetime(2026, 3, 3, 9))
    client = client_for(person)
    assert "Lancement" not in client.get(MONTH).content.decode()
    add_member(space, person)
    page = client.get(MONTH).content.decode()
    assert "Lancement" in page and "Projet Alpha" in page
    # The space renamed (its calendar's name on the page), then its agenda switched off.
    space_actions.update_space(
        actor=owner,
        space=space,
        name="Projet Beta",
        description="",
        kind="private",
        modules=[m for m in space.modules if m != "agenda"] + ["agenda"],
    )
    assert 'tag">Projet Beta</span>' in client.get(MONTH).content.decode()  # in the period
    space.module_settings = {**space.module_settings, "agenda": False}
    space.save()
    assert "Lancement" not in client.get(MONTH).content.decode()
    space.module_settings = {**space.module_settings, "agenda": True}
    space.save()
    assert "Lancement" in client.get(MONTH).content.decode()
    space_actions.leave_space(actor=person, space=space)
    assert "Lancement" not in client.get(MONTH).content.decode()


def test_a_space_turned_private_is_no_longer_read_from_what_was_kept() -> None:
    """A space's calendar asked for by id through the API (an open space the person is not a
    member of): once the space is private, the range refuses it rather than serving it kept."""
    person, owner = make_user(), make_user()
    space = make_space(owner=owner, kind="open", name="Ouvert")
    make_event(
        organiser=owner, space=space, title="Portes ouvertes", start=dt.datetime(2026, 3, 3, 9)
    )
    calendar = actions.space_calendar(space)
    token = api(person)
    url = f"{RANGE}&calendar={calendar.pk}"
    assert [i["title"] for i in token.get(url).json()["items"]] == ["Portes ouvertes"]
    space.kind = "private"
    space.save()
    assert token.get(url).status_code == 404


def test_a_version_missing_from_the_cache_starts_afresh() -> None:
    """An evicted version (a cache restarted) is not read as an older one: the period is built."""
    from django.core.cache import cache

    from cercle.agenda import queries

    person = make_user()
    calendar = actions.personal_calendar(person)
    client = client_for(person)
    client.get(MONTH)
    cache.delete(queries.calendar_version_key(calendar.pk))
    assert built(lambda: client.get(MONTH))
    assert not built(lambda: client.get(MONTH))
