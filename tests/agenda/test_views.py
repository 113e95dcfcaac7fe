"""The agenda's pages: my agenda by period, a space's tab and calendar, an event, answering,
the form (repetition choices to RRULE, errors at their field), `.ics` and the subscription feed."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.test import Client

from cercle.agenda import actions
from cercle.agenda.models import Calendar, Event, Invitation
from tests.factories import make_event, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_my_agenda_lists_each_period_with_calendar_names() -> None:
    person = make_user()
    space = make_space(members=(person,), name="Équipe Lyon")
    make_event(organiser=person, title="Dentiste", visibility="private")
    make_event(organiser=make_user(), space=space, title="Rétro", start=dt.datetime(2026, 3, 4, 14))
    client = client_for(person)
    for view in ("list", "day", "week", "month", "bogus"):
        page = client.get(f"/agenda/?view={view}&date=2026-03-02")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Dentiste" in text
        if view in ("week", "month", "list"):
            assert "Rétro" in text and "Équipe Lyon" in text
    only_space = client.get(
        f"/agenda/?view=month&date=2026-03-01&calendar={actions.space_calendar(space).pk}"
    ).content.decode()
    assert "Rétro" in only_space and "Dentiste" not in only_space
    assert client.get("/agenda/?date=not-a-date").status_code == 200


def test_a_period_is_kept_until_the_agenda_changes_and_for_its_person_and_language() -> None:
    """A period's occurrences are drawn once and kept under the agenda's version: viewing the
    month again reads no event, a new event in a shown calendar appears at the next view, and
    neither another person nor another language is served what was kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person, colleague = make_user(), make_user()
    space = make_space(members=(person, colleague), name="Équipe Lyon")
    make_event(
        organiser=person, title="Dentiste", visibility="private", start=dt.datetime(2026, 3, 4, 9)
    )
    client = client_for(person)
    month = "/agenda/?view=month&date=2026-03-01"
    assert "Dentiste" in client.get(month).content.decode()
    with CaptureQueriesContext(connection) as kept:
        again = client.get(month).content.decode()
    assert "Dentiste" in again
    assert not [q for q in kept.captured_queries if "agenda_event" in q["sql"]]
    assert "Dentiste" not in client_for(colleague).get(month).content.decode()
    make_event(organiser=colleague, space=space, title="Rétro", start=dt.datetime(2026, 3, 5, 14))
    assert "Rétro" in client.get(month).content.decode()
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(person)
    page = french.get(month).content.decode()
    assert "mars" in page and "March" not in page


def test_others_private_events_read_busy_on_pages() -> None:
    owner, colleague = make_user(), make_user()
    space = make_space(members=(owner, colleague))
    event = make_event(organiser=owner, title="Rendez-vous médical", visibility="private")
    # A colleague sees it only when it is in a calendar they show: it is not, so nothing leaks.
    page = client_for(colleague).get("/agenda/?view=month&date=2026-03-01").content.decode()
    assert "Rendez-vous médical" not in page
    assert client_for(colleague).get(f"/agenda/events/{event.pk}/").status_code == 404
    assert client_for(colleague).get(f"/agenda/events/{event.pk}/event.ics").status_code == 404
    assert space  # the space shares them nothing of personal calendars


def test_the_space_tab_and_calendar_follow_the_module_switch() -> None:
    member, outsider = make_user(), make_user()
    space = make_space(members=(member,), kind="private")
    make_event(organiser=member, space=space, title="Assemblée")
    page = client_for(member).get(f"/spaces/{space.slug}/")
    assert f'href="/spaces/{space.slug}/agenda/"' in page.content.decode()
    page = client_for(member).get(f"/spaces/{space.slug}/agenda/?view=month&date=2026-03-01")
    assert page.status_code == 200 and "Assemblée" in page.content.decode()
    assert client_for(outsider).get(f"/spaces/{space.slug}/agenda/").status_code == 404
    space.module_settings = {**space.module_settings, "agenda": False}
    space.save()
    assert client_for(member).get(f"/spaces/{space.slug}/agenda/").status_code == 404
    assert (
        f"/spaces/{space.slug}/agenda/"
        not in client_for(member).get(f"/spaces/{space.slug}/").content.decode()
    )


def test_an_invitee_answers_on_the_event_page() -> None:
    organiser, invitee = make_user(), make_user()
    event = make_event(organiser=organiser, description="**Ordre du jour**")
    actions.invite(actor=organiser, event=event, people=[invitee])
    client = client_for(invitee)
    page = client.get(f"/agenda/events/{event.pk}/").content.decode()
    assert "<strong>Ordre du jour</strong>" in page and 'value="yes"' in page
    response = client.post(
        f"/agenda/events/{event.pk}/respond", {"answer": "maybe", "comment": "Si je peux"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(event=event, person=invitee)
    assert (invitation.answer, invitation.comment) == ("maybe", "Si je peux")
    client.post(f"/agenda/events/{event.pk}/respond", {"answer": "whatever"})
    invitation.refresh_from_db()
    assert invitation.answer == "maybe"
    organiser_page = client_for(organiser).get(f"/agenda/events/{event.pk}/").content.decode()
    assert "Si je peux" in organiser_page


def test_the_form_turns_choices_into_a_rule_and_puts_errors_at_their_field() -> None:
    person = make_user()
    client = client_for(person)
    assert client.get("/agenda/new/").status_code == 200
    calendar = actions.personal_calendar(person)
    base = {
        "calendar": calendar.pk,
        "title": "Comité",
        "start_date": "2026-03-10",
        "start_time": "10:00",
        "end_date": "2026-03-10",
        "end_time": "11:30",
        "time_zone": "Europe/Paris",
        "visibility": "public",
        "repeat": "monthly_weekday",
        "ends": "count",
        "count": "6",
    }
    response = client.post("/agenda/new/", base)
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.rule == "FREQ=MONTHLY;COUNT=6;BYDAY=2TU"  # the 2nd Tuesday
    assert event.start == dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)
    for bad, field_text in (
        ({"end_time": "09:00"}, "The end must be after the start."),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"meeting_url": "javascript:alert(1)"}, "web address"),
        ({"repeat": "weekly", "ends": "until", "until": "2020-01-01"}, "never happens"),
        ({"calendar": Calendar.objects.create(owner=make_user()).pk}, "valid choice"),
    ):
        response = client.post("/agenda/new/", {**base, **bad})
        assert response.status_code == 400
        assert field_text in response.content.decode()
    assert Event.objects.count() == 1


