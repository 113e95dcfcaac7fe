"""A person's download: built by the real task, with real files, complete, audited, purged."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.privacy import actions
from cercle.privacy.models import DataExport
from tests.factories import make_user
from tests.privacy.conftest import FIRST, LAST, files_under, seed_person

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _zip(response: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_download_holds_everything_the_person_made(
    django_capture_on_commit_callbacks: Any, storages: dict[str, Path]
) -> None:
    seeded = seed_person()
    client = _client(seeded.person)
    assert client.get(reverse("privacy_my_data")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy_my_data"))
    assert response.status_code == 302
    export = DataExport.objects.get(person=seeded.person)
    assert export.status == DataExport.Status.READY and export.progress == 100
    assert export.expires_at is not None
    assert export.expires_at - export.finished_at == dt.timedelta(days=7)  # type: ignore[operator]
    assert AuditEntry.objects.filter(action="privacy.export_requested", actor=seeded.person)
    assert AuditEntry.objects.filter(action="privacy.export_ready", target_id=str(export.pk))

    page = client.get(reverse("privacy_my_data")).content.decode()
    assert reverse("privacy_export_download", args=[export.pk]) in page
    archive = _zip(client.get(reverse("privacy_export_download", args=[export.pk])))
    names = set(archive.namelist())

    profile = json.loads(archive.read("profile/profile.json"))
    assert (profile["first_name"], profile["last_name"]) == (FIRST, LAST)
    assert profile["profile"]["job_title"] == "Cheffe de projet"
    assert [skill["name"] for skill in profile["skills"]] == ["Gestion de projet"]

    posts = json.loads(archive.read("feed/posts.json"))
    assert [post["text"] for post in posts] == [*seeded.post_bodies, "Sur mon propre mur"]
    (attachment_path,) = posts[0]["files"]
    assert archive.read(attachment_path) == seeded.attachment_bytes
    comments = json.loads(archive.read("feed/comments.json"))
    assert [c["text"] for c in comments] == ["Précision 0", "Précision 1", "Avec plaisir"]
    assert len(json.loads(archive.read("feed/reactions.json"))) == 3

    messages = json.loads(archive.read("messages/messages.json"))
    assert [m["text"] for m in messages] == seeded.message_bodies  # theirs only
    (chat_file,) = messages[0]["files"]
    assert archive.read(chat_file) == seeded.chat_file_bytes

    documents = json.loads(archive.read("documents/documents.json"))
    by_name = {d["document"]: d for d in documents}
    assert archive.read(by_name["budget.txt"]["file"]) == seeded.document_bytes
    assert archive.read(by_name["notes.txt"]["file"]) == b"notes perso\n"
    assert "plan.txt" not in by_name  # the colleague's upload, shared with them
    shares = json.loads(archive.read("documents/shares.json"))
    assert [
        (s["item"], s["with_person"], s["access"]) for s in shares if s["direction"] == "given"
    ] == [("notes.txt", "Bastien Marchal", "write")]
    assert [
        (s["item"], s["owner"], s["access"]) for s in shares if s["direction"] == "received"
    ] == [("plan.txt", "Bastien Marchal", "read")]

    assert any(name.startswith("pages/Projet Orion/Guide du chantier") for name in names)
    ics = archive.read("agenda/events.ics").decode()
    assert "BEGIN:VCALENDAR" in ics and seeded.event_title in ics
    follows = archive.read("profile/people-i-follow.vcf").decode()
    assert "FN:Bastien Marchal" in follows and "BEGIN:VCARD" in follows
    assert "FN:Bastien Marchal" in archive.read("messages/people-i-write-to.vcf").decode()
    spaces = json.loads(archive.read("spaces/spaces.json"))
    assert [m["space"] for m in spaces["memberships"]] == ["Projet Orion"]

    index = archive.read("index.html").decode()
    assert f"Les données de {FIRST} {LAST}" in index  # in the person's language (French)
    assert seeded.post_bodies[0] in index and f'href="{attachment_path}"' in index

    # Someone else cannot download it, nor see that it exists.
    other = _client(make_user())
    assert other.get(reverse("privacy_export_download", args=[export.pk])).status_code == 404
    assert other.get(reverse("privacy_export_status", args=[export.pk])).status_code == 404

    # Seven days later the ZIP is purged: the file is gone and the link with it.
    assert files_under(storages["privacy"])
    later = timezone.now() + dt.timedelta(days=7, seconds=1)
    assert actions.purge_expired_exports(now=later) == 1
    assert files_under(storages["privacy"]) == set()
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED and export.file_name == ""


def test_the_download_in_english() -> None:
    seeded = seed_person(posts=1, messages=1)
    seeded.person.language = "en"
    seeded.person.save(update_fields=["language"])
    export = DataExport.objects.create(person=seeded.person)
    assert actions.build_export(export_id=export.pk) == "ready"
    export.refresh_from_db()
    with actions.export_storage().open(export.file_name, "rb") as stored:
        index = zipfile.ZipFile(stored).read("index.html").decode()
    assert f"The data of {FIRST} {LAST}" in index and 'lang="en"' in index


def test_progress_is_shown_while_the_task_waits() -> None:
    person = make_user()
    client = _client(person)
    client.post(reverse("privacy_my_data"))  # no commit in this test: the task waits
    export = DataExport.objects.get(person=person)
    page = client.get(reverse("privacy_my_data")).content.decode()
    assert 'role="status"' in page and "<progress" in page
    # Asking again while one is waiting queues nothing more.
    client.post(reverse("privacy_my_data"))
    assert DataExport.objects.filter(person=person).count() == 1
    partial = client.get(reverse("privacy_export_status", args=[export.pk]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "HX-Refresh" not in partial


def _export_queries(posts: int, messages: int) -> int:
    seeded = seed_person(posts=posts, messages=messages)
    export = DataExport.objects.create(person=seeded.person)
    with CaptureQueriesContext(connection) as captured:
        actions.build_export(export_id=export.pk)
    return len(captured)


def test_the_export_costs_the_same_queries_for_few_or_many_items() -> None:
    few = _export_queries(2, 2)
    DataExport.objects.all().delete()
    User.objects.all().delete()  # the same person again, with four times as much
    many = _export_queries(8, 8)
    assert few == many
