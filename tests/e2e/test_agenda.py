"""Browser (issue 11), in French, on a phone and a desktop: an organiser creates a weekly meeting
and invites two colleagues; one accepts, the other declines with a comment; the organiser sees
who answered what; moves one occurrence (that week only); and the calendar's subscription
address downloads a valid iCalendar file with the series and the moved occurrence."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from tests.factories import PASSWORD, make_user
from tests.helpers.browser import log_in

WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("device", list(WIDTHS))
def test_a_weekly_meeting_answered_moved_once_and_subscribed_to(
    new_page: Any, transactional_db: Any, device: str
) -> None:
    from cercle.agenda.models import Answer, Event, Invitation, Occurrence

    width, height = WIDTHS[device]
    for username, first, last in (
        ("claire", "Claire", "Martin"),
        ("paul", "Paul", "Durand"),
        ("lea", "Léa", "Petit"),
    ):
        person = make_user(username=username, first_name=first, last_name=last)
        person.time_zone = "Europe/Paris"
        person.save(update_fields=["time_zone"])
    today = timezone.now().astimezone(PARIS).date()
    first_monday = today + dt.timedelta(days=7 - today.weekday())  # next week's Monday
    second_monday = first_monday + dt.timedelta(days=7)

    organiser = new_page(locale="fr-FR", width=width, height=height)
    log_in(organiser, "claire", PASSWORD)
    organiser.goto("/agenda/new/")
    assert organiser.get_by_role("heading", level=1).inner_text() == "Nouvel événement"
    organiser.get_by_label("Titre").fill("Point d'équipe")
    organiser.get_by_label("Date de début").fill(first_monday.isoformat())
    organiser.get_by_label("Heure de début").fill("10:00")
    organiser.get_by_label("Date de fin").fill(first_monday.isoformat())
    organiser.get_by_label("Heure de fin").fill("11:00")
    organiser.get_by_label("Répétition").select_option("weekly")
    organiser.get_by_label("Lundi").check()
    organiser.get_by_label("Inviter (identifiants, séparés par des virgules)").fill("paul, lea")
    organiser.get_by_role("button", name="Créer").click()
    organiser.wait_for_url("**/agenda/events/*/")
    event = Event.objects.get(title="Point d'équipe")
    assert "BYDAY=MO" in event.rule and "FREQ=WEEKLY" in event.rule
    assert sorted(
        Invitation.objects.filter(event=event).values_list("person__username", flat=True)
    ) == ["lea", "paul"]

    # Paul accepts the series; Léa declines it, with a comment.
    for username, answer, comment in (("paul", "Oui", ""), ("lea", "Non", "En congé")):
        guest = new_page(locale="fr-FR", width=width, height=height)
        log_in(guest, username, PASSWORD)
        guest.goto(f"/agenda/events/{event.pk}/")
        assert guest.get_by_role("heading", name="Viendrez-vous ?").is_visible()
        if comment:
            guest.get_by_label("Commentaire (facultatif)").fill(comment)
        guest.get_by_role("button", name=answer, exact=True).click()
        guest.wait_for_url(f"**/agenda/events/{event.pk}/**")
        assert answer in guest.locator(".card", has_text="Viendrez-vous ?").inner_text()
    answers = dict(Invitation.objects.filter(event=event).values_list("person__username", "answer"))
    assert answers == {"paul": Answer.YES, "lea": Answer.NO}

    # The organiser sees who answered what.
    organiser.goto(f"/agenda/events/{event.pk}/")
    invited = organiser.locator("section", has=organiser.get_by_role("heading", name="Invité"))
    rows = invited.locator("li").all_inner_texts()
    assert any(row.startswith("Paul Durand") and "Oui" in row for row in rows), rows
    assert any(row.startswith("Léa Petit") and "Non" in row and "En congé" in row for row in rows)

    # The second week's meeting moves to the afternoon, that week only.
    organiser.goto(f"/agenda/?view=day&date={second_monday.isoformat()}")
    organiser.get_by_role("link", name="Point d'équipe").first.click()
    organiser.wait_for_url(f"**/agenda/events/{event.pk}/?occurrence=*")
    organiser.get_by_role("link", name="Modifier cette occurrence").click()
    organiser.get_by_label("Heure de début").fill("14:00")
    organiser.get_by_label("Heure de fin").fill("15:00")
    organiser.get_by_role("button", name="Enregistrer").click()
    organiser.wait_for_url(f"**/agenda/events/{event.pk}/**")
    assert "14:00 – 15:00" in organiser.locator(".agenda-when").inner_text()
    moved = Occurrence.objects.get(event=event)
    assert moved.start.astimezone(PARIS).time() == dt.time(14)
    assert moved.recurrence_id.astimezone(PARIS).date() == second_monday
    # The first week keeps its morning.
    organiser.goto(f"/agenda/?view=day&date={first_monday.isoformat()}")
    assert "10:00" in organiser.locator("main").inner_text()

    # The subscription address downloads the calendar: the series and its moved occurrence.
    organiser.goto("/agenda/")
    feed_url = organiser.get_by_label("Adresse d'abonnement de mon agenda").input_value()
    downloaded = organiser.request.get(feed_url)  # no session: the address is the key
    assert downloaded.status == 200
    assert downloaded.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(downloaded.body())
    mine = [v for v in calendar.walk("VEVENT") if str(v["UID"]) == event.uid]
    master = next(v for v in mine if "RECURRENCE-ID" not in v)
    override = next(v for v in mine if "RECURRENCE-ID" in v)
    assert "WEEKLY" in master["RRULE"].to_ical().decode()
    assert override.decoded("DTSTART").astimezone(PARIS).time() == dt.time(14)
