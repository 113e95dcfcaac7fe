"""WebDAV (`/dav/files/`, `documents/dav.py`) through Django's test client: authentication, the
rules of the pages (404 for what one may not see, 403 for what one may not change), versions and the
trash, locks shared with the pages, bad input (never a 500), and the queries of a listing.

The protocol itself is checked by litmus against a real server: `test_dav_live.py`."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from defusedxml import ElementTree
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cercle.accounts.actions.auth import create_api_token
from cercle.audit.models import AuditEntry
from cercle.documents import actions, queries
from cercle.documents import dav as dav_module
from cercle.documents.models import Blob, DeadProperty, Document, Folder, Lock
from cercle.notifications.models import Notification
from tests.factories import add_member, make_space, make_user
from tests.helpers.documents import add_file, add_folder, root_for

pytestmark = pytest.mark.django_db

MINE = "/dav/files/My%20documents"
LOCKINFO = (
    b'<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:">'
    b"<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
    b"<D:owner>test</D:owner></D:lockinfo>"
)


class Dav:
    """A WebDAV client for one person: HTTP Basic with their login and a personal token."""

    def __init__(self, user: Any, login: str | None = None, secret: str | None = None) -> None:
        if secret is None:
            _token, secret = create_api_token(user=user, name="WebDAV")
        credentials = f"{login or user.username}:{secret}".encode()
        self.auth = "Basic " + base64.b64encode(credentials).decode()
        self.client = Client()

    def __call__(self, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        response = self.client.generic(
            method,
            path,
            body,
            content_type=headers.pop("content_type", "application/xml"),
            HTTP_AUTHORIZATION=self.auth,
            **extra,
        )
        if response.streaming:
            response.data = b"".join(response.streaming_content)
        else:
            response.data = response.content
        return response


def hrefs(response: Any) -> list[str]:
    tree = ElementTree.fromstring(response.data)
    return [e.text or "" for e in tree.iter("{DAV:}href")]


@pytest.fixture
def private_space(anne: Any) -> Any:
    return make_space(owner=anne, kind="private", name="Projets")


@pytest.fixture
def open_space(anne: Any) -> Any:
    return make_space(owner=anne, kind="open", name="Annonces")


# --- Authentication ----------------------------------------------------------------------------


def test_without_credentials_the_answer_is_a_basic_challenge(anne: Any) -> None:
    response = Client().generic("PROPFIND", "/dav/files/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Basic realm="Cercle"')


def test_a_token_opens_by_username_or_email(anne: Any) -> None:
    _token, secret = create_api_token(user=anne, name="WebDAV")
    for login in ("anne", "ANNE@example.org"):
        response = Dav(anne, login=login, secret=secret)("PROPFIND", "/dav/files/", Depth="0")
        assert response.status_code == 207, login


def test_a_password_a_wrong_token_or_someone_elses_token_is_refused(anne: Any, bruno: Any) -> None:
    _token, bruno_secret = create_api_token(user=bruno, name="WebDAV")
    refused = [
        Dav(anne, secret="correct horse battery staple"),
        Dav(anne, secret="crc_nothing"),
        Dav(anne, secret=bruno_secret),  # bruno's token with anne's name
    ]
    for dav in refused:
        assert dav("PROPFIND", "/dav/files/", Depth="0").status_code == 401


def test_the_session_cookie_does_not_open_webdav(anne: Any) -> None:
    client = Client()
    client.force_login(anne)
    assert client.generic("PROPFIND", "/dav/files/").status_code == 401


def test_failed_attempts_are_limited_like_the_sign_in(anne: Any) -> None:
    wrong = Dav(anne, secret="crc_wrong")
    statuses = [wrong("PROPFIND", "/dav/files/").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5
    assert statuses[-1] == 429
    # Even the right token waits once the limit is reached.
    assert Dav(anne)("PROPFIND", "/dav/files/").status_code == 429


def test_a_deactivated_persons_token_is_refused(anne: Any) -> None:
    dav = Dav(anne)
    anne.is_active = False
    anne.save()
    assert dav("PROPFIND", "/dav/files/").status_code == 401


# --- What one sees -----------------------------------------------------------------------------


def test_the_top_lists_my_documents_and_the_spaces_i_may_read(
    anne: Any, bruno: Any, private_space: Any, open_space: Any
) -> None:
    listed = hrefs(Dav(anne)("PROPFIND", "/dav/files/", Depth="1"))
    assert "/dav/files/My%20documents/" in listed
    assert f"/dav/files/{private_space.slug}/" in listed
    assert f"/dav/files/{open_space.slug}/" in listed
    seen_by_bruno = hrefs(Dav(bruno)("PROPFIND", "/dav/files/", Depth="1"))
    assert f"/dav/files/{open_space.slug}/" in seen_by_bruno
    assert f"/dav/files/{private_space.slug}/" not in seen_by_bruno


def test_the_first_address_dav_still_serves_the_same_tree_under_its_own_hrefs(
    anne: Any, private_space: Any
) -> None:
    dav = Dav(anne)
    assert dav("PUT", "/dav/My%20documents/ancien.txt", b"par /dav/").status_code == 201
    listed = hrefs(dav("PROPFIND", "/dav/My%20documents/", Depth="1"))
    assert "/dav/My%20documents/ancien.txt" in listed
    assert not any(href.startswith("/dav/files/") for href in listed)
    assert dav("GET", f"{MINE}/ancien.txt").data == b"par /dav/"
    moved = dav(
        "MOVE",
        "/dav/My%20documents/ancien.txt",
        Destination=f"http://testserver/dav/{private_space.slug}/ancien.txt",
    )
    assert moved.status_code == 201
    assert dav("GET", f"/dav/files/{private_space.slug}/ancien.txt").data == b"par /dav/"


def test_a_library_one_may_not_see_is_404(anne: Any, bruno: Any, private_space: Any) -> None:
    add_file(anne, root_for(private_space), "secret.txt", b"confidential bytes")
    dav = Dav(bruno)
    for method in ("PROPFIND", "GET", "PUT", "DELETE", "MKCOL", "LOCK"):
        body = LOCKINFO if method == "LOCK" else b""
        response = dav(method, f"/dav/files/{private_space.slug}/secret.txt", body)
        assert response.status_code in (404, 409), (method, response.status_code)
        assert b"confidential" not in response.data
    assert Document.objects.get(name="secret.txt").current.size == len(b"confidential bytes")
    assert dav("PROPFIND", f"/dav/files/{private_space.slug}/", Depth="0").status_code == 404


def test_read_only_readers_get_403_on_writes(anne: Any, bruno: Any, open_space: Any) -> None:
    root = root_for(open_space)
    add_file(anne, root, "note.txt", b"Bonjour\n")
    dav = Dav(bruno)  # not a member of the open space: may read, not write
    path = f"/dav/files/{open_space.slug}"
    assert dav("GET", f"{path}/note.txt").data == b"Bonjour\n"
    assert dav("PUT", f"{path}/note.txt", b"changed", content_type="text/plain").status_code == 403
    assert dav("PUT", f"{path}/new.txt", b"new", content_type="text/plain").status_code == 403
    assert dav("MKCOL", f"{path}/folder").status_code == 403
    assert dav("DELETE", f"{path}/note.txt").status_code == 403
    assert dav("LOCK", f"{path}/note.txt", LOCKINFO).status_code == 403
    assert Document.objects.filter(name="note.txt", trashed_at__isnull=True).count() == 1
    assert not Folder.objects.filter(name="folder").exists()


# --- Writes through the actions ----------------------------------------------------------------


def test_put_makes_a_document_then_versions_stored_once(anne: Any) -> None:
    dav = Dav(anne)
    assert dav("PUT", f"{MINE}/rapport.txt", b"v1", content_type="text/plain").status_code == 201
    assert dav("PUT", f"{MINE}/rapport.txt", b"v2", content_type="text/plain").status_code == 204
    assert dav("PUT", f"{MINE}/copie.txt", b"v2", content_type="text/plain").status_code == 201
    document = Document.objects.get(name="rapport.txt")
    assert [v.number for v in document.versions.all()] == [2, 1]
    assert document.current is not None
    assert document.current.blob.sha256 == hashlib.sha256(b"v2").hexdigest()
    assert Blob.objects.filter(sha256=hashlib.sha256(b"v2").hexdigest()).count() == 1
    assert dav("GET", f"{MINE}/rapport.txt").data == b"v2"
    assert AuditEntry.objects.filter(action="documents.version_added").count() == 1


def test_a_name_keeps_its_accents_and_symbols(anne: Any) -> None:
    dav = Dav(anne)
    path = f"{MINE}/r%C3%A9union%20%E2%82%AC%21.txt"  # "réunion €!.txt"
    assert dav("PUT", path, b"x", content_type="text/plain").status_code == 201
    assert Document.objects.filter(name="réunion €!.txt").exists()
    assert dav("GET", path).data == b"x"


def test_empty_files_are_kept(anne: Any) -> None:
    dav = Dav(anne)
    assert dav("PUT", f"{MINE}/vide.txt", b"", content_type="text/plain").status_code == 201
    assert Document.objects.get(name="vide.txt").current.size == 0


def test_delete_puts_in_the_trash(anne: Any) -> None:
    dav = Dav(anne)
    dav("MKCOL", f"{MINE}/dossier")
    dav("PUT", f"{MINE}/dossier/a.txt", b"a", content_type="text/plain")
    assert dav("DELETE", f"{MINE}/dossier").status_code == 204
    folder = Folder.objects.get(name="dossier")
    assert folder.trashed_at is not None
    assert dav("GET", f"{MINE}/dossier/a.txt").status_code == 404
    restored = actions.restore(actor=anne, item=folder)
    assert not restored.to_root
    assert dav("GET", f"{MINE}/dossier/a.txt").data == b"a"


def test_move_and_copy_between_libraries(anne: Any, private_space: Any) -> None:
    dav = Dav(anne)
    dav("PUT", f"{MINE}/plan.txt", b"plan", content_type="text/plain")
    host = "http://testserver"
    copied = dav(
        "COPY", f"{MINE}/plan.txt", Destination=f"{host}/dav/files/{private_space.slug}/plan.txt"
    )
    assert copied.status_code == 201
    moved = dav(
        "MOVE", f"{MINE}/plan.txt", Destination=f"{host}/dav/files/{private_space.slug}/plan-2.txt"
    )
    assert moved.status_code == 201
    names = set(
        Document.objects.filter(library__space=private_space, trashed_at__isnull=True).values_list(
            "name", flat=True
        )
    )
    assert names == {"plan.txt", "plan-2.txt"}
    assert not Document.objects.filter(library__owner=anne, trashed_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="documents.moved").count() == 1


def test_move_into_a_library_one_may_only_read_is_403(
    anne: Any, bruno: Any, open_space: Any
) -> None:
    dav = Dav(bruno)
    dav("PUT", f"{MINE}/a.txt", b"a", content_type="text/plain")
    response = dav(
        "MOVE", f"{MINE}/a.txt", Destination=f"http://testserver/dav/files/{open_space.slug}/a.txt"
    )
    assert response.status_code == 403
    assert Document.objects.get(name="a.txt").library.owner == bruno


def test_proppatch_stores_dead_properties(anne: Any) -> None:
    dav = Dav(anne)
    dav("PUT", f"{MINE}/p.txt", b"p", content_type="text/plain")
    body = (
        b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:cercle:test">'
        b"<D:set><D:prop><Z:colour>bleu</Z:colour></D:prop></D:set></D:propertyupdate>"
    )
    assert dav("PROPPATCH", f"{MINE}/p.txt", body).status_code == 207
    assert "bleu" in DeadProperty.objects.get(name="{urn:cercle:test}colour").value
    found = dav("PROPFIND", f"{MINE}/p.txt", Depth="0")
    assert b"bleu" in found.data


def _colour(dav: Dav, path: str) -> bytes:
    body = (
        b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:cercle:test">'
        b"<D:prop><Z:colour/></D:prop></D:propfind>"
    )
    found = dav("PROPFIND", path, body, Depth="0")
    assert found.status_code == 207, found.data
    return found.data


def test_dead_properties_follow_their_item_not_its_path(anne: Any, bruno: Any) -> None:
    dav = Dav(anne)
    dav("MKCOL", f"{MINE}/d")
    dav("PUT", f"{MINE}/d/p.txt", b"p", content_type="text/plain")
    body = (
        b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:cercle:test">'
        b"<D:set><D:prop><Z:colour>bleu</Z:colour></D:prop></D:set></D:propertyupdate>"
    )
    assert dav("PROPPATCH", f"{MINE}/d/p.txt", body).status_code == 207
    assert dav("PROPPATCH", f"{MINE}/d/", body).status_code == 207
    # Renamed in the pages: the property is at the new path, not at the old one.
    document = Document.objects.get(name="p.txt")
    actions.rename(actor=anne, item=document, name="q.txt")
    assert b"bleu" in _colour(dav, f"{MINE}/d/q.txt")
    dav("PUT", f"{MINE}/d/p.txt", b"another", content_type="text/plain")
    assert b"bleu" not in _colour(dav, f"{MINE}/d/p.txt")
    # Moved over WebDAV, with its folder: still there; a copy has its own.
    assert dav("MOVE", f"{MINE}/d/", Destination=f"http://testserver{MINE}/e/").status_code == 201
    assert b"bleu" in _colour(dav, f"{MINE}/e/")
    assert b"bleu" in _colour(dav, f"{MINE}/e/q.txt")
    copy = dav("COPY", f"{MINE}/e/q.txt", Destination=f"http://testserver{MINE}/c.txt")
    assert copy.status_code == 201
    assert b"bleu" in _colour(dav, f"{MINE}/c.txt")
    assert DeadProperty.objects.filter(name="{urn:cercle:test}colour").count() == 3
    # Another person's "My documents" has the same path and none of these properties.
    Dav(bruno)("PUT", f"{MINE}/c.txt", b"bruno's", content_type="text/plain")
    assert b"bleu" not in _colour(Dav(bruno), f"{MINE}/c.txt")
    # The top and "Shared with me" keep none.
    assert dav("PROPPATCH", "/dav/files/", body).status_code in (207, 403)
    assert DeadProperty.objects.filter(name="{urn:cercle:test}colour").count() == 3


def _last_modified(dav: Dav, path: str) -> str:
    found = dav("PROPFIND", path, Depth="0")
    tree = ElementTree.fromstring(found.data)
    return next(e.text or "" for e in tree.iter("{DAV:}getlastmodified"))


def test_a_client_sets_modification_times_with_x_oc_mtime_and_proppatch(anne: Any) -> None:
    dav = Dav(anne)
    made = dav("PUT", f"{MINE}/t.txt", b"t", content_type="text/plain", X_OC_Mtime="1000000000")
    assert made.status_code == 201
    assert made["X-OC-Mtime"] == "accepted"
    assert _last_modified(dav, f"{MINE}/t.txt") == "Sun, 09 Sep 2001 01:46:40 GMT"
    # A new version with its own time; a decimal one (what older rclone sends) too.
    again = dav("PUT", f"{MINE}/t.txt", b"t2", content_type="text/plain", X_OC_Mtime="1.5e9")
    assert again.status_code == 204 and again["X-OC-Mtime"] == "accepted"
    assert _last_modified(dav, f"{MINE}/t.txt") == "Fri, 14 Jul 2017 02:40:00 GMT"
    # PROPPATCH of getlastmodified (an HTTP date) sets it without a new version.
    body = (
        b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
        b"<D:getlastmodified>Mon, 01 Jan 2024 10:00:00 GMT</D:getlastmodified>"
        b"</D:prop></D:set></D:propertyupdate>"
    )
    assert dav("PROPPATCH", f"{MINE}/t.txt", body).status_code == 207
    assert _last_modified(dav, f"{MINE}/t.txt") == "Mon, 01 Jan 2024 10:00:00 GMT"
    document = Document.objects.get(name="t.txt")
    assert document.versions.count() == 2
    # Without the header: the time of the upload; a header that is no time: 400.
    plain = dav("PUT", f"{MINE}/u.txt", b"u", content_type="text/plain")
    assert "X-OC-Mtime" not in plain
    bad = dav("PUT", f"{MINE}/t.txt", b"t3", content_type="text/plain", X_OC_Mtime="hier")
    assert bad.status_code == 400
    assert _last_modified(dav, f"{MINE}/t.txt") == "Mon, 01 Jan 2024 10:00:00 GMT"


# --- Locks -------------------------------------------------------------------------------------


def _shared(anne: Any, bruno: Any, private_space: Any) -> Document:
    add_member(private_space, bruno)
    return add_file(anne, root_for(private_space), "budget.txt", b"2025")


def test_a_webdav_lock_keeps_others_out_but_lets_them_read(
    anne: Any, bruno: Any, private_space: Any
) -> None:
    document = _shared(anne, bruno, private_space)
    path = f"/dav/files/{private_space.slug}/budget.txt"
    locked = Dav(anne)("LOCK", path, LOCKINFO, Timeout="Second-600")
    assert locked.status_code == 200
    token = locked["Lock-Token"].strip("<>")
    lock = Lock.objects.get(token=token)
    assert lock.document == document and lock.owner == anne and lock.timeout == 600

    dav_bruno = Dav(bruno)
    assert dav_bruno("GET", path).data == b"2025"
    assert dav_bruno("PUT", path, b"2026", content_type="text/plain").status_code == 423
    assert dav_bruno("DELETE", path).status_code == 423
    # The pages and the API refuse too, with who and since when.
    with pytest.raises(actions.DocumentLocked, match="Anne"):
        actions.add_version(actor=bruno, document=document, upload=_file(b"2026"))
    client = Client()
    client.force_login(bruno)
    page = client.get(reverse("documents_file", args=[document.pk]))
    assert "Anne" in page.content.decode() and "documents-lock" in page.content.decode()
    api = client.post(
        f"/api/v1/files/{document.pk}/versions",
        {"file": _upload(b"2026")},
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=bruno, name='api')[1]}",
    )
    assert api.status_code == 403, api.content
    assert "Anne" in api.json()["detail"]

    # Anne, with her token, writes; then unlocks.
    mine = Dav(anne)
    assert mine("PUT", path, b"2026", content_type="text/plain", If=f"(<{token}>)").status_code in (
        200,
        204,
    )
    assert mine("UNLOCK", path, Lock_Token=f"<{token}>").status_code == 204
    assert not Lock.objects.exists()
    assert dav_bruno("PUT", path, b"2027", content_type="text/plain").status_code == 204


def test_i_am_editing_this_in_the_pages_is_a_lock_over_webdav(
    anne: Any, bruno: Any, private_space: Any
) -> None:
    document = _shared(anne, bruno, private_space)
    client = Client()
    client.force_login(anne)
    client.post(reverse("documents_lock", args=[document.pk]))
    lock = Lock.objects.get(document=document)
    assert lock.owner == anne
    assert lock.root == f"/{private_space.slug}/budget.txt"
    path = f"/dav/files/{private_space.slug}/budget.txt"
    assert Dav(bruno)("PUT", path, b"x", content_type="text/plain").status_code == 423
    listed = Dav(bruno)("PROPFIND", path, Depth="0")
    assert b"lockdiscovery" in listed.data and lock.token.encode() in listed.data
    # Renamed by its locker, the lock follows it.
    actions.rename(actor=anne, item=document, name="budget 2026.txt")
    lock.refresh_from_db()
    assert lock.root == f"/{private_space.slug}/budget%202026.txt"
    client.post(reverse("documents_unlock", args=[document.pk]))
    assert not Lock.objects.exists()


def test_the_spaces_admin_breaks_a_lock_and_its_owner_hears_of_it(
    anne: Any, bruno: Any, private_space: Any
) -> None:
    document = _shared(anne, bruno, private_space)
    lock = actions.lock(actor=bruno, item=document)
    other = make_user()
    add_member(private_space, other)
    with pytest.raises(PermissionDenied):
        actions.unlock(actor=other, lock=lock)  # a plain member may not
    client = Client()
    client.force_login(anne)  # the space's owner
    client.post(reverse("documents_unlock", args=[document.pk]))
    assert not Lock.objects.exists()
    assert AuditEntry.objects.filter(action="documents.lock_broken").count() == 1
    assert Notification.objects.filter(recipient=bruno, kind="document_lock_broken").exists()


def test_locks_expire(anne: Any) -> None:
    document = add_file(anne, root_for(owner=anne), "a.txt", b"a")
    stranger_lock = actions.lock(actor=anne, item=document, timeout=60)
    Lock.objects.filter(pk=stranger_lock.pk).update(expires_at=stranger_lock.created_at)
    assert queries.locks_on(document) == []
    assert actions.purge_expired_locks() == 1


def _file(data: bytes) -> Any:
    return io.BytesIO(data)


def _upload(data: bytes) -> Any:
    return SimpleUploadedFile("budget.txt", data, content_type="text/plain")


# --- Bad input: a clear 4xx, never a 500 -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "body", "headers"),
    [
        ("PROPFIND", b"", {"Depth": "infinite", "target": "/"}),
        ("PROPFIND", b"<not xml", {}),
        ("PROPFIND", b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/>', {}),
        ("PROPPATCH", b"\xff\xfe garbage", {}),
        ("LOCK", b"<D:lockinfo xmlns:D='DAV:'><D:lockscope/></D:lockinfo>", {}),
        (
            "PROPFIND",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<D:propfind xmlns:D="DAV:"><D:prop><D:b>&b;</D:b></D:prop></D:propfind>',
            {},
        ),
        (
            "PROPFIND",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<D:propfind xmlns:D="DAV:"><D:prop><D:e>&e;</D:e></D:prop></D:propfind>',
            {},
        ),
        ("PROPFIND", b"", {"Depth": "99999999999999999999"}),
        ("MOVE", b"", {}),
        ("MOVE", b"", {"Destination": "/dav/files/My%20documents/a.txt/inside", "Overwrite": "X"}),
        ("PUT", b"x", {"Content-Range": "bytes 0-0/1"}),
        ("FROBNICATE", b"", {}),
    ],
)
def test_bad_requests_are_4xx(anne: Any, method: str, body: bytes, headers: dict[str, str]) -> None:
    dav = Dav(anne)
    dav("PUT", f"{MINE}/a.txt", b"a", content_type="text/plain")
    target = headers.pop("target", "/a.txt")
    response = dav(method, f"{MINE}{target}", body, **headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    assert b"root:" not in response.data


def test_an_xml_body_over_a_megabyte_is_413(anne: Any) -> None:
    body = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:">' + b" " * 1_100_000
    assert Dav(anne)("PROPFIND", f"{MINE}/", body + b"</D:propfind>").status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        "/dav/files/My%20documents/../../etc/passwd",
        "/dav/files/My%20documents/%2e%2e/%2e%2e/etc/passwd",
        "/dav/files/My%20documents/..%2f..%2fetc",
        "/dav/files/%2e%2e",
        "/dav/files/My%20documents/a%00b",
    ],
)
def test_path_traversal_finds_nothing(anne: Any, path: str) -> None:
    dav = Dav(anne)
    for method in ("GET", "PUT", "MKCOL", "PROPFIND"):
        response = dav(method, path, b"x" if method == "PUT" else b"")
        assert 400 <= response.status_code < 500, (method, path, response.status_code)
    assert not Document.objects.exists()


# --- A listing costs a fixed number of queries -------------------------------------------------


def _listing_queries(dav: Dav, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = dav("PROPFIND", path, Depth="1")
    assert response.status_code == 207
    return len(captured)


@pytest.mark.parametrize("where", ["mine", "space"])
def test_propfind_depth_1_costs_the_same_for_3_or_30_members(
    anne: Any, private_space: Any, where: str
) -> None:
    root = root_for(owner=anne) if where == "mine" else root_for(private_space)
    top = MINE if where == "mine" else f"/dav/files/{private_space.slug}"
    folder = add_folder(anne, root, "liste")
    dav = Dav(anne)
    for n in range(3):
        add_file(anne, folder, f"f{n}.txt", f"{n}".encode())
    add_folder(anne, folder, "sous-dossier")
    _listing_queries(dav, f"{top}/liste/")  # makes the libraries, notes the token's use
    few = _listing_queries(dav, f"{top}/liste/")
    for n in range(3, 30):
        add_file(anne, folder, f"f{n}.txt", f"{n}".encode())
    actions.lock(actor=anne, item=Document.objects.get(name="f5.txt"))
    actions.set_dead_property(item=Document.objects.get(name="f6.txt"), name="{x:}y", value="<y/>")
    sub = Folder.objects.get(name="sous-dossier")
    actions.set_dead_property(item=sub, name="{x:}z", value="<z/>")
    many = _listing_queries(dav, f"{top}/liste/")
    assert many == few
    assert many <= 22, many  # the request: token, libraries and rights (a few per library)


def _tree_queries(dav: Dav, path: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        response = dav("PROPFIND", path, Depth="infinity")
    assert response.status_code == 207, response.data[:300]
    return len(captured), response


def _response_hrefs(response: Any) -> list[str]:
    tree = ElementTree.fromstring(response.data)
    return [r.findtext("{DAV:}href") or "" for r in tree.iter("{DAV:}response")]


def _grow_tree(anne: Any, top: Any, numbers: range) -> None:
    for n in numbers:
        level = add_folder(anne, top, f"d{n}")
        add_file(anne, level, f"a{n}.txt", f"a{n}".encode())
        deeper = add_folder(anne, level, "plus")
        add_file(anne, deeper, f"b{n}.txt", f"b{n}".encode())


def test_propfind_depth_infinity_lists_a_tree_in_a_fixed_number_of_queries(anne: Any) -> None:
    root = root_for(owner=anne)
    top = add_folder(anne, root, "arbre")
    dav = Dav(anne)
    _grow_tree(anne, top, range(2))
    _tree_queries(dav, f"{MINE}/arbre/")
    few, small = _tree_queries(dav, f"{MINE}/arbre/")
    assert len(_response_hrefs(small)) == 1 + 2 * 4
    gone = add_folder(anne, top, "corbeille")
    add_file(anne, add_folder(anne, gone, "dedans"), "cache.txt", b"x")
    actions.trash(actor=anne, item=gone)
    more = add_folder(anne, top, "encore")
    _grow_tree(anne, more, range(2, 20))
    actions.set_dead_property(item=Document.objects.get(name="b0.txt"), name="{x:}y", value="<y/>")
    actions.lock(actor=anne, item=Document.objects.get(name="a0.txt"))
    many, big = _tree_queries(dav, f"{MINE}/arbre/")
    assert many == few, (few, many)
    listed = _response_hrefs(big)
    assert len(listed) == len(set(listed)) == 1 + 1 + 2 * 4 + 18 * 4
    assert not any("corbeille" in href or "cache.txt" in href for href in listed)
    assert b"<y/>" in big.data or b":y/>" in big.data
    assert b"lockdiscovery" in big.data and b"activelock" in big.data
    # `/` (every library at once) is still refused.
    assert dav("PROPFIND", "/dav/files/", Depth="infinity").status_code == 403


def _responses(data: bytes) -> dict[str, bytes]:
    tree = ElementTree.fromstring(data)
    found = {}
    for response in tree.iter("{DAV:}response"):
        href = response.find("{DAV:}href")
        assert href is not None
        for timeout in response.iter("{DAV:}timeout"):  # counts down between two requests
            timeout.text = "Second-n"
        props = sorted(
            (prop.tag, ElementTree.tostring(prop))
            for prop in response.iter()
            if prop.tag not in ("{DAV:}response", "{DAV:}href", "{DAV:}propstat", "{DAV:}prop")
        )
        found[href.text or ""] = repr(props).encode()
    return found


ALL_LIVE = (
    b"<D:displayname/><D:getcontentlength/><D:getcontenttype/><D:getetag/>"
    b"<D:getlastmodified/><D:creationdate/><D:resourcetype/><D:lockdiscovery/>"
    b"<D:supportedlock/>"
)
# What rclone asks with `vendor=owncloud` / `nextcloud` (ownCloud's names are dead ones here).
RCLONE = (
    b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" '
    b'xmlns:nc="http://nextcloud.org/ns"><d:prop><d:displayname/><d:getlastmodified/>'
    b"<d:getcontentlength/><d:resourcetype/><d:getcontenttype/><oc:checksums/>"
    b"<oc:permissions/><nc:has-preview/></d:prop></d:propfind>"
)


@pytest.mark.parametrize(
    ("body", "fast"),
    [
        (b"", True),
        (b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>', True),
        (
            b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:x="x:"><D:prop>'
            b"<D:getcontentlength/><D:resourcetype/><D:getetag/><x:y/></D:prop></D:propfind>",
            True,
        ),
        (b'<D:propfind xmlns:D="DAV:"><D:prop>' + ALL_LIVE + b"</D:prop></D:propfind>", True),
        (RCLONE, True),
        (
            b'<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/><D:quota-used-bytes/>'
            b"</D:prop></D:propfind>",
            False,
        ),
        (
            b'<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:unknown/></D:prop></D:propfind>',
            False,
        ),
    ],
)
def test_the_streamed_listing_says_what_webdav_s_own_answer_says(
    anne: Any, body: bytes, fast: bool
) -> None:
    """Each `<D:response>` of the streamed `Depth: 1` (and `infinity`) answer is the one WsgiDAV
    gives for that resource alone (`Depth: 0`): names to escape, dates set by a client, a dead
    property (of a file, of a folder), a lock. The common bodies are written by Cercle for the
    members without dead properties or locks (`dav._RowListing`, from plain rows: its responses
    do not declare `DAV:` again, lxml's do)."""
    root = root_for(owner=anne)
    folder = add_folder(anne, root, "liste")
    for n in range(3):
        add_file(anne, folder, f"f{n}.txt", f"{n}".encode())
    sub = add_folder(anne, folder, "sous & <dossier> 100%")  # stored as "sous & _dossier_ 100%"
    add_file(anne, sub, "dedans (1) €.txt", b"dedans")
    described = add_folder(anne, folder, "décrit")
    actions.set_dead_property(item=described, name="{x:}z", value="<z/>")
    odd = add_file(anne, folder, "a&b <c> \"é\" 'd'.csv", b"x,y\n1,2\n")
    actions.set_modified_time(
        actor=anne, document=odd, moment=datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
    )
    actions.set_dead_property(item=Document.objects.get(name="f1.txt"), name="{x:}y", value="<y/>")
    actions.lock(actor=anne, item=Document.objects.get(name="f2.txt"))
    dav = Dav(anne)
    listed = dav("PROPFIND", f"{MINE}/liste/", body, Depth="1")
    assert listed.status_code == 207
    assert listed.streaming
    streamed = _responses(listed.data)
    assert len(streamed) == 7
    by_wsgidav = listed.data.count(b'xmlns:D="DAV:"') - 1  # besides the multistatus's
    # f1 and "décrit" (a property), f2 (a lock)
    assert by_wsgidav == (3 if fast else 7), by_wsgidav
    whole = dav("PROPFIND", f"{MINE}/liste/", body, Depth="infinity")
    assert whole.status_code == 207
    tree = _responses(whole.data)
    (inside,) = set(tree) - set(streamed)
    assert inside.startswith(f"{MINE}/liste/sous%20%26%20"), inside
    assert tree == {**streamed, inside: tree[inside]}
    for href, props in {**streamed, inside: tree[inside]}.items():
        alone = dav("PROPFIND", href, body, Depth="0")
        assert alone.status_code == 207
        assert _responses(alone.data) == {href: props}


# Every day of the week and month of the year, a leap day, a year's last second, microseconds,
# and dates before 1970 (a client's mtime may say anything).
ODD_MOMENTS = [
    datetime(2026, month, 1 + (3 * month) % 28, month, 7 * month % 60, 59, 999_999, tzinfo=UTC)
    for month in range(1, 13)
] + [
    datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
    datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC),
    datetime(1900, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(1066, 10, 14, 9, 0, 0, tzinfo=UTC),
]


def test_the_listing_s_dates_written_by_the_database_are_webdav_s_own(anne: Any) -> None:
    """`creationdate` (RFC 3339) and `getlastmodified` (RFC 1123) are written by the database in
    a listing (`dav._dates_of`) and by WsgiDAV in a member's own answer: the same texts for every
    day of the week, month, leap day, microseconds and dates before 1970."""
    folder = add_folder(anne, root_for(owner=anne), "dates")
    for n, moment in enumerate(ODD_MOMENTS):
        document = add_file(anne, folder, f"d{n:02d}.txt", b"d")
        actions.set_modified_time(actor=anne, document=document, moment=moment)
        Document.objects.filter(pk=document.pk).update(created_at=ODD_MOMENTS[-1 - n])
        sub = add_folder(anne, folder, f"s{n:02d}")
        Folder.objects.filter(pk=sub.pk).update(created_at=moment, updated_at=ODD_MOMENTS[-1 - n])
    dav = Dav(anne)
    listed = dav("PROPFIND", f"{MINE}/dates/", Depth="1")
    assert listed.status_code == 207
    streamed = _responses(listed.data)
    assert len(streamed) == 1 + 2 * len(ODD_MOMENTS)
    assert b"Thu, 01 Jan 1900" not in listed.data  # a Monday
    assert b"Mon, 01 Jan 1900 00:00:00 GMT" in listed.data
    assert b"<D:creationdate>1969-07-20T20:17:40Z</D:creationdate>" in listed.data
    for href, props in streamed.items():
        alone = dav("PROPFIND", href, Depth="0")
        assert alone.status_code == 207
        assert _responses(alone.data) == {href: props}, href


def test_a_reader_who_may_not_write_is_offered_no_lock_in_the_listing(
    anne: Any, bruno: Any, open_space: Any
) -> None:
    """What a member allows in an `allprop` listing (`lockdiscovery`, `supportedlock`) is the
    library's rights of the reader (`dav._RowListing`), as in each member's own answer."""
    root = root_for(open_space)
    add_file(anne, root, "note.txt", b"Bonjour\n")
    add_folder(anne, root, "dossier")
    path = f"/dav/files/{open_space.slug}/"
    for person, may_lock in ((bruno, False), (anne, True)):
        dav = Dav(person)
        listed = dav("PROPFIND", path, Depth="1")
        streamed = _responses(listed.data)
        assert len(streamed) == 3
        members = {href: props for href, props in streamed.items() if href != path}
        for href, props in members.items():
            assert (b"supportedlock" in props) is may_lock, (person, href)
            alone = dav("PROPFIND", href, Depth="0")
            assert _responses(alone.data) == {href: props}


def test_a_destination_on_another_server_is_502_as_rfc_4918_says(anne: Any) -> None:
    dav = Dav(anne)
    dav("PUT", f"{MINE}/a.txt", b"a", content_type="text/plain")
    response = dav("COPY", f"{MINE}/a.txt", Destination="http://elsewhere.example/dav/x")
    assert response.status_code == 502
    assert Document.objects.count() == 1


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(min_size=1, max_size=40),
    method=st.sampled_from(["PUT", "MKCOL", "PROPFIND", "GET", "DELETE", "LOCK", "MOVE"]),
    depth=st.sampled_from(["0", "1", "infinity", "", "-1", "x"]),
)
def test_any_name_any_method_is_never_a_server_error(
    anne: Any, name: str, method: str, depth: str
) -> None:
    dav = Dav(anne)
    path = f"{MINE}/{quote(name, safe='')}"
    body = LOCKINFO if method == "LOCK" else b"x"
    headers = {"Depth": depth} if depth else {}
    if method == "MOVE":
        headers["Destination"] = f"http://testserver{MINE}/{quote(name[::-1], safe='')}"
    response = dav(method, path, body, **headers)
    assert response.status_code < 500 or response.status_code == 502, (
        response.status_code,
        response.data[:300],
    )