def test_the_subscription_feed_is_a_calendar_until_its_address_is_regenerated() -> None:
    person = make_user()
    make_event(organiser=person, title="Yoga", rule="FREQ=WEEKLY;COUNT=10")
    calendar = actions.personal_calendar(person)
    feed = Client().get(f"/agenda/feed/{calendar.feed_token}/calendar.ics")
    assert feed.status_code == 200
    parsed = icalendar.Calendar.from_ical(feed.content)
    assert [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")] == ["Yoga"]
    assert Client().get("/agenda/feed/not-the-secret/calendar.ics").status_code == 404
    old = calendar.feed_token
    assert client_for(person).post("/agenda/feed/regenerate").status_code == 302
    assert Client().get(f"/agenda/feed/{old}/calendar.ics").status_code == 404
    calendar.refresh_from_db()
    assert Client().get(f"/agenda/feed/{calendar.feed_token}/calendar.ics").status_code == 200


def test_my_agenda_shows_events_i_am_invited_to_with_their_calendar_name() -> None:
    organiser = make_user(first_name="Zoé", last_name="Durand")
    invitee = make_user()
    event = make_event(organiser=organiser, title="Déjeuner", start=dt.datetime(2026, 3, 3, 12))
    make_event(organiser=organiser, title="Pas pour moi", start=dt.datetime(2026, 3, 3, 15))
    actions.invite(actor=organiser, event=event, people=[invitee])
    page = client_for(invitee).get("/agenda/?view=week&date=2026-03-02").content.decode()
    assert "Déjeuner" in page and "Zoé Durand" in page
    assert "Pas pour moi" not in page
    listed = (
        client_for(invitee)
        .get("/api/v1/events?start=2026-03-02T00:00:00Z&end=2026-03-09T00:00:00Z")
        .json()["items"]
    )
    assert [o["title"] for o in listed] == ["Déjeuner"]


def test_a_crowded_day_shows_its_first_occurrences_and_how_many_more() -> None:
    """Past DAY_SHOWN a day, the week, month and list views say how many more and link to the
    day, which lists them all (a person in fifty spaces can have a hundred a day)."""
    from cercle.agenda.views import DAY_SHOWN

    person = make_user()
    for n in range(DAY_SHOWN + 3):
        make_event(organiser=person, title=f"Point {n:02d}", start=dt.datetime(2026, 3, 4, 8, n))
    make_event(organiser=person, title="Le lendemain", start=dt.datetime(2026, 3, 5, 9))
    client = client_for(person)
    for view in ("week", "month", "list"):
        text = client.get(f"/agenda/?view={view}&date=2026-03-02").content.decode()
        shown = [n for n in range(DAY_SHOWN + 3) if f"Point {n:02d}" in text]
        assert shown == list(range(DAY_SHOWN)), view
        assert "3 more" in text and "/agenda/?view=day&amp;date=2026-03-04" in text
        assert "Le lendemain" in text
    day = client.get("/agenda/?view=day&date=2026-03-04").content.decode()
    assert all(f"Point {n:02d}" in day for n in range(DAY_SHOWN + 3))
    assert "agenda-more" not in day
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(person)
    assert "3 autres" in french.get("/agenda/?view=month&date=2026-03-02").content.decode()


def test_the_feed_is_kept_until_the_calendar_changes_and_answers_304_to_its_etag() -> None:
    """Subscribed applications poll the feed: its text is kept in the cache (no event query)
    until an event, an invitation or an answer changes; an unchanged feed is a 304."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person, guest = make_user(), make_user()
    yoga = make_event(organiser=person, title="Yoga", rule="FREQ=WEEKLY;COUNT=10")
    address = f"/agenda/feed/{actions.personal_calendar(person).feed_token}/calendar.ics"
    first = Client().get(address)
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as kept:
        again = Client().get(address)
    assert again.content == first.content and again["ETag"] == etag
    assert not [q for q in kept.captured_queries if "agenda_event" in q["sql"]]
    unchanged = Client().get(address, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    # An invitation, then the guest's answer for one occurrence, then a new event: each shows.
    actions.invite(actor=person, event=yoga, people=[guest])
    invited = Client().get(address, headers={"If-None-Match": etag})
    unfolded = invited.content.replace(b"\r\n ", b"")  # iCalendar folds long lines
    assert invited.status_code == 200 and guest.email.encode() in unfolded
    second = yoga.own_timing().start + dt.timedelta(days=7)
    actions.respond(actor=guest, event=yoga, answer="no", occurrence=second)
    answered = Client().get(address)
    assert answered["ETag"] != invited["ETag"]
    assert b"PARTSTAT=DECLINED" in answered.content.replace(b"\r\n ", b"")
    make_event(organiser=person, title="Pilates")
    assert b"Pilates" in Client().get(address).content
