"""Files in an S3-compatible store (`S3_BUCKET`…), against a real S3 server on loopback: moto's
server mode (HTTP, the S3 API, signatures checked by boto3 on both sides). The storages are the
ones `cercle/settings.py` builds from the environment, read by running the settings file again
with the S3 variables set, so a change there is what these tests see.

What is checked: each store under its prefix; a file through the API, WebDAV and a new version,
read back byte for byte and gone from the bucket once purged from the trash; an upload in chunks
(each chunk its own object, S3 cannot append, the chunks deleted at the finish); a person's data
download built into the bucket and read back; an erasure that leaves no object of theirs."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import logging
import os
import runpy
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import boto3  # type: ignore[import-untyped]
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import cercle.settings
from cercle.accounts.actions.auth import create_api_token
from cercle.documents import actions as documents_actions
from cercle.documents.models import Blob, Document, UploadSession
from cercle.privacy.models import DataExport
from tests.factories import make_admin, make_user
from tests.helpers.api import api, call
from tests.helpers.documents import root_for
from tests.helpers.files import image_bytes
from tests.privacy.conftest import USERNAME, seed_person

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
KEY_ID, SECRET = "cercle-test", "cercle-test-secret"
STORES = ("default", "documents", "privacy", "news", "pages")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 server on loopback for the test session (one per xdist worker)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per S3 request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    client: Any
    name: str

    def objects(self, prefix: str = "") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return cast(bytes, self.client.get_object(Bucket=self.name, Key=key)["Body"].read())


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """A new bucket, and every store of the settings put in it the way production's are."""
    name = f"cercle-{uuid.uuid4().hex[:16]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    for variable, value in {
        "S3_BUCKET": name,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": KEY_ID,
        "S3_SECRET_ACCESS_KEY": SECRET,
    }.items():
        monkeypatch.setenv(variable, value)
    configured = runpy.run_path(cercle.settings.__file__)["STORAGES"]
    settings.STORAGES = configured  # Django's `storages` forgets its instances on this change
    return Bucket(client, name)


def test_each_store_is_under_its_prefix_without_local_paths(bucket: Bucket) -> None:
    for alias in STORES:
        storage: Any = storages[alias]
        assert type(storage).__name__ == "S3Storage", alias
        assert storage.bucket_name == bucket.name
        with pytest.raises(NotImplementedError):
            storage.path("x")
    located: Any = {alias: getattr(storages[alias], "location", None) for alias in STORES}
    assert located == {
        "default": "",
        "documents": "documents",
        "privacy": "privacy",
        "news": "news",
        "pages": "pages",
    }
    # Private: a file's address is signed and expires (never a public object).
    storages["default"].save("probe.txt", ContentFile(b"x"))
    url = storages["default"].url("probe.txt")
    assert "Signature=" in url or "X-Amz-Signature=" in url
    assert bucket.objects() == {"probe.txt"}


def _download(client: Client, file_id: int) -> bytes:
    response = client.get(f"/api/v1/files/{file_id}/download")
    assert response.status_code == 200
    return b"".join(cast(Any, response).streaming_content)


