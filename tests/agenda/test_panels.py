"""The agenda outside its pages: the home page's "Today and coming" (a core panel: the agenda does
not import the feed), a space's coming events (a spaces panel), and the side navigation's link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercle.agenda import actions
from cercle.agenda.recurrence import Timing
from cercle.spaces.models import Space
from tests.factories import add_member, make_event, make_space, make_user
from tests.helpers.api import api

pytestmark = pytest.mark.django_db


def _soon(hours: int = 2) -> dt.datetime:
    """A naive Paris wall-clock time `hours` from now, as `make_event` takes it."""
    return (
        (timezone.now() + dt.timedelta(hours=hours))
        .astimezone(dt.timezone(dt.timedelta(hours=1)))
        .replace(tzinfo=None, minute=0, second=0, microsecond=0)
    )


def test_the_home_page_shows_my_coming_events_and_those_i_am_invited_to() -> None:
    anne, bob = make_user(), make_user()
    make_event(organiser=anne, title="Revue de code", start=_soon(3), zone="Etc/GMT-1")
    party = make_event(organiser=bob, title="Pot de départ", start=_soon(24), zone="Etc/GMT-1")
    make_event(organiser=bob, title="Pas pour Anne", start=_soon(5), zone="Etc/GMT-1")
    actions.invite(actor=bob, event=party, people=[anne])
    make_event(organiser=anne, title="Dans un mois", start=_soon(24 * 30), zone="Etc/GMT-1")
    page = api(anne).get("/").content.decode()
    assert "Aujourd'hui et à venir" in page
    assert "Revue de code" in page and "Pot de départ" in page
    assert "Pas pour Anne" not in page and "Dans un mois" not in page
    # The side navigation links to the agenda.
    assert 'href="/agenda/"' in page and "Mon agenda" in page and "Les prochains jours" in page


def test_the_home_panel_costs_a_fixed_number_of_queries() -> None:
    anne = make_user()
    client = api(anne)
    make_event(organiser=anne, start=_soon(3), zone="Etc/GMT-1")
    client.get("/")
    cache.clear()  # both counted without the panels' cache
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(4):
        make_event(
            organiser=anne, title=f"E{n}", start=_soon(4 + n), rule="FREQ=DAILY", zone="Etc/GMT-1"
        )
    cache.clear()
    with CaptureQueriesContext(connection) as more:
        client.get("/")
    assert len(more) == len(few), [q["sql"][:100] for q in more.captured_queries]


def test_the_panels_are_kept_until_the_agenda_or_a_membership_changes() -> None:
    """The home page's and a space's panels come from the cache (no agenda query) until an event,
    an invitation or a membership changes (issue 15: the busiest pages)."""
    anne, bob = make_user(), make_user()
    space = make_space(owner=bob)
    client = api(anne)
    client.get("/")
    with CaptureQueriesContext(connection) as cached:
        page = client.get("/").content.decode()
    assert not [q for q in cached.captured_queries if "agenda_" in q["sql"]]
    assert "Point hebdo" not in page
    # A new event in a space Anne then joins: both writes show at once.
    make_event(organiser=bob, title="Point hebdo", start=_soon(5), zone="Etc/GMT-1", space=space)
    assert "Point hebdo" not in client.get("/").content.decode()  # not a member yet
    add_member(space, anne)
    assert "Point hebdo" in client.get("/").content.decode()
    assert "Point hebdo" in client.get(f"/spaces/{space.slug}/").content.decode()
    # An event's change too (the version moves at once and again on commit).
    invited = make_event(organiser=bob, title="Pot", start=_soon(6), zone="Etc/GMT-1")
    assert "Pot" not in client.get("/").content.decode()
    actions.invite(actor=bob, event=invited, people=[anne])
    assert "Pot" in client.get("/").content.decode()


def test_a_space_page_shows_its_coming_events_to_its_readers_only() -> None:
    owner, member, outsider = make_user(), make_user(), make_user()
    space = make_space(owner=owner, name="Atelier", kind="private")
    add_member(space, member)
    make_event(
        organiser=owner, space=space, title="Atelier couture", start=_soon(30), zone="Etc/GMT-1"
    )
    page = api(member).get(f"/spaces/{space.slug}/").content.decode()
    assert "Événements à venir" in page and "Atelier couture" in page
    assert "Atelier couture" not in api(outsider).get(f"/spaces/{space.slug}/").content.decode()
    # The agenda switched off: no panel.
    Space.objects.filter(pk=space.pk).update(module_settings={"agenda": False})
    assert "Atelier couture" not in api(member).get(f"/spaces/{space.slug}/").content.decode()


def test_nothing_coming_still_says_so_on_the_home_page(client: Any) -> None:
    page = api(make_user()).get("/").content.decode()
    assert "Rien de prévu cette semaine." in page


def test_a_space_s_settings_and_a_person_s_role_reach_the_kept_panels() -> None:
    """The panels are kept for a quarter of an hour under the agenda's version: a space turned
    private or its agenda switched off moves that version (a space's save), and a person's role is
    part of the key."""
    from cercle.spaces import actions as space_actions

    owner, reader = make_user(), make_user()
    space = make_space(owner=owner, name="Atelier ouvert", kind="open")
    make_event(
        organiser=owner, space=space, title="Portes ouvertes", start=_soon(30), zone="Etc/GMT-1"
    )
    wall = f"/spaces/{space.slug}/"
    assert "Portes ouvertes" in api(reader).get(wall).content.decode()
    space_actions.update_space(
        actor=owner,
        space=space,
        name=space.name,
        description=space.description,
        kind="open",
        modules=[m for m in space.modules if m != "agenda"],
    )
    assert "Portes ouvertes" not in api(reader).get(wall).content.decode()
    # A role changed without a save signal (a raw update): the next home page reads the agenda
    # again rather than the member's kept panel.
    client = api(reader)
    client.get("/")
    with CaptureQueriesContext(connection) as kept:
        client.get("/")
    assert not [q for q in kept.captured_queries if "agenda_" in q["sql"]]
    type(reader).objects.filter(pk=reader.pk).update(role="guest")
    with CaptureQueriesContext(connection) as again:
        client.get("/")
    assert [q for q in again.captured_queries if "agenda_" in q["sql"]]


def _panel_titles(user: Any) -> list[str]:
    from cercle.agenda import panels

    part = panels.home_panel(user)
    assert part is not None
    return [o.title for o in part["items"]]


def _space_titles(user: Any, space: Any) -> list[str]:
    from cercle.agenda import panels
    from cercle.spaces.queries import space_view

    part = panels.space_panel(user, space_view(user, Space.objects.get(pk=space.pk)))
    return [o.title for o in part["items"]] if part else []


def test_the_home_panel_is_kept_when_a_calendar_it_does_not_show_changes() -> None:
    """Keyed by the versions of the calendars and spaces it may show (issue 15): an event in a
    colleague's calendar, in a space Anne is not in, or a colleague's first calendar made, leaves
    her panel kept (no query at all); an event of hers, of her space, an invitation, a new
    membership and a space's agenda switched on change it at once."""
    from cercle.agenda import queries
    from cercle.spaces import actions as space_actions

    anne, bob = make_user(), make_user()
    mine = make_space(owner=anne, name="Le mien")
    elsewhere = make_space(owner=bob, name="Ailleurs")
    make_event(organiser=anne, title="Le mien 1", start=_soon(3), zone="Etc/GMT-1")
    assert _panel_titles(anne) == ["Le mien 1"]
    with CaptureQueriesContext(connection) as kept:
        assert _panel_titles(anne) == ["Le mien 1"]
    assert len(kept) == 0, [q["sql"][:120] for q in kept.captured_queries]

    # Writes Anne's panel does not show: kept, no query.
    make_event(organiser=bob, title="Chez Bob", start=_soon(4), zone="Etc/GMT-1")
    make_event(organiser=bob, space=elsewhere, title="Ailleurs 1", start=_soon(4), zone="Etc/GMT-1")
    actions.personal_calendar(make_user())
    with CaptureQueriesContext(connection) as kept:
        assert _panel_titles(anne) == ["Le mien 1"]
    assert len(kept) == 0, [q["sql"][:120] for q in kept.captured_queries]

    # Writes it shows: at once.
    make_event(organiser=bob, space=mine, title="Dans mon espace", start=_soon(5), zone="Etc/GMT-1")
    assert _panel_titles(anne) == ["Le mien 1", "Dans mon espace"]
    invited = make_event(organiser=bob, title="Invitée", start=_soon(6), zone="Etc/GMT-1")
    actions.invite(actor=bob, event=invited, people=[anne])
    assert _panel_titles(anne) == ["Le mien 1", "Dans mon espace", "Invitée"]
    add_member(elsewhere, anne)
    assert "Ailleurs 1" in _panel_titles(anne)
    bob_event = make_event(organiser=bob, title="Chez Bob 2", start=_soon(7), zone="Etc/GMT-1")
    actions.invite(actor=bob, event=bob_event, people=[anne])
    assert "Chez Bob 2" in _panel_titles(anne)
    # The invitation's event changed in Bob's calendar: its version is in Anne's key.
    actions.cancel_event(actor=bob, event=bob_event)
    assert "Chez Bob 2" not in _panel_titles(anne)
    # A space's agenda switched off, then on again.
    modules = list(elsewhere.modules)
    space_actions.update_space(
        actor=bob,
        space=elsewhere,
        name=elsewhere.name,
        description=elsewhere.description,
        kind="open",
        modules=[m for m in modules if m != queries.MODULE],
    )
    assert "Ailleurs 1" not in _panel_titles(anne)
    elsewhere.refresh_from_db()
    space_actions.update_space(
        actor=bob,
        space=elsewhere,
        name=elsewhere.name,
        description=elsewhere.description,
        kind="open",
        modules=modules,
    )
    assert "Ailleurs 1" in _panel_titles(anne)
    # Leaving a space: gone at once.
    from cercle.spaces.models import Membership

    Membership.objects.filter(space=elsewhere, user=anne).delete()
    assert "Ailleurs 1" not in _panel_titles(anne)


def test_a_space_panel_is_kept_when_another_calendar_changes() -> None:
    owner, reader = make_user(), make_user()
    space = make_space(owner=owner, name="Atelier", kind="open")
    other = make_space(owner=owner, name="Autre", kind="open")
    assert _space_titles(reader, space) == []  # no calendar yet
    make_event(organiser=owner, space=space, title="Couture", start=_soon(30), zone="Etc/GMT-1")
    assert _space_titles(reader, space) == ["Couture"]  # its calendar made: seen at once
    view_space = Space.objects.get(pk=space.pk)
    from cercle.agenda import panels
    from cercle.spaces.queries import space_view

    view = space_view(reader, view_space)
    panels.space_panel(reader, view)
    make_event(organiser=owner, space=other, title="Ailleurs", start=_soon(30), zone="Etc/GMT-1")
    make_event(organiser=owner, title="Perso", start=_soon(30), zone="Etc/GMT-1")
    with CaptureQueriesContext(connection) as kept:
        part = panels.space_panel(reader, view)
    assert part is not None and [o.title for o in part["items"]] == ["Couture"]
    assert len(kept) == 0, [q["sql"][:120] for q in kept.captured_queries]
    make_event(organiser=owner, space=space, title="Broderie", start=_soon(31), zone="Etc/GMT-1")
    assert _space_titles(reader, space) == ["Couture", "Broderie"]


def test_calendars_made_for_spaces_in_bulk_reach_the_kept_panels() -> None:
    """`ensure_calendars` makes the spaces' calendars with `bulk_create` (no signal): it moves
    the spaces' versions, so that a panel kept while the space had no calendar shows the events
    written in it next."""
    from cercle.agenda.models import Calendar

    owner, reader = make_user(), make_user()
    space = make_space(owner=owner, name="Sans agenda encore", kind="open")
    add_member(space, reader)
    assert _space_titles(reader, space) == []
    assert _panel_titles(reader) == []
    actions.ensure_calendars(reader)
    calendar = Calendar.objects.get(space=space)
    actions.create_event(
        actor=owner,
        calendar=calendar,
        details=actions.Details(title="Première"),
        timing=Timing.timed(
            timezone.now() + dt.timedelta(hours=2), timezone.now() + dt.timedelta(hours=3), "UTC"
        ),
        rule="",
        visibility="public",
    )
    assert _space_titles(reader, space) == ["Première"]
    assert _panel_titles(reader) == ["Première"]
