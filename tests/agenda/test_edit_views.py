"""Changing and cancelling from the pages: the whole event, one occurrence, this one and the
following; only those who may change it see the links and may post."""

from __future__ import annotations

import datetime as dt
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