def test_the_api_locks_lists_and_unlocks(anne: Any, bruno: Any, private_space: Any) -> None:
    document = _shared(anne, bruno, private_space)
    anne_api = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=anne, name='api')[1]}"}
    bruno_api = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=bruno, name='api')[1]}"}
    client = Client()
    made = client.post(f"/api/v1/files/{document.pk}/lock", **bruno_api)
    assert made.status_code == 201, made.content
    assert made.json()["mine"] is True and made.json()["owner"]["id"] == bruno.pk
    again = client.post(f"/api/v1/files/{document.pk}/lock", **anne_api)
    assert again.status_code == 403
    assert "Bruno" in again.json()["detail"]
    listed = client.get(f"/api/v1/files/{document.pk}/locks", **anne_api).json()
    assert [(lock["owner"]["id"], lock["mine"]) for lock in listed] == [(bruno.pk, False)]
    # Anne owns the space: she breaks it.
    assert client.delete(f"/api/v1/files/{document.pk}/lock", **anne_api).status_code == 204
    assert client.get(f"/api/v1/files/{document.pk}/locks", **anne_api).json() == []


# --- `/Shared with me` from rows (`dav._SharedListing`, `dav._RowListing`) ---------------------

SHARED = "/dav/files/Shared%20with%20me"
FAST_BODIES = [
    b"",
    b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
    b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:x="x:"><D:prop>'
    b"<D:getcontentlength/><D:resourcetype/><D:getetag/><x:y/></D:prop></D:propfind>",
    b'<D:propfind xmlns:D="DAV:"><D:prop>' + ALL_LIVE + b"</D:prop></D:propfind>",
    RCLONE,
]


