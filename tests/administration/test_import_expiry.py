"""Abandoned CSV imports: their files are erased after a day; interrupted ones end as failed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cercle.administration import actions
from cercle.administration.models import ImportJob
from tests.factories import make_admin

pytestmark = pytest.mark.django_db

INVALID_FILE = b"email,first_name,last_name\nbad,Zo\xc3\xa9,Secret\nok@example.org,Ana,Lys\n"


def aged(job: ImportJob, status: str, age: timedelta) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=status, updated_at=timezone.now() - age)
    job.refresh_from_db()
    return job


def test_a_file_left_waiting_a_day_is_cancelled_and_erased() -> None:
    admin = make_admin()
    fresh = actions.start_import(actor=admin, filename="fresh.csv", data=INVALID_FILE)
    old = actions.start_import(actor=admin, filename="old.csv", data=INVALID_FILE)
    aged(fresh, ImportJob.Status.INVALID, timedelta(hours=23))
    aged(old, ImportJob.Status.INVALID, timedelta(hours=25))
    assert actions.expire_import_jobs() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == ImportJob.Status.CANCELLED and old.content == ""
    assert old.finished_at is not None
    assert fresh.status == ImportJob.Status.INVALID and "Secret" in fresh.content
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("admin_import_job", args=[old.pk]), headers={"Accept-Language": "en"})
    assert "waited 24 hours" in page.content.decode()
    # Nothing more to do the second time.
    assert actions.expire_import_jobs() == 0


def test_an_import_whose_worker_stopped_is_failed_with_a_message_in_its_language() -> None:
    admin = make_admin()
    running = actions.start_import(
        actor=admin, filename="big.csv", data=INVALID_FILE, language="fr"
    )
    moving = actions.start_import(actor=admin, filename="moving.csv", data=INVALID_FILE)
    aged(running, ImportJob.Status.IMPORTING, timedelta(minutes=16))
    aged(moving, ImportJob.Status.IMPORTING, timedelta(minutes=2))
    call_command("expire_import_jobs", verbosity=0)
    running.refresh_from_db()
    moving.refresh_from_db()
    assert running.status == ImportJob.Status.FAILED and running.content == ""
    assert "interrompue" in running.report["file_error"]
    assert not running.is_running
    assert moving.status == ImportJob.Status.IMPORTING


def test_the_import_page_stops_polling_an_interrupted_import() -> None:
    admin = make_admin()
    job = actions.start_import(actor=admin, filename="x.csv", data=INVALID_FILE)
    aged(job, ImportJob.Status.VALIDATING, timedelta(hours=1))
    client = Client()
    client.force_login(admin)
    fragment = client.get(
        reverse("admin_import_job", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert fragment["HX-Refresh"] == "true"
    page = client.get(reverse("admin_import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' not in page
    assert "interrompue" in page  # the admin reads French, the default language
