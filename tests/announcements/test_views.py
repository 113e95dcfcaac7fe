"""The announcement pages: the read-confirmation report (plural counts, the last reminder and
the one-a-day limit), its CSV export in local time, and the confirmation messages."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from cercle.announcements import actions as announcement_actions
from cercle.announcements.models import Announcement
from cercle.notifications.models import Notification
from cercle.spaces import queries as space_queries
from tests.factories import make_department, make_post, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _announced(people: int = 2, time_zone: str = "") -> tuple[Any, Announcement, list[Any]]:
    dept = make_department("Paie")
    targets = [make_user(first_name=f"P{i}", department=dept) for i in range(people)]
    staff = make_user(role="staff")
    if time_zone:
        type(staff).objects.filter(pk=staff.pk).update(time_zone=time_zone)
        staff.refresh_from_db()
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Mutuelle")
    announcement = announcement_actions.announce(
        actor=staff, post=post, departments=[dept], requires_ack=True
    )
    return staff, announcement, targets


def test_report_counts_use_plural_forms() -> None:
    staff, announcement, (first, second, third) = _announced(3)
    announcement_actions.acknowledge(actor=first, announcement=announcement)
    page = client_for(staff).get(f"/announcements/{announcement.pk}/").content.decode()
    assert "1 person has confirmed, 2 have not yet." in page
    announcement_actions.acknowledge(actor=second, announcement=announcement)
    announcement_actions.acknowledge(actor=third, announcement=announcement)
    page = client_for(staff).get(f"/announcements/{announcement.pk}/").content.decode()
    assert "3 people have confirmed, 0 have not yet." in page
    # Everyone confirmed: nobody left to remind.
    assert "Remind those who have not confirmed" not in page


def test_one_reminder_a_day_with_the_last_one_shown(
    django_capture_on_commit_callbacks: Any,
) -> None:
    staff, announcement, (_anne, _bob) = _announced(2)
    client = client_for(staff)
    page = client.get(f"/announcements/{announcement.pk}/").content.decode()
    assert "No reminder sent yet." in page
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/announcements/{announcement.pk}/remind/", follow=True)
    assert "A reminder is on its way" in sent.content.decode()
    assert Notification.objects.count() == 2
    announcement.refresh_from_db()
    first = announcement.last_reminded_at
    assert first is not None
    page = client.get(f"/announcements/{announcement.pk}/").content.decode()
    assert "Last reminded on" in page and "The next reminder can be sent from" in page
    assert "disabled" in page

    # A second click within 24 hours is refused with a clear message; nothing is sent.
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/announcements/{announcement.pk}/remind/", follow=True)
    assert "A reminder was already sent on" in again.content.decode()
    assert Notification.objects.count() == 0
    announcement.refresh_from_db()
    assert announcement.last_reminded_at == first
    with pytest.raises(ValidationError):
        announcement_actions.remind(actor=staff, announcement=announcement)

    # A day later, it is allowed again.
    Announcement.objects.filter(pk=announcement.pk).update(
        last_reminded_at=timezone.now() - datetime.timedelta(hours=24, minutes=1)
    )
    announcement.refresh_from_db()
    assert "disabled" not in client.get(f"/announcements/{announcement.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.remind(actor=staff, announcement=announcement)
    assert Notification.objects.count() == 2


def test_csv_times_are_local_and_spreadsheet_friendly() -> None:
    staff, announcement, (anne, _bob) = _announced(2, time_zone="America/New_York")
    announcement_actions.acknowledge(actor=anne, announcement=announcement)
    receipt = announcement.receipts.get(user=anne)
    utc = datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC)
    type(receipt).objects.filter(pk=receipt.pk).update(acknowledged_at=utc)
    exported = client_for(staff).get(f"/announcements/{announcement.pk}/acknowledgements.csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert lines[0][-1] == "Read and understood (America/New_York)"
    times = {line[0]: line[-1] for line in lines[1:]}
    assert times[anne.display_name] == "2026-07-01 08:30"  # EDT, UTC-4
    assert times["P1 " + _bob.last_name] == ""


def test_acknowledging_and_dismissing_say_so() -> None:
    staff, announcement, (anne, _bob) = _announced(2)
    done = client_for(anne).post(
        f"/announcements/{announcement.pk}/receipt/", {"ack": "1"}, follow=True
    )
    assert "Thank you: your confirmation is recorded." in done.content.decode()
    plain = announcement_actions.announce(
        actor=staff,
        post=make_post(author=staff, space=space_queries.organisation_space(), body="Info"),
    )
    dismissed = client_for(anne).post(f"/announcements/{plain.pk}/receipt/", follow=True)
    assert "The announcement is hidden from your feed." in dismissed.content.decode()


def test_a_second_reminder_through_the_api_is_a_400() -> None:
    from tests.helpers.api import api

    staff, announcement, _people = _announced(1)
    first = api(staff).post(f"/api/v1/announcements/{announcement.pk}/remind")
    assert first.status_code == 200 and first.json()["last_reminded_at"]
    again = api(staff).post(f"/api/v1/announcements/{announcement.pk}/remind")
    assert again.status_code == 400 and "already sent" in str(again.json()["detail"])