def _settled(data: bytes) -> bytes:
    """An answer with its locks' timeouts (counting down between two requests) set aside."""
    return re.sub(rb"Second-\d+", b"Second-n", data)


def _before_and_after(
    dav: Dav, path: str, body: bytes, depth: str, monkeypatch: Any
) -> tuple[Any, Any]:
    """The answer written from rows, and the one of every member made a WsgiDAV resource
    (`dav.ROW_LISTINGS` off: the answer before the row listings)."""
    after = dav("PROPFIND", path, body, Depth=depth)
    with monkeypatch.context() as patched:
        patched.setattr(dav_module, "ROW_LISTINGS", False)
        before = dav("PROPFIND", path, body, Depth=depth)
    assert after.status_code == before.status_code == 207
    return before, after


@pytest.mark.parametrize("body", FAST_BODIES)
@pytest.mark.parametrize("depth", ["1", "infinity"])
def test_a_library_s_folder_is_written_from_rows_byte_for_byte_as_before(
    anne: Any, body: bytes, depth: str, monkeypatch: Any
) -> None:
    """A folder of a library (`dav._RowListing`, its files written a few at a time:
    `STREAMED_RESPONSES`) is byte for byte what each member's WebDAV resource wrote before:
    plain names and names to escape or quote in one part, a name holding a line end, a file
    without content, dates at different moments, dead properties and a lock among them, a
    subfolder's tree."""
    monkeypatch.setattr(dav_module, "STREAMED_RESPONSES", 3)
    folder = add_folder(anne, root_for(owner=anne), "liste")
    for n in range(7):
        document = add_file(anne, folder, f"fichier {n}.txt", f"{n}".encode())
        moment = datetime(2026 - n, 1 + n, 1 + 3 * n, n, 7 * n, 59, 1000 * n, tzinfo=UTC)
        actions.set_modified_time(actor=anne, document=document, moment=moment)
    add_file(anne, folder, "a&b <c> \"é\" 'd' 100%.csv", b"x,y\n1,2\n")
    Document.objects.create(
        library=folder.library, folder=folder, name="sans contenu", created_by=anne
    )
    Document.objects.filter(name="fichier 3.txt").update(name="fichier\n3.txt")
    dav = Dav(anne)
    assert dav("PUT", f"{MINE}/liste/vide.txt", b"", content_type="text/plain").status_code == 201
    actions.set_dead_property(
        item=Document.objects.get(name="fichier 1.txt"), name="{x:}y", value="<y/>"
    )
    actions.lock(actor=anne, item=Document.objects.get(name="fichier 5.txt"))
    sub = add_folder(anne, folder, "sous dossier")
    for name in ("b.txt", "é.txt", "c d.txt", "e.txt"):
        add_file(anne, sub, name, b"sub")
    add_file(anne, add_folder(anne, sub, "plus"), "f.txt", b"f")
    actions.set_dead_property(item=add_folder(anne, folder, "décrit"), name="{x:}z", value="<z/>")
    before, after = _before_and_after(dav, f"{MINE}/liste/", body, depth, monkeypatch)
    assert after.streaming and before.streaming
    assert _settled(after.data) == _settled(before.data)
    listed = _responses(after.data)
    assert len(listed) == (1 + 2 + 10 if depth == "1" else 1 + 3 + 10 + 4 + 1)
    assert f"{MINE}/liste/fichier%0A3.txt" in listed


