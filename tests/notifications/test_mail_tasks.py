"""Deferred notification mails: the notifications written together are one task (not one each),
and a mail the server refuses is left to the sweep while the others are sent."""

from __future__ import annotations

import datetime
import email
import email.policy
import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from cercle.feed import actions as feed_actions
from cercle.notifications.models import Notification
from cercle.notifications.tasks import send_notification_emails
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db
Commit = Any


@pytest.fixture
def task_backend(settings: Any) -> Any:
    """The task backend that keeps what is queued (`.results`) instead of running it."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}
    }
    from django_tasks import default_task_backend

    return default_task_backend


def test_one_task_for_the_notifications_of_one_write_and_a_refusal_spares_the_others(
    settings: Any, task_backend: Any, django_capture_on_commit_callbacks: Commit
) -> None:
    anne = make_user(username="anne")
    named = [
        make_user(username=name, email=f"{name}@example.org") for name in ("bob", "cat", "dan")
    ]
    space = make_space(owner=anne, members=named)
    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, space=space, body="Bonjour @bob @cat @dan")
    mentions = Notification.objects.filter(kind="mention").order_by("recipient__username")
    queued = [
        result
        for result in task_backend.results
        if result.task.name in {"send_notification_emails", "send_notification_email"}
    ]
    assert len(queued) == 1 and queued[0].task.name == "send_notification_emails"
    assert sorted(queued[0].args[0]) == sorted(n.pk for n in mentions)
    assert queued[0].task.run_after > timezone.now() + datetime.timedelta(minutes=14)

    # The mail server refuses Cat's address; the delay has passed.
    received: list[Any] = []

    class Handler:
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if address == "cat@example.org":
                return "550 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        mentions.update(created_at=timezone.now() - datetime.timedelta(minutes=30))
        assert send_notification_emails.call(queued[0].args[0]) == 2
    finally:
        controller.stop()
    assert sorted(message["To"] for message in received) == ["bob@example.org", "dan@example.org"]
    emailed = {n.recipient.username: n.emailed_at is not None for n in mentions}
    assert emailed == {"bob": True, "cat": False, "dan": True}  # Cat's: the sweep tries again


def test_a_rolled_back_write_queues_nothing_and_leaves_nothing_for_the_next(
    task_backend: Any, django_capture_on_commit_callbacks: Commit
) -> None:
    from django.db import transaction

    anne = make_user(username="anne")
    bob, cat = make_user(username="bob"), make_user(username="cat")
    space = make_space(owner=anne, members=(bob, cat))
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        feed_actions.create_post(actor=anne, space=space, body="Bonjour @bob")
        raise RuntimeError("refused")
    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, space=space, body="Bonjour @cat")
    queued = [
        result.args[0]
        for result in task_backend.results
        if result.task.name == "send_notification_emails"
    ]
    assert queued == [[Notification.objects.get(recipient=cat, kind="mention").pk]]
    assert not Notification.objects.filter(recipient=bob).exists()
