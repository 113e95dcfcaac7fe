"""Each calendar's share of a window is kept in the process under its version
(`queries._kept_parts`): a change in one calendar shown reads and expands that calendar again, not
the others, and the merged occurrences are those a fresh build gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.agenda import actions, queries
from cercle.agenda.recurrence import Window
from tests.factories import make_event, make_space, make_user

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MARCH = Window(
    dt.datetime(2026, 3, 1, tzinfo=PARIS), dt.datetime(2026, 4, 1, tzinfo=PARIS), "Europe/Paris"
)


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    queries.forget_kept_parts()
    yield
    queries.forget_kept_parts()


def _setting() -> tuple[Any, Any, Any, Any]:
    person, colleague = make_user(), make_user()
    lyon = make_space(members=(person, colleague), name="Lyon")
    nantes = make_space(members=(person, colleague), name="Nantes")
    make_event(organiser=colleague, space=lyon, title="Rétro", start=dt.datetime(2026, 3, 5, 14))
    make_event(
        organiser=colleague,
        space=nantes,
        title="Point",
        rule="FREQ=WEEKLY",
        start=dt.datetime(2026, 2, 2, 9),
    )
    make_event(organiser=person, title="Dentiste", start=dt.datetime(2026, 3, 10, 8))
    private = make_event(
        organiser=colleague,
        title="Entretien",
        visibility="private",
        start=dt.datetime(2026, 3, 11, 15),
    )
    actions.invite(actor=colleague, event=private, people=[person])
    make_event(organiser=colleague, title="Perso", start=dt.datetime(2026, 3, 12, 15))
    return person, colleague, lyon, nantes


def _shares() -> dict[tuple[object, ...], object]:
    """The calendars' kept shares (not the merged ones)."""
    return {key: part for key, part in queries.kept_parts.items() if key[0] != "merged"}


def _events_read(
    run: Callable[[], list[queries.OccurrenceView]],
) -> tuple[list[str], list[queries.OccurrenceView]]:
    """The queries reading events that `run` made, and what it found."""
    with CaptureQueriesContext(connection) as captured:
        found = run()
    return [q["sql"] for q in captured.captured_queries if "first_start" in q["sql"]], found


def test_a_change_in_one_calendar_expands_that_calendar_only() -> None:
    person, colleague, lyon, _nantes = _setting()
    calendars = list(queries.my_calendars(person))

    def build() -> list[queries.OccurrenceView]:
        return queries.occurrences_between(person, MARCH, calendars, with_invitations=True)

    first = build()
    titles = {o.title for o in first}
    assert {"Rétro", "Point", "Dentiste", "Entretien"} <= titles and "Perso" not in titles
    kept = _shares()
    assert len(kept) == len(calendars) + 1  # each calendar shown, and the invited one's share
    read, again = _events_read(build)
    assert read == [] and again == first  # nothing changed: nothing read

    make_event(organiser=colleague, space=lyon, title="Bilan", start=dt.datetime(2026, 3, 12, 10))
    read, second = _events_read(build)
    assert len(read) == 1  # the changed calendar's events, in one query
    lyon_calendar = actions.space_calendar(lyon).pk
    rebuilt = [key for key in _shares() if key not in kept]
    assert len(rebuilt) == 1 and lyon_calendar in rebuilt[0]
    # The other calendars' occurrences are the very ones kept before.
    nantes_before = [o for o in first if o.title == "Point"]
    nantes_after = [o for o in second if o.title == "Point"]
    assert nantes_before and all(a is b for a, b in zip(nantes_before, nantes_after, strict=True))
    assert "Bilan" in {o.title for o in second}
    queries.forget_kept_parts()
    assert build() == second  # the merged shares are what a fresh build gives, in order


def test_an_invitation_and_a_change_elsewhere() -> None:
    person, colleague, _lyon, _nantes = _setting()
    calendars = list(queries.my_calendars(person))

    def build() -> list[queries.OccurrenceView]:
        return queries.occurrences_between(person, MARCH, calendars, with_invitations=True)

    build()
    # A colleague's own event the person is then invited to: the person's version moves.
    perso = queries.Event.objects.get(title="Perso")
    actions.invite(actor=colleague, event=perso, people=[person])
    found = build()
    assert "Perso" in {o.title for o in found}
    queries.forget_kept_parts()
    assert build() == found
    # Without the invitations, only the calendars shown.
    shown = queries.occurrences_between(person, MARCH, calendars)
    assert {o.title for o in shown} == {"Rétro", "Point", "Dentiste"}


def test_the_kept_shares_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    person, _colleague, _lyon, _nantes = _setting()
    calendars = list(queries.my_calendars(person))
    fresh = queries.occurrences_between(person, MARCH, calendars, with_invitations=True)
    queries.forget_kept_parts()
    monkeypatch.setattr(queries.kept_parts, "limit", 3)
    assert queries.occurrences_between(person, MARCH, calendars, with_invitations=True) == fresh
    assert sum(len(part) for _key, part in queries.kept_parts.items()) <= 3
    assert queries.occurrences_between(person, MARCH, calendars, with_invitations=True) == fresh


def test_a_share_is_the_person_s_own() -> None:
    """Another person showing the same calendars sees the private event as busy: the share kept
    for the invited person is not theirs."""
    person, colleague, _lyon, _nantes = _setting()
    other = make_user()
    calendar = actions.personal_calendar(colleague)
    mine = queries.occurrences_between(person, MARCH, [calendar], with_invitations=True)
    theirs = queries.occurrences_between(other, MARCH, [calendar])
    assert "Entretien" in {o.title for o in mine}
    assert "Entretien" not in {o.title for o in theirs}
    assert any(o.busy_only for o in theirs)


def _days_drawn(page: str) -> str:
    """The period's days as drawn (the page around them has a per-request nonce)."""
    start = page.index('<ol class="agenda-days')
    return page[start : page.index("</ol>", start)]


def test_the_month_drawn_from_kept_days_is_the_month_drawn_afresh() -> None:
    """Each day is drawn apart and kept under what it shows: after a change in one calendar the
    month is the one drawn with nothing kept, the changed day shows the change, and a day kept in
    English is not shown in French."""
    from django.test import Client

    from cercle.agenda import views

    person, colleague, lyon, _nantes = _setting()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person)
    url = "/agenda/?view=month&date=2026-03-01"
    client.get(url)
    make_event(organiser=colleague, space=lyon, title="Bilan", start=dt.datetime(2026, 3, 5, 16))
    page = _days_drawn(client.get(url).content.decode())
    assert "Bilan" in page and "Rétro" in page
    views.drawn_days.clear()
    queries.forget_kept_parts()
    queries.change_versions([queries.KEPT_BASE])  # the period drawn again, nothing kept
    assert _days_drawn(client.get(url).content.decode()) == page
    person.language = "fr"
    person.save(update_fields=["language"])
    assert "Thursday" in page
    french = client.get(url).content.decode()
    assert "Jeudi 5 mars" in french and "Thursday" not in french
