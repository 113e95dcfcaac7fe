"""Review 2, finding 3: the "please confirm" notification of an announcement is marked read when
the person confirms (or dismisses), and for everyone when the announcement ends for them
(withdrawn, deleted, hidden, retargeted away) — each bell lowered live."""

from __future__ import annotations

from typing import Any

import pytest

from cercle.announcements import actions as announcement_actions
from cercle.core.realtime import user_group
from cercle.feed import actions
from cercle.feed.models import Report
from cercle.notifications import queries as notification_queries
from cercle.notifications.models import Notification
from cercle.spaces import queries as space_queries
from tests.factories import make_department, make_post, make_user
from tests.helpers.sockets import Listener

pytestmark = pytest.mark.django_db


def listen(user_id: int) -> Listener:
    return Listener(user_group(user_id))


def received(listener: Listener) -> list[dict[str, Any]]:
    return listener.events()


def announced(capture: Any, **options: Any) -> tuple[Any, Any]:
    staff = make_user(role="staff")
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Mutuelle")
    with capture(execute=True):
        announcement = announcement_actions.announce(
            actor=staff, post=post, requires_ack=True, **options
        )
    return staff, announcement


def unread(person: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, read_at__isnull=True))


def test_confirming_marks_the_notification_read_and_lowers_the_bell(
    django_capture_on_commit_callbacks: Any,
) -> None:
    camille, other = make_user(), make_user()
    _staff, announcement = announced(django_capture_on_commit_callbacks)
    assert notification_queries.unread_count(camille) == 1
    channel = listen(camille.pk)
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.acknowledge(actor=camille, announcement=announcement)
    assert unread(camille) == []
    assert notification_queries.unread_count(camille) == 0
    events = [e for e in received(channel) if e["type"] == "notification.read"]
    assert len(events) == 1 and events[0]["unread"] == 0 and len(events[0]["ids"]) == 1
    # Only hers: the colleague is still asked.
    assert len(unread(other)) == 1
    # Confirming again changes nothing and pushes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.acknowledge(actor=camille, announcement=announcement)
    assert received(channel) == []


def test_confirming_through_the_page_marks_it_read(
    django_capture_on_commit_callbacks: Any, client: Any
) -> None:
    camille = make_user()
    _staff, announcement = announced(django_capture_on_commit_callbacks)
    client.force_login(camille)
    response = client.post(f"/announcements/{announcement.pk}/receipt/", {"ack": "1"})
    assert response.status_code in (200, 302)
    assert unread(camille) == []


def test_dismissing_marks_a_notification_of_the_group_read(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """An announcement that does not ask for confirmation sends none, but one left from when it
    did (then retargeted without it) goes when dismissed."""
    camille = make_user()
    _staff, announcement = announced(django_capture_on_commit_callbacks)
    Notification.objects.filter(recipient=camille).update(read_at=None)
    announcement.requires_ack = False
    announcement.save(update_fields=["requires_ack"])
    announcement_actions.dismiss_announcement(actor=camille, announcement=announcement)
    assert unread(camille) == []


def test_withdrawing_ends_everyones_notification_live(
    django_capture_on_commit_callbacks: Any,
) -> None:
    anne, bob = make_user(), make_user()
    staff, announcement = announced(django_capture_on_commit_callbacks)
    channel = listen(bob.pk)
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.unannounce(actor=staff, post=announcement.post)
    assert unread(anne) == [] and unread(bob) == []
    events = [e for e in received(channel) if e["type"] == "notification.read"]
    assert len(events) == 1 and events[0]["unread"] == 0


def test_no_longer_asking_or_no_longer_targeted_ends_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    sales, hr = make_department("Ventes"), make_department("RH")
    seller, hr_person = make_user(department=sales), make_user(department=hr)
    staff, announcement = announced(django_capture_on_commit_callbacks, departments=[sales, hr])
    assert len(unread(seller)) == 1 and len(unread(hr_person)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.announce(
            actor=staff, post=announcement.post, departments=[sales], requires_ack=True
        )
    assert len(unread(seller)) == 1 and unread(hr_person) == []
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.announce(actor=staff, post=announcement.post, departments=[sales])
    assert unread(seller) == []


def test_hiding_or_deleting_the_post_ends_it(django_capture_on_commit_callbacks: Any) -> None:
    camille = make_user()
    staff, announcement = announced(django_capture_on_commit_callbacks)
    report = Report.objects.create(post=announcement.post, reporter=camille, reason="spam")
    actions.decide_report(actor=make_user(role="admin"), report=report, hide=True)
    assert unread(camille) == []

    staff, second = announced(django_capture_on_commit_callbacks)
    assert len(unread(camille)) == 1
    channel = listen(camille.pk)
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_post(actor=staff, post=second.post)
    assert unread(camille) == []
    assert [e["unread"] for e in received(channel) if e["type"] == "notification.read"] == [0]
