"""The person's own download over the API (`/api/v1/me/data-exports`), with a personal token:
asked for, built by the real task, followed, downloaded; someone else's is a 404; not ready is a
409, expired a 410; only the caller's own, and asking twice queues one."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cercle.accounts.actions.auth import create_api_token
from cercle.audit.models import AuditEntry
from cercle.privacy import actions
from cercle.privacy.models import DataExport
from tests.factories import make_user
from tests.privacy.conftest import FIRST, LAST, seed_person

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/data-exports"


def _api(user: Any) -> Client:
    _token, secret = create_api_token(user=user, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_ask_follow_and_download_my_data(
    django_capture_on_commit_callbacks: Any, storages: dict[str, Path]
) -> None:
    seeded = seed_person(posts=1, messages=1)
    api = _api(seeded.person)
    assert api.get(URL).json() == []
    with django_capture_on_commit_callbacks(execute=True):
        asked = api.post(URL, content_type="application/json")
    assert asked.status_code == 202, asked.content
    export_id = asked.json()["id"]
    assert AuditEntry.objects.filter(action="privacy.export_requested", actor=seeded.person)
    status = api.get(f"{URL}/{export_id}").json()
    assert (status["status"], status["progress"]) == ("ready", 100)
    assert status["size"] > 0 and status["expires_at"]
    assert status["download_url"] == f"{URL}/{export_id}/zip"
    assert [e["id"] for e in api.get(URL).json()] == [export_id]
    download = api.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    archive = zipfile.ZipFile(io.BytesIO(content))
    profile = json.loads(archive.read("profile/profile.json"))
    assert (profile["first_name"], profile["last_name"]) == (FIRST, LAST)
    assert "index.html" in archive.namelist()

    # Someone else's token sees nothing of it.
    other = _api(make_user())
    assert other.get(f"{URL}/{export_id}").status_code == 404
    assert other.get(f"{URL}/{export_id}/zip").status_code == 404
    assert other.get(URL).json() == []

    # Expired: 410, and no link any more.
    actions.purge_expired_exports(now=timezone.now() + dt.timedelta(days=8))
    assert api.get(f"{URL}/{export_id}").json()["download_url"] is None
    gone = api.get(f"{URL}/{export_id}/zip")
    assert gone.status_code == 410 and gone.json()["detail"]


def test_not_ready_is_409_and_asking_twice_queues_one() -> None:
    person = make_user()
    api = _api(person)
    first = api.post(URL, content_type="application/json")  # no commit: the task waits
    second = api.post(URL, content_type="application/json")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["status"] == "queued" and first.json()["download_url"] is None
    assert DataExport.objects.filter(person=person).count() == 1
    waiting = api.get(f"{URL}/{first.json()['id']}/zip")
    assert waiting.status_code == 409 and waiting.json()["detail"]


def test_unknown_export_and_no_credentials() -> None:
    api = _api(make_user())
    assert api.get(f"{URL}/999999").status_code == 404
    assert api.get(f"{URL}/not-a-number").status_code in {404, 422}
    assert Client().get(URL).status_code == 401
    assert Client().post(URL, content_type="application/json").status_code == 401
    assert not DataExport.objects.exists()