def _share_a_world(anne: Any, bruno: Any) -> dict[str, Any]:
    """Anne's and Carla's items shared with Bruno: read and write, a folder reached by a write
    share above it, names to escape and a name twice, dead properties, a lock Bruno took."""
    carla = make_user(username="carla", first_name="Carla")
    mine = root_for(owner=anne)
    projet = add_folder(anne, mine, "Projet")
    add_file(anne, projet, "dedans.txt", b"dedans")
    sous = add_folder(anne, projet, "Sous & <co> 100%")
    actions.set_dead_property(item=sous, name="{x:}z", value="<z/>")
    add_file(anne, sous, "profond €.txt", b"deep")
    ecrit = add_folder(anne, projet, "Écrit")
    add_file(anne, ecrit, "à écrire.txt", b"w")
    add_file(anne, add_folder(anne, ecrit, "plus"), "encore.txt", b"w")
    odd = add_file(anne, mine, "a&b <c> \"é\" 'd'.csv", b"x,y\n1,2\n")
    actions.set_modified_time(
        actor=anne, document=odd, moment=datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
    )
    described = add_file(anne, mine, "décrit.txt", b"d")
    actions.set_dead_property(item=described, name="{x:}y", value="<y/>")
    locked = add_file(anne, projet, "verrou.txt", b"v")
    other = add_file(carla, root_for(owner=carla), "décrit.txt", b"carla")
    above = add_folder(carla, root_for(owner=carla), "Haut")
    below = add_folder(carla, above, "Bas")
    actions.set_dead_property(item=below, name="{x:}z", value="<z/>")
    for actor, item, access in (
        (anne, projet, "read"),
        (anne, ecrit, "write"),
        (anne, odd, "write"),
        (anne, described, "read"),
        (anne, locked, "write"),
        (carla, other, "read"),
        (carla, above, "write"),
        (carla, below, "read"),
    ):
        actions.share(actor=actor, item=item, access=access, user=bruno)
    dav = Dav(bruno)
    taken = dav("LOCK", f"{SHARED}/verrou.txt", LOCKINFO, Timeout="Second-3600")
    assert taken.status_code == 200, taken.data
    return {"dav": dav, "projet": projet, "carla": carla}


