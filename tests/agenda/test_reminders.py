"""Reminders: per event and per person with a default, in the app and by e-mail (a real SMTP
server), sent by the sweep once, never for a cancelled occurrence nor to someone who declined."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from cercle.agenda import actions, reminders
from cercle.agenda.models import SentReminder
from cercle.notifications.models import Notification
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PARIS = ZoneInfo("Europe/Paris")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)


def _reminded(person: Any) -> int:
    return Notification.objects.filter(recipient=person, kind="event_reminder").count()


def test_the_default_reminds_ten_minutes_before_once_in_the_app_and_by_mail(
    smtp_server: Any,
) -> None:
    organiser = make_user(email="orga@example.org")
    claire = make_user(email="claire@example.org")
    event = make_event(organiser=organiser, title="Point projet", place="Salle 2")
    actions.invite(actor=organiser, event=event, people=[claire])
    smtp_server.wait_for(1)
    smtp_server.messages.clear()
    assert reminders.send_due_reminders(now=START - dt.timedelta(minutes=11)) == 0
    assert reminders.send_due_reminders(now=START - dt.timedelta(minutes=9)) == 2
    assert _reminded(claire) == 1 and _reminded(organiser) == 1
    mails = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in mails) == ["claire@example.org", "orga@example.org"]
    assert mails[0]["Subject"].startswith("[Cercle] Rappel : Point projet")
    assert "Salle 2" in mails[0].get_content()
    # Never twice: the next sweeps find it sent.
    assert reminders.send_due_reminders(now=START - dt.timedelta(minutes=8)) == 0
    assert reminders.send_due_reminders(now=START) == 0
    assert len(smtp_server.messages) == 2
    assert SentReminder.objects.count() == 2


def test_choices_per_event_and_default_per_person(smtp_server: Any) -> None:
    organiser = make_user()
    claire, bob = make_user(), make_user()
    event = make_event(organiser=organiser)
    actions.invite(actor=organiser, event=event, people=[claire, bob])
    reminders.set_default_reminders(actor=organiser, minutes=[])
    reminders.set_default_reminders(actor=bob, minutes=["60", 1440])
    assert reminders.set_event_reminders(actor=claire, event=event, minutes=[0, 60]) == [0, 60]
    assert reminders.send_due_reminders(now=START - dt.timedelta(days=1)) == 1  # bob, a day
    assert reminders.send_due_reminders(now=START - dt.timedelta(minutes=59)) == 2  # both, 1 h
    assert reminders.send_due_reminders(now=START - dt.timedelta(minutes=9)) == 0  # no one's 10
    assert reminders.send_due_reminders(now=START + dt.timedelta(minutes=1)) == 1  # claire's 0
    assert _reminded(organiser) == 0
    assert _reminded(bob) == 2 and _reminded(claire) == 2
    # Back to the default.
    reminders.set_event_reminders(actor=claire, event=event, minutes=None)
    assert reminders.event_minutes(claire, event) is None


def test_bad_choices_and_strangers_are_refused() -> None:
    organiser = make_user()
    event = make_event(organiser=organiser)
    for bad in ([7], ["x"], [-10], [0, 5, 10, 15, 30, 60]):
        with pytest.raises(ValidationError):
            reminders.set_default_reminders(actor=organiser, minutes=bad)
    with pytest.raises(PermissionDenied):
        reminders.set_event_reminders(actor=make_user(), event=event, minutes=[10])
    assert reminders.default_minutes(organiser) == [10]


def test_no_reminder_for_a_cancelled_occurrence_a_declined_invitation_or_a_late_sweep(
    smtp_server: Any,
) -> None:
    organiser = make_user()
    yes, no = make_user(), make_user()
    event = make_event(organiser=organiser, rule="FREQ=DAILY;COUNT=3")
    actions.invite(actor=organiser, event=event, people=[yes, no])
    actions.respond(actor=no, event=event, answer="no")
    second = START + dt.timedelta(days=1)
    actions.cancel_event(actor=organiser, event=event, scope="this", occurrence=second)
    smtp_server.wait_for(3)
    assert reminders.send_due_reminders(now=START - dt.timedelta(minutes=5)) == 2
    assert _reminded(no) == 0
    assert reminders.send_due_reminders(now=second - dt.timedelta(minutes=5)) == 0
    third = START + dt.timedelta(days=2)
    # Forty minutes after its time: too late, never sent.
    assert reminders.send_due_reminders(now=third + dt.timedelta(minutes=30)) == 0
    assert _reminded(yes) == 1


def test_a_changed_occurrence_is_reminded_at_its_new_time_and_all_day_at_nine(
    smtp_server: Any,
) -> None:
    organiser = make_user()
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=2")
    moved_start = dt.datetime(2026, 3, 9, 14, 0, tzinfo=PARIS)
    actions.change_event(
        actor=organiser,
        event=event,
        scope="this",
        occurrence=START + dt.timedelta(days=7),
        timing=actions.Timing.timed(
            moved_start, moved_start + dt.timedelta(hours=1), "Europe/Paris"
        ),
    )
    assert reminders.send_due_reminders(now=START + dt.timedelta(days=7, minutes=-5)) == 0
    assert reminders.send_due_reminders(now=moved_start - dt.timedelta(minutes=5)) == 1
    holiday = make_event(organiser=organiser, all_day=True, start=dt.date(2026, 4, 6))
    reminders.set_event_reminders(actor=organiser, event=holiday, minutes=[1440])
    nine_the_day_before = dt.datetime(2026, 4, 5, 9, 0, tzinfo=ZoneInfo(organiser.time_zone))
    assert reminders.send_due_reminders(now=nine_the_day_before - dt.timedelta(minutes=1)) == 0
    assert reminders.send_due_reminders(now=nine_the_day_before) == 1


def test_the_command_sends_what_is_due(smtp_server: Any) -> None:
    import io

    out = io.StringIO()
    call_command("send_event_reminders", stdout=out)
    assert "Event reminders sent: 0." in out.getvalue()


def test_the_pages_choose_reminders_for_an_event_and_by_default(client: Any) -> None:
    organiser = make_user()
    claire = make_user()
    event = make_event(organiser=organiser)
    actions.invite(actor=organiser, event=event, people=[claire])
    client.force_login(claire)
    page = client.get(f"/agenda/events/{event.pk}/").content.decode()
    assert "Vos rappels par défaut s'appliquent." in page
    assert 'name="minutes" value="10" checked' in page
    response = client.post(f"/agenda/events/{event.pk}/reminders", {"minutes": ["0", "1440"]})
    assert response.status_code == 302
    assert reminders.event_minutes(claire, event) == [0, 1440]
    client.post(f"/agenda/events/{event.pk}/reminders", {"minutes": ["7"]})
    assert reminders.event_minutes(claire, event) == [0, 1440]  # refused, unchanged
    client.post(f"/agenda/events/{event.pk}/reminders", {"default": "1"})
    assert reminders.event_minutes(claire, event) is None
    assert "Me rappeler" in client.get("/agenda/reminders/").content.decode()
    client.post("/agenda/reminders/", {"minutes": ["60"]})
    assert reminders.default_minutes(claire) == [60]
    # Someone taking no part has no reminders to choose.
    client.force_login(make_user())
    assert "Me rappeler" not in client.get(f"/agenda/events/{event.pk}/").content.decode()
    assert (
        client.post(f"/agenda/events/{event.pk}/reminders", {"minutes": ["0"]}).status_code == 302
    )
    assert SentReminder.objects.count() == 0
