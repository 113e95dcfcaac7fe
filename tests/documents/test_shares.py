"""Shares of "My documents": a folder or a file shared with a person or a space, read or write,
and revoked. The permission matrix across every way in (page, download with ranges, preview,
WebDAV, search, API), what write allows and refuses, bad input, the notification, the audit,
and the "Shared with me" list's queries."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cercle.accounts.actions.auth import create_api_token
from cercle.audit.models import AuditEntry
from cercle.core.personal_data import ExportWriter
from cercle.documents import actions, queries
from cercle.documents import personal_data as documents_personal_data
from cercle.documents.models import Document, Share
from cercle.documents.notifications import SHARED
from cercle.notifications import registry
from cercle.notifications.models import Notification
from cercle.notifications.queries import describe, visible_notifications
from cercle.search import queries as search_queries
from cercle.spaces.actions import leave_space
from cercle.spaces.models import Membership
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_admin, make_space, make_user
from tests.helpers.documents import add_file, add_folder, root_for


def client_for(user: Any) -> Client:
    """Signed in, reading the pages in English (the assertions quote them)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


DAV_SHARED = "/dav/files/Shared%20with%20me"
pytestmark = pytest.mark.django_db

DATA = b"Le perroquet vert du projet.\n" * 40


def _dav(user: Any, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
    _token, secret = create_api_token(user=user, name="WebDAV")
    auth = "Basic " + base64.b64encode(f"{user.username}:{secret}".encode()).decode()
    extra: dict[str, Any] = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    response: Any = Client().generic(
        method, path, body, content_type="application/xml", HTTP_AUTHORIZATION=auth, **extra
    )
    response.data = b"".join(response.streaming_content) if response.streaming else response.content
    return response


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


class World:
    """Anne's "Projet" folder (with "perroquet.txt" and "Sous/profond.txt"), shared with Bruno
    (read), Carla (write) and the space "Équipe" (read; Dora is a member, Eve was one)."""

    def __init__(self) -> None:
        self.anne = make_user(username="anne", first_name="Anne")
        self.bruno = make_user(username="bruno", first_name="Bruno")
        self.carla = make_user(username="carla", first_name="Carla")
        self.dora = make_user(username="dora", first_name="Dora")
        self.eve = make_user(username="eve", first_name="Eve")
        self.frank = make_user(username="frank", first_name="Frank")
        self.space = make_space(owner=self.anne, kind="private", name="Équipe")
        add_member(self.space, self.dora)
        add_member(self.space, self.eve)
        mine = root_for(owner=self.anne)
        self.above = add_folder(self.anne, mine, "Privé")  # never shown to a grantee
        self.projet = add_folder(self.anne, self.above, "Projet")
        self.file = add_file(self.anne, self.projet, "perroquet.txt", DATA)
        self.sous = add_folder(self.anne, self.projet, "Sous")
        self.deep = add_file(self.anne, self.sous, "profond.txt", b"deep\n")
        self.private = add_file(self.anne, mine, "secret.txt", b"mine\n")
        self.read = actions.share(actor=self.anne, item=self.projet, access="read", user=self.bruno)
        self.write = actions.share(
            actor=self.anne, item=self.projet, access="write", user=self.carla
        )
        self.by_space = actions.share(
            actor=self.anne, item=self.projet, access="read", space=self.space
        )
        leave_space(actor=self.eve, space=self.space)


@pytest.fixture
def world() -> World:
    return World()


def ways_in(user: Any, document: Document) -> dict[str, bool]:
    """Whether `user` reads `document` by each way in."""
    client = client_for(user)
    page = client.get(reverse("documents_file", args=[document.pk]))
    ranged = client.get(reverse("documents_download", args=[document.pk]), HTTP_RANGE="bytes=3-12")
    view = client.get(reverse("documents_view", args=[document.pk]))
    api = client.get(f"/api/v1/files/{document.pk}/download", HTTP_RANGE="bytes=0-9")
    dav = _dav(user, "GET", f"/dav/files/Shared%20with%20me/Projet/{document.name}")
    hits = search_queries.search(user, "perroquet", limit=20).hits
    found = any(h.kind.key == "document" and h.document.object_id == document.pk for h in hits)
    return {
        "page": page.status_code == 200,
        "download": ranged.status_code == 206 and _body(ranged) == DATA[3:13],
        "preview": view.status_code == 200,
        "api": api.status_code == 206 and _body(api) == DATA[:10],
        "dav": dav.status_code == 200 and dav.data == DATA,
        "search": found,
    }


def test_the_permission_matrix(world: World) -> None:
    w = world
    everywhere = {"page", "download", "preview", "api", "search"}
    # The owner reads through her own library (not "Shared with me" over WebDAV).
    owner = ways_in(w.anne, w.file)
    assert {k for k, v in owner.items() if v} == everywhere
    for grantee in (w.bruno, w.carla, w.dora):
        assert all(ways_in(grantee, w.file).values()), grantee.username
    for outsider in (w.eve, w.frank):  # an ex-member after leaving, a stranger
        assert not any(ways_in(outsider, w.file).values()), outsider.username
    # Nothing outside the shared folder is visible to a grantee.
    assert (
        client_for(w.bruno).get(reverse("documents_file", args=[w.private.pk])).status_code == 404
    )
    # After a revoke: gone at once, everywhere.
    actions.revoke_share(actor=w.anne, share=w.read)
    assert not any(ways_in(w.bruno, w.file).values())
    actions.revoke_share(actor=w.anne, share=w.by_space)
    assert not any(ways_in(w.dora, w.file).values())
    assert all(ways_in(w.carla, w.file).values())


def test_a_folder_share_covers_what_is_added_later(world: World) -> None:
    later = add_file(world.anne, world.sous, "nouveau.txt", b"new\n")
    assert queries.access_document(world.bruno, later.pk) == later
    page = client_for(world.bruno).get(reverse("documents_folder", args=[world.sous.pk]))
    assert page.status_code == 200 and "profond.txt" in page.content.decode()
    # The breadcrumbs start at "Shared with me": never the owner's folders above the share.
    text = page.content.decode()
    crumbs = text[text.index('class="documents-crumbs"') :].split("</nav>")[0]
    assert "Shared with me" in crumbs and "Projet" in crumbs
    assert f'href="{reverse("documents_mine")}"' not in crumbs
    assert "Privé" not in text
    api = client_for(world.bruno).get(f"/api/v1/folders/{world.sous.pk}").json()
    assert [p["name"] for p in api["folder"]["path"]] == ["Projet", "Sous"]


def test_a_shared_file_alone_shows_nothing_else(world: World) -> None:
    actions.share(actor=world.anne, item=world.private, access="read", user=world.frank)
    assert queries.access_document(world.frank, world.private.pk) == world.private
    with pytest.raises(queries.NotFound):
        queries.access_document(world.frank, world.file.pk)
    with pytest.raises(queries.NotFound):
        queries.access_folder(world.frank, world.private.folder_id)


def test_what_write_allows_and_what_it_does_not(world: World) -> None:
    w = world
    carla, bruno = w.carla, w.bruno
    # Write: upload into the folder, a new version, rename inside, delete what one made.
    added = add_file(carla, w.sous, "carla.txt", b"c\n")
    actions.add_version(actor=carla, document=w.file, upload=io.BytesIO(b"v2\n"))
    actions.rename(actor=carla, item=w.deep, name="renommé.txt")
    actions.create_folder(actor=carla, parent=w.projet, name="De Carla")
    assert queries.can(carla, "delete", added)
    actions.trash(actor=carla, item=added)
    # Not: delete, rename or move the shared folder, delete the owner's file, move, share.
    for action in ("rename", "delete", "move"):
        assert not queries.can(carla, action, w.projet), action
    assert not queries.can(carla, "delete", w.file)
    assert not queries.can(carla, "move", w.file)
    with pytest.raises(PermissionDenied):
        actions.trash(actor=carla, item=w.projet)
    with pytest.raises(PermissionDenied):
        actions.share(actor=carla, item=w.file, access="read", user=w.frank)
    share_page = client_for(carla).get(reverse("documents_share", args=["folder", w.projet.pk]))
    assert share_page.status_code == 403
    # Read only: none of it.
    read_only: tuple[queries.Action, ...] = ("upload", "rename", "delete")
    for action in read_only:
        assert not queries.can(bruno, action, w.sous), action
    assert not queries.can(bruno, "version", w.file)
    with pytest.raises(PermissionDenied):
        actions.add_version(actor=bruno, document=w.file, upload=io.BytesIO(b"no\n"))
    # The trash of Anne's library stays hers.
    trash = client_for(carla).get(reverse("documents_trash", args=[w.projet.library_id]))
    assert trash.status_code == 404


def test_a_write_share_writes_through_the_pages(world: World) -> None:
    client = client_for(world.carla)
    response = client.post(
        reverse("documents_new_version", args=[world.file.pk]),
        {"file": SimpleUploadedFile("perroquet.txt", b"v2 via page\n")},
    )
    assert response.status_code == 302
    world.file.refresh_from_db()
    assert world.file.current is not None and world.file.current.number == 2


def test_a_write_share_writes_over_webdav_with_the_rules_of_the_pages(world: World) -> None:
    w = world
    # A new version of a shared file, a new file and a new folder inside the shared folder.
    put = _dav(w.carla, "PUT", f"{DAV_SHARED}/Projet/perroquet.txt", b"v2 par WebDAV\n")
    assert put.status_code == 204
    w.file.refresh_from_db()
    assert w.file.current is not None and w.file.current.created_by == w.carla
    assert _dav(w.carla, "PUT", f"{DAV_SHARED}/Projet/Sous/neuf.txt", b"neuf\n").status_code == 201
    made = Document.objects.get(name="neuf.txt")
    assert made.library == w.projet.library and made.created_by == w.carla
    assert _dav(w.carla, "MKCOL", f"{DAV_SHARED}/Projet/Carla").status_code == 201
    # Renaming and deleting what she added; a MOVE within a folder is a rename.
    renamed = _dav(
        w.carla,
        "MOVE",
        f"{DAV_SHARED}/Projet/Sous/neuf.txt",
        Destination=f"http://testserver{DAV_SHARED}/Projet/Sous/renomm%C3%A9.txt",
    )
    assert renamed.status_code == 201, renamed.data
    made.refresh_from_db()
    assert made.name == "renommé.txt"
    assert _dav(w.carla, "DELETE", f"{DAV_SHARED}/Projet/Sous/renomm%C3%A9.txt").status_code == 204
    # Not what Anne made, nor the shared folder itself, nor anything at the top.
    assert _dav(w.carla, "DELETE", f"{DAV_SHARED}/Projet/Sous/profond.txt").status_code == 403
    assert _dav(w.carla, "DELETE", f"{DAV_SHARED}/Projet").status_code == 403
    assert _dav(w.carla, "PUT", f"{DAV_SHARED}/top.txt", b"x").status_code == 403
    assert _dav(w.carla, "MKCOL", f"{DAV_SHARED}/Dossier").status_code == 403
    # A read share writes nothing.
    assert _dav(w.bruno, "PUT", f"{DAV_SHARED}/Projet/perroquet.txt", b"x").status_code == 403
    assert _dav(w.bruno, "PUT", f"{DAV_SHARED}/Projet/b.txt", b"x").status_code == 403
    assert _dav(w.bruno, "MKCOL", f"{DAV_SHARED}/Projet/B").status_code == 403
    assert not Document.objects.filter(name="b.txt").exists()
    # Revoked: nothing more.
    actions.revoke_share(actor=w.anne, share=w.write)
    gone = _dav(w.carla, "PUT", f"{DAV_SHARED}/Projet/perroquet.txt", b"x")
    assert gone.status_code in (404, 409)  # 409: the folder to put it in is not there (RFC 4918)
    w.file.refresh_from_db()
    assert w.file.current is not None and w.file.current.created_by == w.carla


def test_webdav_lists_shared_with_me(world: World) -> None:
    top = _dav(world.bruno, "PROPFIND", "/dav/files/", Depth="1")
    assert top.status_code == 207 and b"Shared%20with%20me" in top.data
    shared = _dav(world.bruno, "PROPFIND", "/dav/files/Shared%20with%20me/", Depth="1")
    assert shared.status_code == 207 and b"/Projet/" in shared.data
    inside = _dav(world.bruno, "PROPFIND", "/dav/files/Shared%20with%20me/Projet/Sous/", Depth="1")
    assert b"profond.txt" in inside.data
    assert _dav(world.frank, "PROPFIND", f"{DAV_SHARED}/Projet/", Depth="1").status_code == 404
    assert _dav(world.bruno, "DELETE", f"{DAV_SHARED}/Projet/perroquet.txt").status_code == 403
    assert Document.objects.filter(pk=world.file.pk, trashed_at__isnull=True).exists()


def test_trash_deactivation_and_moving_out_end_access(world: World) -> None:
    w = world
    actions.trash(actor=w.anne, item=w.sous)
    with pytest.raises(queries.NotFound):
        queries.access_document(w.bruno, w.deep.pk)
    assert w.deep.pk not in set(queries.readable_documents(w.bruno).values_list("pk", flat=True))
    assert w.file.pk in set(queries.readable_documents(w.bruno).values_list("pk", flat=True))
    # A folder moved to a space's library leaves its shares behind.
    target = root_for(make_space(owner=w.anne, name="Ailleurs", kind="private"))
    actions.move(actor=w.anne, item=w.projet, target=target)
    assert not Share.objects.filter(folder=w.projet).exists()
    with pytest.raises(queries.NotFound):
        queries.access_document(w.bruno, w.file.pk)


def test_a_deactivated_owner_shares_nothing(world: World) -> None:
    from cercle.accounts.actions.people import deactivate_person

    deactivate_person(actor=make_admin(), person=world.anne)
    with pytest.raises(queries.NotFound):
        queries.access_document(world.bruno, world.file.pk)
    assert queries.shared_with(world.bruno) == []
    assert not queries.readable_documents(world.bruno).filter(pk=world.file.pk).exists()


def test_bad_input_is_refused_and_changes_nothing(world: World) -> None:
    w = world
    before = Share.objects.count()
    space_file = add_file(w.anne, root_for(w.space), "espace.txt")
    with pytest.raises(PermissionDenied):  # a space's file
        actions.share(actor=w.anne, item=space_file, access="read", user=w.bruno)
    with pytest.raises(PermissionDenied):  # someone else's file
        actions.share(actor=w.bruno, item=w.file, access="read", user=w.frank)
    with pytest.raises(ValidationError):  # oneself
        actions.share(actor=w.anne, item=w.file, access="read", user=w.anne)
    with pytest.raises(ValidationError):  # no such access
        actions.share(actor=w.anne, item=w.file, access="admin", user=w.frank)
    with pytest.raises(ValidationError):  # a space she is not a member of
        actions.share(actor=w.anne, item=w.file, access="read", space=make_space(owner=w.frank))
    org = organisation_space()  # everyone is in it: share with people or a smaller space
    Membership.objects.get_or_create(space=org, user=w.anne)
    with pytest.raises(ValidationError):
        actions.share(actor=w.anne, item=w.file, access="read", space=org)
    with pytest.raises(PermissionDenied):  # the root of My documents
        actions.share(actor=w.anne, item=root_for(owner=w.anne), access="read", user=w.frank)
    client = client_for(w.anne)
    url = reverse("documents_share", args=["file", w.file.pk])
    for data, words in (
        ({"person": "nobody-here", "access": "read"}, "No such person"),
        ({"person": "anne", "access": "read"}, "yourself"),
        ({"person": "", "access": "read"}, "one person or one space"),
        ({"person": "frank", "space": str(w.space.pk), "access": "read"}, "one person"),
        ({"person": "frank", "access": "owner"}, "read only or read and write"),
        ({"space": "999999", "access": "read"}, "member of"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert words in response.content.decode(), data
    # Someone else's file or a space's: no share page.
    assert client_for(w.bruno).post(url, {"person": "frank"}).status_code == 403
    space_url = reverse("documents_share", args=["file", space_file.pk])
    assert client.get(space_url).status_code == 403
    assert client_for(w.frank).get(url).status_code == 404
    assert Share.objects.count() == before


def test_the_share_page_shares_changes_and_revokes(world: World) -> None:
    w = world
    client = client_for(w.anne)
    url = reverse("documents_share", args=["file", w.private.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"person": "frank", "access": "read"}).status_code == 302
    made = Share.objects.get(document=w.private, user=w.frank)
    assert made.access == "read"
    # Again with write: the same share, its access changed.
    client.post(url, {"person": "@frank", "access": "write"})
    made.refresh_from_db()
    assert made.access == "write" and Share.objects.filter(document=w.private).count() == 1
    page = client.get(url).content.decode()
    assert w.frank.display_name in page
    assert reverse("documents_revoke_share", args=[made.pk]) in page
    # Only the owner (or an organisation admin) revokes.
    revoke = reverse("documents_revoke_share", args=[made.pk])
    assert client_for(w.frank).post(revoke).status_code == 404
    assert client.post(revoke).status_code == 302
    assert not Share.objects.filter(pk=made.pk).exists()
    again = actions.share(actor=w.anne, item=w.private, access="read", user=w.frank)
    actions.revoke_share(actor=make_admin(), share=again)
    assert not Share.objects.filter(pk=again.pk).exists()
    logged = set(
        AuditEntry.objects.filter(action__startswith="documents.share").values_list(
            "action", flat=True
        )
    )
    assert {"documents.shared", "documents.share_changed", "documents.share_revoked"} <= logged


def test_shared_with_me_page_and_links(world: World) -> None:
    mine = client_for(world.anne).get(reverse("documents_mine")).content.decode()
    assert reverse("documents_shared") in mine
    folder_page = client_for(world.anne).get(reverse("documents_folder", args=[world.projet.pk]))
    assert (
        reverse("documents_share", args=["folder", world.projet.pk]) in folder_page.content.decode()
    )
    page = client_for(world.dora).get(reverse("documents_shared"))
    text = page.content.decode()
    assert page.status_code == 200 and "Projet" in text and "Équipe" in text
    assert (
        "Nothing is shared with you yet"
        in client_for(world.frank).get(reverse("documents_shared")).content.decode()
    )
    # Shared twice (directly and through a space): listed once, with the best access.
    add_member(world.space, world.carla)
    [entry] = queries.shared_with(world.carla)
    assert entry.access == "write" and entry.through == ["Équipe"]


def test_shared_with_me_costs_a_fixed_number_of_queries(world: World) -> None:
    client = client_for(world.bruno)
    client.get(reverse("documents_shared"))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("documents_shared")).status_code == 200
        return len(captured)

    few = count()
    for n in range(6):
        folder = add_folder(world.anne, root_for(owner=world.anne), f"Dossier {n}")
        actions.share(actor=world.anne, item=folder, access="read", user=world.bruno)
        document = add_file(world.anne, folder, f"f{n}.txt")
        actions.share(actor=world.anne, item=document, access="write", user=world.bruno)
    assert count() == few
    api = client.get("/api/v1/shared-with-me")
    assert api.status_code == 200 and len(api.json()["items"]) == 13


def test_the_api(world: World) -> None:
    w = world
    owner = client_for(w.anne)
    url = f"/api/v1/files/{w.private.pk}/shares"
    made = owner.post(
        url, {"username": "frank", "access": "write"}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["person"]["username"] == "frank" and body["access"] == "write"
    assert body["item_type"] == "file" and body["item_id"] == w.private.pk
    listed = owner.get(url).json()["items"]
    assert [s["id"] for s in listed] == [body["id"]]
    spaces = owner.get(f"/api/v1/folders/{w.projet.pk}/shares").json()["items"]
    assert {s["space"]["name"] if s["space"] else s["person"]["username"] for s in spaces} == {
        "bruno",
        "carla",
        "Équipe",
    }
    frank = client_for(w.frank)
    shared = frank.get("/api/v1/shared-with-me").json()["items"]
    assert [(i["type"], i["id"], i["access"]) for i in shared] == [("file", w.private.pk, "write")]
    assert frank.get(f"/api/v1/files/{w.private.pk}").json()["can_version"] is True
    # A grantee's view of a shared folder's path starts at the shared folder.
    sous = client_for(w.bruno).get(f"/api/v1/folders/{w.sous.pk}").json()
    assert [p["name"] for p in sous["folder"]["path"]] == ["Projet", "Sous"]
    # Bad input: a 4xx with a reason, nothing changed.
    for payload in (
        {"username": "nobody-here"},
        {"username": "anne"},
        {},
        {"username": "frank", "space_id": w.space.pk},
        {"space_id": make_space(owner=w.frank).pk},
        {"username": "frank", "access": "all"},
    ):
        response = owner.post(url, payload, content_type="application/json")
        assert 400 <= response.status_code < 500, payload
        assert "detail" in response.json(), payload
    assert frank.get(url).status_code == 403  # a grantee does not manage shares
    assert client_for(w.dora).get(url).status_code == 404
    assert frank.delete(f"/api/v1/shares/{body['id']}").status_code == 404
    assert owner.delete(f"/api/v1/shares/{body['id']}").status_code == 204
    assert frank.get(f"/api/v1/files/{w.private.pk}").status_code == 404
    assert frank.get("/api/v1/shared-with-me").json()["items"] == []


def test_the_notification(world: World) -> None:
    w = world
    told = Notification.objects.filter(kind=SHARED)
    told_to = set(told.values_list("recipient__username", flat=True))
    assert told_to >= {"bruno", "carla", "dora"} and "frank" not in told_to
    # Eve heard of it as a member; having left, she no longer sees it.
    assert not visible_notifications(w.eve).filter(kind=SHARED).exists()
    note = told.get(recipient=w.bruno)
    kind = registry.kind(SHARED)
    assert kind is not None
    assert kind.link(note) == reverse("documents_folder", args=[w.projet.pk])
    with translation.override("en"):
        assert describe(note) == f"{w.anne.display_name} shared with you “Projet”"
    assert note in visible_notifications(w.bruno)
    # Changing the access says nothing new; a revoke hides it.
    actions.share(actor=w.anne, item=w.projet, access="write", user=w.bruno)
    assert told.filter(recipient=w.bruno).count() == 1
    actions.revoke_share(actor=w.anne, share=Share.objects.get(user=w.bruno))
    assert note not in visible_notifications(w.bruno)
    # A file shared alone names the file, and leads to it.
    actions.share(actor=w.anne, item=w.private, access="read", user=w.frank)
    file_note = Notification.objects.get(kind=SHARED, recipient=w.frank)
    assert kind.link(file_note) == reverse("documents_file", args=[w.private.pk])


def test_the_personal_data_export_holds_the_shares_given_and_received(world: World) -> None:
    w = world

    def exported(person: Any) -> list[dict[str, Any]]:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            writer = ExportWriter(archive)
            with CaptureQueriesContext(connection) as captured:
                documents_personal_data._export_shares(person, writer)
            assert len(captured) == 2  # given, received (the memberships are a subquery)
        with zipfile.ZipFile(buffer) as archive:
            rows: list[dict[str, Any]] = json.loads(archive.read("documents/shares.json"))
        return rows

    given = exported(w.anne)
    assert {
        (r["direction"], r["item"], r["with_person"], r["with_space"], r["access"]) for r in given
    } == {
        ("given", "Projet", w.bruno.get_full_name(), None, "read"),
        ("given", "Projet", w.carla.get_full_name(), None, "write"),
        ("given", "Projet", None, "Équipe", "read"),
    }
    carla = exported(w.carla)
    assert [(r["direction"], r["item"], r["access"]) for r in carla] == [
        ("received", "Projet", "write")
    ]
    assert carla[0]["owner"] == w.anne.get_full_name()
    # Through a space she is a member of; Eve left it; Frank has none.
    assert [r["direction"] for r in exported(w.dora)] == ["received"]
    assert exported(w.eve) == []
    assert exported(w.frank) == []