@pytest.mark.parametrize("body", FAST_BODIES)
def test_shared_with_me_is_written_from_rows_as_webdav_wrote_it(
    anne: Any, bruno: Any, body: bytes, monkeypatch: Any
) -> None:
    """`/Shared with me` (`Depth: 1`) is `dav._SharedListing`'s, streamed, byte for byte
    WsgiDAV's whole answer (which it was before); each member's response is its own `Depth: 0`
    answer: rights per item (a write share offers locks, also one above the item), dead
    properties, a lock, names shared twice."""
    dav = _share_a_world(anne, bruno)["dav"]
    before, after = _before_and_after(dav, f"{SHARED}/", body, "1", monkeypatch)
    assert after.streaming and not before.streaming
    assert _settled(after.data) == _settled(before.data)
    listed = _responses(after.data)
    assert len(listed) == 1 + 8
    assert f"{SHARED}/d%C3%A9crit%20(2).txt" in listed
    for href, props in listed.items():
        alone = dav("PROPFIND", href, body, Depth="0")
        assert _responses(alone.data) == {href: props}
    if body in (b"", FAST_BODIES[1]):
        assert b"supportedlock" in listed[f"{SHARED}/Bas/"]  # written under "Haut"
        assert b"supportedlock" not in listed[f"{SHARED}/Projet/"]
        assert b"activelock" in listed[f"{SHARED}/verrou.txt"]
    # `Depth: infinity` of `/Shared with me` is still refused.
    assert dav("PROPFIND", f"{SHARED}/", body, Depth="infinity").status_code == 403