def test_a_file_through_the_api_and_webdav_then_purged(
    bucket: Bucket, django_capture_on_commit_callbacks: Any
) -> None:
    anne = make_user(username="anne")
    root = root_for(owner=anne)
    client = api(anne)
    first = os.urandom(300 * 1024)
    upload = io.BytesIO(first)
    upload.name = "rapport.bin"
    made = client.post("/api/v1/files", {"folder_id": root.pk, "file": upload})
    assert made.status_code == 201, made.content
    file_id = made.json()["file"]["id"]
    [key] = bucket.objects("documents/")
    assert key == "documents/" + Blob.objects.get().key
    assert bucket.read(key) == first
    assert _download(client, file_id) == first

    # WebDAV: the same file read, then a new version written over it.
    _token, secret = create_api_token(user=anne, name="WebDAV")
    auth = "Basic " + base64.b64encode(f"anne:{secret}".encode()).decode()
    dav = Client()
    path = "/dav/files/My%20documents/rapport.bin"
    got = dav.get(path, HTTP_AUTHORIZATION=auth)
    assert got.status_code == 200
    assert b"".join(cast(Any, got).streaming_content) == first
    second = b"version 2\n" * 1000
    put = dav.generic(
        "PUT", path, second, content_type="application/octet-stream", HTTP_AUTHORIZATION=auth
    )
    assert put.status_code == 204, put.content
    document = Document.objects.get(pk=file_id)
    assert [v.number for v in document.versions.all()] == [2, 1]
    assert len(bucket.objects("documents/")) == 2
    assert _download(client, file_id) == second
    assert document.current is not None
    assert document.current.blob.sha256 == hashlib.sha256(second).hexdigest()

    # Deleted, then purged from the trash: no object left.
    assert client.delete(f"/api/v1/files/{file_id}").status_code == 204
    assert len(bucket.objects("documents/")) == 2  # the trash keeps them
    later = timezone.now() + dt.timedelta(days=365)
    with django_capture_on_commit_callbacks(execute=True):  # objects go once the rows have
        assert documents_actions.purge_trash(now=later) == 1
    assert bucket.objects("documents/") == set()


def test_an_upload_in_chunks_keeps_each_chunk_apart_then_one_object(bucket: Bucket) -> None:
    anne = make_user(username="anne")
    root = root_for(owner=anne)
    client = api(anne)
    data = os.urandom(2 * MB + 12345)
    made = call(
        client,
        "POST",
        "/api/v1/files/uploads",
        {"folder_id": root.pk, "name": "a.bin", "size": len(data)},
    )
    assert made.status_code == 201, made.content
    url = made.json()["url"]
    offset = 0
    while offset < len(data):
        sent = client.put(
            f"{url}?offset={offset}",
            data[offset : offset + MB],
            content_type="application/octet-stream",
        )
        assert sent.status_code == 200, sent.content
        offset = sent.json()["offset"]
    session = UploadSession.objects.get()
    parts = {f"documents/{name}" for name, _size in session.parts}
    assert len(parts) == 3 and bucket.objects("documents/") == parts
    finished = client.post(url + "/finish")
    assert finished.status_code == 201, finished.content
    # The chunks are gone; one object holds the file.
    assert bucket.objects("documents/") == {"documents/" + Blob.objects.get().key}
    assert _download(client, finished.json()["file"]["id"]) == data
    assert not UploadSession.objects.exists()


def _zip(response: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_persons_download_and_erasure(
    bucket: Bucket, django_capture_on_commit_callbacks: Any
) -> None:
    seeded = seed_person()
    person = seeded.person
    person.profile.photo.save("portrait.png", ContentFile(image_bytes()), save=True)
    photo = person.profile.photo.name
    assert photo in bucket.objects()

    browser = Client()
    browser.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(reverse("privacy_my_data")).status_code == 302
    export = DataExport.objects.get(person=person)
    assert export.status == DataExport.Status.READY
    assert bucket.objects("privacy/") == {f"privacy/{export.file_name}"}
    archive = _zip(browser.get(reverse("privacy_export_download", args=[export.pk])))
    documents = {d["document"]: d for d in json.loads(archive.read("documents/documents.json"))}
    assert archive.read(documents["budget.txt"]["file"]) == seeded.document_bytes
    posts = json.loads(archive.read("feed/posts.json"))
    assert archive.read(posts[0]["files"][0]) == seeded.attachment_bytes

    admin = Client()
    admin.force_login(make_admin())
    with django_capture_on_commit_callbacks(execute=True):
        erased = admin.post(
            reverse("privacy_erase", args=[person.pk]),
            {"shared_content": "delete", "confirm": USERNAME},
        )
    assert erased.status_code == 302
    # Their photo, their download and their own files are gone from the bucket; what is left is
    # what rows still name (the colleague's files).
    left = bucket.objects()
    assert photo not in left and not bucket.objects("privacy/")
    named = {"documents/" + key for key in Blob.objects.values_list("key", flat=True)}
    assert bucket.objects("documents/") == named
    assert Path(photo).name not in {Path(key).name for key in left}
