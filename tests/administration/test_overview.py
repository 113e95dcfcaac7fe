"""The administration's first page: people, spaces, storage, the task queue, the last import and
the last mail, in a fixed number of queries (issue 17)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cercle.accounts.actions import people
from cercle.accounts.models import Role, User
from cercle.administration import actions, queries
from cercle.core.models import MailRecord
from cercle.spaces.models import Space
from tests.factories import make_admin, make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    (tmp_path / "media" / "photos" / "2026").mkdir(parents=True)
    (tmp_path / "media" / "photos" / "2026" / "a.jpg").write_bytes(b"x" * 3000)
    (tmp_path / "media" / "logo.png").write_bytes(b"y" * 1000)
    cache.delete(queries.STORAGE_CACHE_KEY)


def client_for(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def _task(status: str, minutes_ago: int) -> None:
    when = timezone.now() - timedelta(minutes=minutes_ago)
    result = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="cercle.accounts.tasks.send_invitations",
        backend_name="default",
        queue_name="default",
        run_after=when,
    )
    DBTaskResult.objects.filter(pk=result.pk).update(enqueued_at=when)


def _seed(admin: User, n: int) -> None:
    for i in range(n):
        make_user(first_name=f"P{i}")
        make_space(name=f"Space {i}")
    people.invite_person(
        actor=admin, email=f"new{n}@example.org", first_name="N", last_name="N", send=False
    )
    gone = make_user()
    people.deactivate_person(actor=admin, person=gone)


def test_the_overview_counts_everything_in_a_fixed_number_of_queries(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    admin = make_admin(first_name="Ada", last_name="Admin")
    client = client_for(admin)
    _seed(admin, 2)
    client.get(reverse("admin_index"))  # warm the session, the organisation and storage caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("admin_index")).status_code == 200
    _seed(admin, 12)
    _task(TaskResultStatus.READY, 90)
    _task(TaskResultStatus.READY, 5)
    _task(TaskResultStatus.FAILED, 30)
    actions.start_import(actor=admin, filename="team.csv", data=b"email,first_name,last_name\n")
    MailRecord.objects.create(pk=1, sent_at=timezone.now(), recipients=3, subject="Bienvenue")
    with CaptureQueriesContext(connection) as big:
        response = client.get(reverse("admin_index"))
    assert len(big) == len(small)
    overview = response.context["overview"]
    # Invited people are active accounts with a pending invitation: not counted as active.
    active = User.objects.filter(is_active=True).count() - 2
    assert (overview.people.active, overview.people.invited, overview.people.deactivated) == (
        active,
        2,
        2,
    )
    # The organisation's own space is there from the start.
    assert overview.spaces.active == 14 + Space.objects.exclude(name__startswith="Space ").count()
    assert overview.spaces.archived == 0
    assert overview.storage.bytes == 4000 and overview.storage.files == 2
    assert (overview.tasks.queued, overview.tasks.failed) == (2, 1)
    assert timezone.now() - overview.tasks.oldest_queued > timedelta(minutes=89)
    assert overview.last_import.filename == "team.csv"
    assert overview.last_mail.subject == "Bienvenue"
    body = response.content.decode()
    assert "team.csv" in body and "Ada Admin" in body and "Bienvenue" in body
    assert "3.9" in body  # 4000 bytes: "3.9 KB"


def test_hr_sees_people_and_imports_but_not_the_it_figures() -> None:
    hr = make_user(role=Role.STAFF)
    response = client_for(hr).get(reverse("admin_index"))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.storage is None and overview.tasks is None and overview.last_mail is None
    assert "Task queue" not in response.content.decode()
    assert client_for(make_user()).get(reverse("admin_index")).status_code == 403