@pytest.mark.parametrize("body", FAST_BODIES)
@pytest.mark.parametrize("depth", ["1", "infinity"])
def test_a_shared_folder_is_written_from_rows_as_before(
    anne: Any, bruno: Any, body: bytes, depth: str, monkeypatch: Any
) -> None:
    """A shared folder's members (`dav._RowListing` under `/Shared with me`) are byte for byte
    what each member's WebDAV resource wrote before, with what the shares covering each member
    give it (a folder and a file below a read share, shared again for writing)."""
    world = _share_a_world(anne, bruno)
    dav = world["dav"]
    before, after = _before_and_after(dav, f"{SHARED}/Projet/", body, depth, monkeypatch)
    assert after.streaming and before.streaming
    assert _settled(after.data) == _settled(before.data)
    listed = _responses(after.data)
    assert len(listed) == (5 if depth == "1" else 9), sorted(listed)
    if depth == "1":
        for href, props in listed.items():
            alone = dav("PROPFIND", href, body, Depth="0")
            assert _responses(alone.data) == {href: props}
    if body in (b"", FAST_BODIES[1]):
        assert b"supportedlock" in listed[f"{SHARED}/Projet/%C3%89crit/"]
        assert b"supportedlock" not in listed[f"{SHARED}/Projet/dedans.txt"]
        assert b"supportedlock" in listed[f"{SHARED}/Projet/verrou.txt"]
        if depth == "infinity":
            assert b"supportedlock" in listed[f"{SHARED}/Projet/%C3%89crit/plus/encore.txt"]


