"""Review 2, finding 2: a reminder is visible to everyone who has not confirmed — their
notification is unread again (read or not), listed at the reminder's time, says "Reminder: …",
the bell is pushed live, and the mail says reminder too; still at most one reminder a day."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from cercle.announcements import actions as announcement_actions
from cercle.core.realtime import user_group
from cercle.notifications import email, queries
from cercle.notifications.models import Notification
from cercle.spaces import queries as space_queries
from tests.factories import make_post, make_user
from tests.helpers.sockets import Listener

pytestmark = pytest.mark.django_db


def listen(user_id: int) -> Listener:
    return Listener(user_group(user_id))


def received(listener: Listener) -> list[dict[str, Any]]:
    return listener.events()


def test_a_reminder_is_unread_again_dated_and_says_reminder(
    django_capture_on_commit_callbacks: Any, smtp_server: Any
) -> None:
    staff = make_user(role="staff", first_name="Francois", last_name="Girard")
    agathe = make_user(first_name="Agathe", email="agathe@example.org")
    bob = make_user(first_name="Bob", email="bob@example.org")
    done = make_user(first_name="Done")
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Mutuelle")
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announcement_actions.announce(actor=staff, post=post, requires_ack=True)
    announcement_actions.acknowledge(actor=done, announcement=announcement)
    first = Notification.objects.get(recipient=agathe)
    assert queries.describe(first) == (
        "Francois Girard asks you to confirm you have read an announcement “Mutuelle”"
    )
    # Sent an hour ago; agathe never opened it, bob read it; both were mailed.
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Notification.objects.update(
        created_at=an_hour_ago, updated_at=an_hour_ago, emailed_at=an_hour_ago
    )
    Notification.objects.filter(recipient=bob).update(read_at=an_hour_ago)
    assert queries.unread_count(bob) == 0

    channels = {agathe.pk: listen(agathe.pk), bob.pk: listen(bob.pk), done.pk: listen(done.pk)}
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.remind(actor=staff, announcement=announcement)

    for person in (agathe, bob):
        [notification] = Notification.objects.filter(recipient=person)  # no second row
        assert notification.read_at is None and notification.is_reminder
        assert notification.updated_at > an_hour_ago + datetime.timedelta(minutes=59)
        assert queries.describe(notification) == (
            "Reminder: Francois Girard asks you to confirm you have read an announcement “Mutuelle”"
        )
        assert queries.unread_count(person) == 1
        [event] = [e for e in received(channels[person.pk]) if e["type"] == "notification.new"]
        assert event["kind"] == "announcement" and event["unread"] == 1
    # Whoever confirmed is not reminded.
    assert received(channels[done.pk]) == []
    assert not Notification.objects.filter(recipient=done, read_at__isnull=True).exists()

    # The list shows the reminder's time and text (in French too).
    client = Client()
    client.force_login(agathe)
    page = client.get("/notifications/").content.decode()
    notification = Notification.objects.get(recipient=agathe)
    assert "Reminder: Francois Girard asks you" in page
    when = timezone.localtime(notification.updated_at)
    assert f'datetime="{when.isoformat()}"' in page
    assert timezone.localtime(an_hour_ago).isoformat() not in page
    with translation.override("fr"):
        assert queries.describe(notification).startswith("Rappel")

    # The mail goes again, after the delay from the reminder, and says reminder.
    assert email.send_due_emails(now=timezone.now()) == 0
    later = timezone.now() + datetime.timedelta(minutes=30)
    assert email.send_due_emails(now=later) == 2
    # (A long subject with “quotes” is folded: its first encoded word may follow a space.)
    subjects = sorted(m["Subject"].strip() for m in smtp_server.messages)
    assert all(s.startswith("[Cercle] Reminder: Francois Girard") for s in subjects), subjects

    # Still once a day.
    with pytest.raises(ValidationError):
        announcement_actions.remind(actor=staff, announcement=announcement)


def test_the_first_sending_is_not_a_reminder(django_capture_on_commit_callbacks: Any) -> None:
    staff = make_user(role="staff")
    person = make_user()
    post = make_post(author=staff, space=space_queries.organisation_space())
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announcement_actions.announce(actor=staff, post=post, requires_ack=True)
        # Re-announcing (retargeting) asks again, but is no reminder either.
        announcement_actions.announce(actor=staff, post=post, requires_ack=True)
    assert announcement.pk
    [notification] = Notification.objects.filter(recipient=person)
    assert not notification.is_reminder
    assert not queries.describe(notification).startswith("Reminder")


def test_the_api_says_reminder(django_capture_on_commit_callbacks: Any) -> None:
    staff = make_user(role="staff")
    person = make_user()
    post = make_post(author=staff, space=space_queries.organisation_space())
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announcement_actions.announce(actor=staff, post=post, requires_ack=True)
    client = Client()
    client.force_login(person)
    [item] = client.get("/api/v1/notifications").json()["items"]
    assert item["is_reminder"] is False
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.remind(actor=staff, announcement=announcement)
    [item] = client.get("/api/v1/notifications").json()["items"]
    assert item["is_reminder"] is True and item["text"].startswith("Reminder:")
    assert item["read"] is False
