"""Changing and cancelling from the pages: the whole event, one occurrence, this one and the
following; only those who may change it see the links and may post."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from cercle.agenda.models import Event, Occurrence
from tests.factories import make_event, make_user
from tests.helpers.api import api

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SECOND = dt.datetime(2026, 3, 9, 9, tzinfo=PARIS).astimezone(dt.UTC).isoformat()


def _form(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "Point",
        "start_date": "2026-03-09",
        "start_time": "10:00",
        "end_date": "2026-03-09",
        "end_time": "11:00",
        "time_zone": "Europe/Paris",
        "visibility": "public",
    }
    data.update(changes)
    return data


def test_the_list_links_to_the_occurrence_and_its_page_offers_the_scopes() -> None:
    organiser = make_user()
    event = make_event(
        organiser=organiser, rule="FREQ=WEEKLY;COUNT=4", start=dt.datetime(2026, 3, 2, 9)
    )
    client = api(organiser)
    listing = client.get("/agenda/?view=month&date=2026-03-01").content.decode()
    assert f"/agenda/events/{event.pk}/?occurrence=" in listing
    page = client.get(f"/agenda/events/{event.pk}/?occurrence={quote(SECOND)}").content.decode()
    assert "scope=this" in page and "scope=following" in page and "scope=all" in page
    assert (
        client.get(f"/agenda/events/{event.pk}/?occurrence=2026-03-10T08:00:00%2B00:00").status_code
        == 404
    )
    # Someone who may not change it sees no links.
    other = api(make_user()).get(f"/agenda/events/{event.pk}/").content.decode()
    assert "scope=" not in other and "/cancel" not in other


def test_change_one_occurrence_then_all_from_the_pages() -> None:
    organiser = make_user()
    event = make_event(
        organiser=organiser, rule="FREQ=WEEKLY;COUNT=4", start=dt.datetime(2026, 3, 2, 9)
    )
    client = api(organiser)
    url = f"/agenda/events/{event.pk}/edit/?occurrence={quote(SECOND)}&scope=this"
    form = client.get(url).content.decode()
    assert 'value="2026-03-09"' in form
    response = client.post(url, _form(title="Déplacé"))
    assert response.status_code == 302
    moved = Occurrence.objects.get(event=event)
    assert moved.title == "Déplacé" and moved.start == dt.datetime(2026, 3, 9, 10, tzinfo=PARIS)
    bad = client.post(url, _form(end_time="08:00"))
    assert bad.status_code == 400
    response = client.post(
        f"/agenda/events/{event.pk}/edit/",
        _form(title="Tous", start_date="2026-03-02", end_date="2026-03-02"),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Tous" and event.rule.startswith("FREQ=WEEKLY")
    assert api(make_user()).post(f"/agenda/events/{event.pk}/edit/", _form()).status_code == 403


def test_cancel_one_occurrence_the_following_and_all_from_the_pages() -> None:
    organiser = make_user()
    event = make_event(
        organiser=organiser, rule="FREQ=WEEKLY;COUNT=4", start=dt.datetime(2026, 3, 2, 9)
    )
    client = api(organiser)
    assert (
        api(make_user()).post(f"/agenda/events/{event.pk}/cancel", {"scope": "all"}).status_code
        == 403
    )
    client.post(f"/agenda/events/{event.pk}/cancel", {"scope": "this", "occurrence": SECOND})
    assert Occurrence.objects.get(event=event).cancelled
    third = dt.datetime(2026, 3, 16, 9, tzinfo=PARIS).astimezone(dt.UTC).isoformat()
    client.post(f"/agenda/events/{event.pk}/cancel", {"scope": "following", "occurrence": third})
    event.refresh_from_db()
    assert "COUNT=2" in event.rule
    response = client.post(f"/agenda/events/{event.pk}/cancel", {"scope": "all"})
    assert response.status_code == 302 and response["Location"] == "/agenda/"
    assert not Event.objects.filter(pk=event.pk).exists()


def test_the_repetition_is_changed_from_the_pages() -> None:
    organiser = make_user()
    event = make_event(
        organiser=organiser, rule="FREQ=WEEKLY;BYDAY=MO;COUNT=4", start=dt.datetime(2026, 3, 2, 9)
    )
    client = api(organiser)
    url = f"/agenda/events/{event.pk}/edit/"
    page = client.get(url).content.decode()
    # The form shows the repetition as it stands.
    assert '<option value="weekly" selected>' in page
    assert re.search(r'value="MO"[^>]*checked', page)
    assert not re.search(r'value="TU"[^>]*checked', page)
    assert 'name="count" value="4"' in page
    changed = _form(
        start_date="2026-03-02",
        end_date="2026-03-02",
        repeat="weekly",
        weekdays=["MO", "WE"],
        ends="count",
        count="6",
    )
    assert client.post(url, changed).status_code == 302
    event.refresh_from_db()
    assert "BYDAY=MO,WE" in event.rule and "COUNT=6" in event.rule
    # The same form sent again, untouched: the rule stays.
    same = _form(
        start_date="2026-03-02",
        end_date="2026-03-02",
        repeat="weekly",
        weekdays=["MO", "WE"],
        ends="count",
        count="6",
    )
    rule = event.rule
    assert client.post(url, same).status_code == 302
    event.refresh_from_db()
    assert event.rule == rule
    # An impossible end: the form says so at the field, nothing changed.
    bad = client.post(url, {**same, "ends": "count", "count": "0"})
    assert bad.status_code == 400
    event.refresh_from_db()
    assert event.rule == rule
    # No longer repeating.
    assert client.post(url, {**same, "repeat": ""}).status_code == 302
    event.refresh_from_db()
    assert event.rule == ""
    # A single event made repeating, monthly on the 2nd Monday-style weekday.
    single = make_event(organiser=organiser, start=dt.datetime(2026, 3, 9, 9))
    response = client.post(
        f"/agenda/events/{single.pk}/edit/",
        _form(
            start_date="2026-03-09",
            end_date="2026-03-09",
            repeat="monthly_weekday",
            ends="until",
            until="2026-06-30",
        ),
    )
    assert response.status_code == 302
    single.refresh_from_db()
    assert "FREQ=MONTHLY" in single.rule and "BYDAY=2MO" in single.rule


def test_a_rule_the_form_cannot_say_is_left_to_the_api() -> None:
    organiser = make_user()
    event = make_event(
        organiser=organiser, rule="FREQ=WEEKLY;INTERVAL=2;COUNT=4", start=dt.datetime(2026, 3, 2, 9)
    )
    client = api(organiser)
    url = f"/agenda/events/{event.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'name="repeat"' not in page
    assert "se modifie par l'API" in page
    assert (
        client.post(url, _form(start_date="2026-03-02", end_date="2026-03-02")).status_code == 302
    )
    event.refresh_from_db()
    assert "INTERVAL=2" in event.rule
    # One occurrence: no repetition fields either.
    third = dt.datetime(2026, 3, 16, 9, tzinfo=PARIS).astimezone(dt.UTC).isoformat()
    one = client.get(f"{url}?occurrence={quote(third)}&scope=this").content.decode()
    assert 'name="repeat"' not in one


def test_this_one_and_the_following_offer_the_rest_of_the_count() -> None:
    organiser = make_user()
    event = make_event(
        organiser=organiser, rule="FREQ=WEEKLY;COUNT=4", start=dt.datetime(2026, 3, 2, 9)
    )
    client = api(organiser)
    url = f"/agenda/events/{event.pk}/edit/?occurrence={quote(SECOND)}&scope=following"
    page = client.get(url).content.decode()
    assert 'name="count" value="3"' in page
    # Changed to every day from there: the series is cut, a new one of 3 days starts.
    response = client.post(
        url,
        _form(
            start_date="2026-03-09", end_date="2026-03-09", repeat="daily", ends="count", count="3"
        ),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert "COUNT=1" in event.rule
    follower = Event.objects.exclude(pk=event.pk).get()
    assert "FREQ=DAILY" in follower.rule and "COUNT=3" in follower.rule


def test_the_whole_event_moves_to_another_calendar_from_its_page() -> None:
    from cercle.agenda import actions
    from cercle.audit.models import AuditEntry
    from tests.factories import add_member, make_space

    organiser = make_user()
    space = make_space(owner=make_user(), name="Projet Alpha")
    add_member(space, organiser)
    event = make_event(
        organiser=organiser, rule="FREQ=WEEKLY;COUNT=4", start=dt.datetime(2026, 3, 2, 9)
    )
    client = api(organiser)
    space_calendar = actions.space_calendar(space)
    colleague = make_user()
    add_member(space, colleague)
    month = "/agenda/?view=month&date=2026-03-01"
    assert f"/agenda/events/{event.pk}/" not in api(colleague).get(month).content.decode()
    page = client.get(f"/agenda/events/{event.pk}/edit/").content.decode()
    assert 'name="calendar"' in page and "Projet Alpha" in page
    # One occurrence stays in its series' calendar: not offered.
    one = f"/agenda/events/{event.pk}/edit/?occurrence={quote(SECOND)}&scope=this"
    assert 'name="calendar"' not in client.get(one).content.decode()
    # Sent without a calendar (an older page): the event stays where it is.
    same = _form(title="Point", start_date="2026-03-02", end_date="2026-03-02")
    assert client.post(f"/agenda/events/{event.pk}/edit/", same).status_code == 302
    event.refresh_from_db()
    assert event.calendar_id == actions.personal_calendar(organiser).pk
    moved = client.post(
        f"/agenda/events/{event.pk}/edit/", {**same, "calendar": str(space_calendar.pk)}
    )
    assert moved.status_code == 302
    event.refresh_from_db()
    assert event.calendar_id == space_calendar.pk
    assert AuditEntry.objects.filter(action="agenda.event_moved").count() == 1
    # The space's members see it at once (what the agenda keeps per calendar moved too).
    assert f"/agenda/events/{event.pk}/" in api(colleague).get(month).content.decode()
    # Someone else's calendar is not a choice: refused, nothing moves.
    theirs = actions.personal_calendar(make_user())
    refused = client.post(f"/agenda/events/{event.pk}/edit/", {**same, "calendar": str(theirs.pk)})
    assert refused.status_code == 400
    event.refresh_from_db()
    assert event.calendar_id == space_calendar.pk