def _shared_queries(dav: Dav, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = dav("PROPFIND", path, Depth="1")
    assert response.status_code == 207
    assert response.streaming
    return len(captured)


def test_shared_with_me_costs_the_same_for_2_or_20_shared_items(anne: Any, bruno: Any) -> None:
    mine = root_for(owner=anne)
    dav = Dav(bruno)

    def share(n: int) -> None:
        if n % 2:
            item = add_file(anne, add_folder(anne, mine, f"d{n}"), f"f{n}.txt", b"x")
        else:
            item = add_folder(anne, mine, f"dossier {n}")
        actions.share(actor=anne, item=item, access="write" if n % 3 else "read", user=bruno)

    for n in range(2):
        share(n)
    _shared_queries(dav, f"{SHARED}/")  # notes the token's use
    few = _shared_queries(dav, f"{SHARED}/")
    for n in range(2, 20):
        share(n)
    actions.set_dead_property(item=Document.objects.get(name="f5.txt"), name="{x:}y", value="y")
    actions.set_dead_property(item=Folder.objects.get(name="dossier 4"), name="{x:}z", value="z")
    assert dav("LOCK", f"{SHARED}/f7.txt", LOCKINFO).status_code == 200
    many = _shared_queries(dav, f"{SHARED}/")
    assert many == few, (few, many)
    assert many <= 10, many


def test_a_shared_folder_costs_the_same_for_3_or_30_members(anne: Any, bruno: Any) -> None:
    folder = add_folder(anne, root_for(owner=anne), "liste")
    actions.share(actor=anne, item=folder, access="read", user=bruno)
    for n in range(3):
        add_file(anne, folder, f"f{n}.txt", b"x")
    dav = Dav(bruno)
    _shared_queries(dav, f"{SHARED}/liste/")
    few = _shared_queries(dav, f"{SHARED}/liste/")
    for n in range(3, 30):
        document = add_file(anne, folder, f"f{n}.txt", b"x")
        if n % 5 == 0:
            actions.share(actor=anne, item=document, access="write", user=bruno)
    sub = add_folder(anne, folder, "sous-dossier")
    actions.share(actor=anne, item=sub, access="write", user=bruno)
    actions.set_dead_property(item=Document.objects.get(name="f6.txt"), name="{x:}y", value="y")
    actions.set_dead_property(item=sub, name="{x:}z", value="z")
    assert dav("LOCK", f"{SHARED}/liste/f10.txt", LOCKINFO).status_code == 200
    many = _shared_queries(dav, f"{SHARED}/liste/")
    assert many == few, (few, many)
