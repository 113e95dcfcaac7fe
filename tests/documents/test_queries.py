"""Who may do what in a library: kind of space × role × action (like the wall's matrix in
tests/feed/test_visibility_matrix.py), plus archived spaces, the module switched off, personal
libraries, and the lookups (`readable_libraries`, `access_*`) agreeing with `can`."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cercle.documents import actions, queries
from cercle.documents.queries import ACTIONS
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_admin, make_guest, make_space, make_user
from tests.helpers.documents import add_file, add_folder, root_for

pytestmark = pytest.mark.django_db

KINDS = ("open", "request", "private", "secret", "organisation")
ROLES = (
    "none",
    "member",
    "moderator",
    "admin",
    "owner",
    "author",
    "guest",
    "guest_member",
    "deactivated",
    "org_admin",
)
MEMBERS = {"member", "moderator", "admin", "owner", "author", "guest_member"}


def expected(kind: str, role: str) -> dict[str, bool]:
    organisation = kind == "organisation"
    read = role in MEMBERS or role == "org_admin"
    read = read or (role == "none" and kind in ("open", "organisation"))
    if organisation:
        write = role in ("admin", "owner", "author", "org_admin")
        manage = role in ("moderator", "admin", "owner", "author", "org_admin")
    else:
        write = role in MEMBERS
        manage = role in ("moderator", "admin", "owner", "org_admin")
    own = role == "author"
    changes = manage or (write and own)
    return {
        "list": read,
        "read": read,
        "upload": write,
        "version": write,
        "rename": changes,
        "move": changes,
        "delete": changes,
        "restore": changes,
    }


EXPECTED = {(kind, role): expected(kind, role) for kind in KINDS for role in ROLES}


def build(kind: str, role: str) -> tuple[Any, Any, Any]:
    """A folder and a document in a space of `kind`, and a person having `role` towards them."""
    if kind == "organisation":
        space = space_queries.organisation_space()
        writer = make_user(role="staff")
    else:
        writer = make_user()
        space = make_space(kind=kind, members=(writer,))
    root = root_for(space)
    folder = add_folder(writer, root, "Projet")
    document = add_file(writer, folder, "plan.txt")
    if role == "author":
        return folder, document, writer
    person: Any
    if role == "org_admin":
        person = make_admin()
    elif role == "guest":
        person = make_guest()
    elif role == "guest_member":
        person = make_guest()
        add_member(space, person)
    elif role == "none":
        person = make_user()
    elif role == "deactivated":
        person = make_user()
        add_member(space, person)
        person.is_active = False
        person.save(update_fields=["is_active"])
    else:
        person = make_user()
        add_member(space, person, role)
    return folder, document, person


def _got(person: Any, folder: Any, document: Any) -> dict[str, bool]:
    return {
        action: queries.can(person, action, folder if action in ("list", "upload") else document)
        for action in ACTIONS
    }


@pytest.mark.parametrize(("kind", "role"), list(EXPECTED))
def test_matrix(kind: str, role: str) -> None:
    folder, document, person = build(kind, role)
    want = EXPECTED[(kind, role)]
    assert _got(person, folder, document) == want
    # The folder follows the same rules as the document for what both have.
    for action in ("rename", "move", "delete", "restore"):
        assert queries.can(person, action, folder) is want[action]
    # The lookups agree with `can("read")`.
    readable = queries.readable_libraries(person).filter(pk=folder.library_id).exists()
    assert readable is want["read"]
    if want["read"]:
        assert queries.access_document(person, document.pk) == document
        assert queries.access_folder(person, folder.pk) == folder
    else:
        with pytest.raises(queries.NotFound):
            queries.access_document(person, document.pk)
        with pytest.raises(queries.NotFound):
            queries.access_folder(person, folder.pk)


@pytest.mark.parametrize("role", ["member", "owner", "author", "org_admin"])
def test_an_archived_space_is_read_only(role: str) -> None:
    folder, document, person = build("open", role)
    space = folder.library.space
    space.archived_at = timezone.now()
    space.save(update_fields=["archived_at"])
    got = _got(person, folder, document)
    assert got == {action: action in ("list", "read") for action in ACTIONS}


@pytest.mark.parametrize("role", ["member", "owner", "org_admin"])
def test_documents_switched_off_hide_the_library(role: str) -> None:
    folder, document, person = build("open", role)
    space = folder.library.space
    space.module_settings = {**space.module_settings, "documents": False}
    space.save(update_fields=["module_settings"])
    assert not any(_got(person, folder, document).values())
    assert not queries.readable_libraries(person).filter(pk=folder.library_id).exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("owner", True), ("other", False), ("org_admin", False), ("deactivated", False)],
)
def test_my_documents_are_mine_alone(who: str, allowed: bool) -> None:
    owner = make_user()
    root = root_for(owner=owner)
    folder = add_folder(owner, root, "Perso")
    document = add_file(owner, folder, "cv.txt")
    person = {
        "owner": owner,
        "other": make_user(),
        "org_admin": make_admin(),
        "deactivated": owner,
    }[who]
    if who == "deactivated":
        owner.is_active = False
        owner.save(update_fields=["is_active"])
    assert _got(person, folder, document) == dict.fromkeys(ACTIONS, allowed)


def test_the_root_folder_is_never_renamed_moved_or_deleted() -> None:
    owner = make_user()
    root = root_for(owner=owner)
    for action in ("rename", "move", "delete", "restore"):
        assert not queries.can(owner, action, root)
    assert queries.can(owner, "upload", root)


def test_whoever_trashed_it_may_restore_it() -> None:
    writer, moderator = make_user(), make_user()
    space = make_space(members=(writer,))
    add_member(space, moderator, "moderator")
    document = add_file(writer, root_for(space), "x.txt")
    actions.trash(actor=moderator, item=document)
    add_member(space, other := make_user())
    document.refresh_from_db()
    assert queries.can(writer, "restore", document)  # the author
    assert queries.can(moderator, "restore", document)  # who trashed it, a moderator
    assert not queries.can(other, "restore", document)  # another member


def test_odd_ids_are_not_found() -> None:
    person = make_user()
    for odd in ("0", "-1", "abc", str(2**64), "1.5", ""):
        with pytest.raises(queries.NotFound):
            queries.access_folder(person, odd)
        with pytest.raises(queries.NotFound):
            queries.access_document(person, odd)


def test_listing_costs_a_fixed_number_of_queries(django_assert_num_queries: Any) -> None:
    owner = make_user()
    root = root_for(owner=owner)
    for n in range(12):
        add_file(owner, root, f"f{n}.txt", f"{n}\n".encode())
        add_folder(owner, root, f"d{n}")
    for sort in queries.SORTS:
        with django_assert_num_queries(2):
            list(queries.documents_in(root, sort=sort))
            queries.subfolders(root, sort=sort)
