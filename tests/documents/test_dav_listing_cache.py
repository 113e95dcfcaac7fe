"""A large WebDAV listing kept between requests (`documents/listing_cache.py`): given again byte
for byte without reading its rows, and never after a write that changes what it shows — each
kind of write below, through the actions, WebDAV, or a bare `.update()`. The usage a folder's
page shows, kept the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercle.documents import actions, listing_cache, queries
from cercle.documents.models import Document, Folder, Share
from tests.documents.test_dav import LOCKINFO, MINE, SHARED, Dav, _settled
from tests.factories import add_member, make_space
from tests.helpers.documents import add_file, add_folder, root_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_listings_kept(monkeypatch: Any) -> None:
    monkeypatch.setattr(listing_cache, "MIN_MEMBERS", 1)
    listing_cache.clear()


def _folder(anne: Any) -> Folder:
    folder = add_folder(anne, root_for(owner=anne), "liste")
    for n in range(4):
        add_file(anne, folder, f"fichier {n}.txt", f"{n}".encode())
    add_file(anne, add_folder(anne, folder, "sous"), "dedans.txt", b"d")
    return folder


def _listing(dav: Dav, path: str, depth: str) -> tuple[bytes, int]:
    with CaptureQueriesContext(connection) as captured:
        response = dav("PROPFIND", path, Depth=depth)
    assert response.status_code == 207, response.data
    return _settled(response.data), len(captured)


def _fresh(dav: Dav, path: str, depth: str) -> bytes:
    """The listing written anew from the database (nothing kept)."""
    listing_cache.clear()
    return _listing(dav, path, depth)[0]


@pytest.mark.parametrize("depth", ["1", "infinity"])
def test_a_listing_is_given_again_byte_for_byte_without_its_row_queries(
    anne: Any, depth: str
) -> None:
    _folder(anne)
    dav = Dav(anne)
    path = f"{MINE}/liste/"
    _listing(dav, path, depth)  # notes the token's use
    listing_cache.clear()
    first, first_queries = _listing(dav, path, depth)
    again, again_queries = _listing(dav, path, depth)
    assert again == first == _fresh(dav, path, depth)
    assert b"fichier%200.txt" in again
    assert (b"sous/dedans.txt" in again) is (depth == "infinity")
    # The folders' and the documents' rows are not read again (two queries fewer).
    assert again_queries == first_queries - 2, (first_queries, again_queries)


def _upload(anne: Any, folder: Folder, dav: Dav) -> None:
    add_file(anne, folder, "nouveau.txt", b"n")


def _put_version(anne: Any, folder: Folder, dav: Dav) -> None:
    put = dav("PUT", f"{MINE}/liste/fichier%201.txt", b"longer content", content_type="text/csv")
    assert put.status_code == 204, put.data


def _rename(anne: Any, folder: Folder, dav: Dav) -> None:
    actions.rename(actor=anne, item=Document.objects.get(name="fichier 2.txt"), name="autre.txt")


def _rename_subfolder(anne: Any, folder: Folder, dav: Dav) -> None:
    actions.rename(actor=anne, item=Folder.objects.get(name="sous"), name="dessous")


def _move_out(anne: Any, folder: Folder, dav: Dav) -> None:
    document = Document.objects.get(name="fichier 3.txt")
    actions.move(actor=anne, item=document, target=root_for(owner=anne))


def _webdav_move_in(anne: Any, folder: Folder, dav: Dav) -> None:
    add_file(anne, root_for(owner=anne), "dehors.txt", b"d")
    moved = dav(
        "MOVE", f"{MINE}/dehors.txt", Destination=f"http://testserver{MINE}/liste/dehors.txt"
    )
    assert moved.status_code == 201, moved.data


def _delete(anne: Any, folder: Folder, dav: Dav) -> None:
    assert dav("DELETE", f"{MINE}/liste/fichier%200.txt").status_code == 204


def _restore(anne: Any, folder: Folder, dav: Dav) -> None:
    document = Document.objects.get(name="fichier 0.txt")
    actions.trash(actor=anne, item=document)
    assert b"fichier%200.txt" not in _listing(dav, f"{MINE}/liste/", "1")[0]  # kept without it
    actions.restore(actor=anne, item=Document.objects.get(pk=document.pk))


def _modified_time(anne: Any, folder: Folder, dav: Dav) -> None:
    actions.set_modified_time(
        actor=anne,
        document=Document.objects.get(name="fichier 1.txt"),
        moment=datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC),
    )


def _bare_update(anne: Any, folder: Folder, dav: Dav) -> None:
    # Not through the actions: any statement writing the listed tables is seen.
    Document.objects.filter(name="fichier 1.txt").update(name="renommé en douce.txt")


def _lock(anne: Any, folder: Folder, dav: Dav) -> None:
    taken = dav("LOCK", f"{MINE}/liste/fichier%201.txt", LOCKINFO, Timeout="Second-3600")
    assert taken.status_code == 200, taken.data


def _unlock(anne: Any, folder: Folder, dav: Dav) -> None:
    lock = actions.lock(actor=anne, item=Document.objects.get(name="fichier 1.txt"))
    assert lock.token.encode() in _listing(dav, f"{MINE}/liste/", "1")[0]  # never kept
    actions.unlock(actor=anne, lock=lock)


def _dead_property(anne: Any, folder: Folder, dav: Dav) -> None:
    actions.set_dead_property(
        item=Document.objects.get(name="fichier 2.txt"), name="{x:}y", value="<y/>"
    )


WRITES: dict[str, Callable[[Any, Folder, Dav], None]] = {
    "upload": _upload,
    "a new version over WebDAV": _put_version,
    "rename": _rename,
    "rename a subfolder": _rename_subfolder,
    "move out": _move_out,
    "move in over WebDAV": _webdav_move_in,
    "delete over WebDAV": _delete,
    "restore": _restore,
    "modification time": _modified_time,
    "a bare update": _bare_update,
    "lock": _lock,
    "unlock": _unlock,
    "dead property": _dead_property,
}


@pytest.mark.parametrize("depth", ["1", "infinity"])
@pytest.mark.parametrize("write", WRITES)
def test_every_write_shows_in_the_next_listing(anne: Any, write: str, depth: str) -> None:
    folder = _folder(anne)
    dav = Dav(anne)
    path = f"{MINE}/liste/"
    kept = _listing(dav, path, depth)[0]
    assert _listing(dav, path, depth)[0] == kept  # given again
    WRITES[write](anne, folder, dav)
    after = _listing(dav, path, depth)[0]
    if write not in ("restore", "unlock"):  # those come back to where they were
        assert after != kept
    assert after == _fresh(dav, path, depth)


def test_what_a_reader_may_do_is_read_on_each_request(anne: Any, bruno: Any) -> None:
    """The rights are part of what is kept: a reader becoming a member is offered locks."""
    space = make_space(owner=anne, kind="open", name="Annonces")
    root = root_for(space)
    for n in range(3):
        add_file(anne, root, f"note {n}.txt", b"n")
    dav = Dav(bruno)
    path = f"/dav/files/{space.slug}/"
    reader = _listing(dav, path, "1")[0]
    assert b"supportedlock" not in reader
    assert b"supportedlock" in _listing(Dav(anne), path, "1")[0]  # another key
    assert _listing(dav, path, "1")[0] == reader
    add_member(space, bruno)
    member = _listing(dav, path, "1")[0]
    assert b"supportedlock" in member
    assert member == _fresh(dav, path, "1")


def test_shares_are_read_on_each_request(anne: Any, bruno: Any) -> None:
    """Under `/Shared with me`, nothing is kept: a share made writable offers locks at once,
    a revoked one is gone."""
    folder = _folder(anne)
    actions.share(actor=anne, item=folder, access="read", user=bruno)
    dav = Dav(bruno)
    path = f"{SHARED}/liste/"
    read = _listing(dav, path, "1")[0]
    assert b"supportedlock" not in read
    actions.share(actor=anne, item=folder, access="write", user=bruno)
    assert b"supportedlock" in _listing(dav, path, "1")[0]
    actions.revoke_share(actor=anne, share=Share.objects.get(folder=folder, user=bruno))
    assert dav("PROPFIND", path, Depth="1").status_code == 404


def test_a_write_in_a_transaction_makes_a_new_generation_now_and_after_its_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """(No other write before it in the test's transaction: the bump after the commit is
    registered once for the outermost transaction.)"""
    before = listing_cache.generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        Document.objects.filter(pk=0).update(created_at=datetime(2001, 1, 1, tzinfo=UTC))
        during = listing_cache.generation()
        Folder.objects.filter(pk=0).update(name="y")
    after = listing_cache.generation()
    assert len({before, during, after}) == 3
    assert len(callbacks) == 1  # once per transaction, however many statements
    Share.objects.filter(pk=0).delete()  # another table: the same generation
    assert listing_cache.generation() == after


def test_the_kept_listings_stay_within_their_bytes(monkeypatch: Any) -> None:
    monkeypatch.setattr(listing_cache, "MAX_BYTES", 100)
    for n in range(5):
        listing_cache.put(("g", n), listing_cache.Kept((b"x" * 30,), (), 30))
    assert listing_cache.get(("g", 0)) is None
    assert listing_cache.get(("g", 4)) is not None
    listing_cache.put(("h", 0), listing_cache.Kept((b"y",), (), 1))
    assert listing_cache.get(("g", 4)) is None  # a former generation's


def test_the_folder_page_s_usage_is_kept_until_a_write(anne: Any) -> None:
    """A folder's page shows its library's usage kept under the listing generation
    (`queries.kept_usage`): an upload, a trashed file and a restored one show at once."""
    folder = add_folder(anne, root_for(owner=anne), "liste")
    add_file(anne, folder, "a.txt", b"x" * 1000)
    client = Client()
    client.force_login(anne)
    url = reverse("documents_folder", args=[folder.pk])

    def usage_sentence() -> str:
        page = client.get(url).content.decode()
        start = page.index('id="documents-quota-text"')
        return page[start : page.index("</p>", start)]

    kept = usage_sentence()
    assert usage_sentence() == kept
    document = add_file(anne, folder, "b.txt", b"y" * 5000)
    assert queries.kept_usage(folder.library) == queries.usage(folder.library) == 6000
    uploaded = usage_sentence()
    assert uploaded != kept
    actions.trash(actor=anne, item=document)
    assert usage_sentence() == kept
    actions.restore(actor=anne, item=Document.objects.get(pk=document.pk))
    assert usage_sentence() == uploaded
    listing_cache.bump()
    assert usage_sentence() == uploaded  # as drawn anew
