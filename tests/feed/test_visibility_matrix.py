"""Who can see and act on a post: kind of space × role × action, checked over `can`, over
`visible_posts`/`access_post` (which must agree), and over the pages (see tests/feed/test_views.py)
and the API (tests/feed/test_api.py) through `EXPECTED`.
"""

from __future__ import annotations

from typing import Any

import pytest

from cercle.feed import queries
from cercle.feed.queries import ACTIONS
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_admin, make_guest, make_post, make_space, make_user

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

T, F = True, False
ALL = dict.fromkeys(ACTIONS, True)
NOTHING = dict.fromkeys(ACTIONS, False)
READER = {"see": T, "comment": T, "react": T, "share": T, "edit": F, "delete": F, "pin": F}
GUEST_READER = {**READER, "share": F}
MODERATOR = {**READER, "delete": T, "pin": T}
AUTHOR = {**READER, "edit": T, "delete": T}


def expected(kind: str, role: str) -> dict[str, bool]:
    if role in ("deactivated", "guest"):
        return NOTHING
    if role == "org_admin":
        return MODERATOR
    if role == "author":
        # In the organisation space, authors are staff, who moderate it.
        return {**MODERATOR, "edit": T} if kind == "organisation" else AUTHOR
    if role in ("moderator", "admin", "owner"):
        return MODERATOR
    if role == "member":
        return READER
    if role == "guest_member":
        return GUEST_READER
    # Not a member.
    return READER if kind in ("open", "organisation") else NOTHING


EXPECTED = {(kind, role): expected(kind, role) for kind in KINDS for role in ROLES}


def build(kind: str, role: str) -> tuple[Any, Any]:
    """A post in a space of `kind`, and a person having `role` towards it."""
    if kind == "organisation":
        space = space_queries.organisation_space()
        writer = make_user(role="staff")
        post = make_post(author=writer, space=space, body="Announcement")
    else:
        space = make_space(kind=kind)
        writer = make_user()
        post = make_post(author=writer, space=space, body="Hello")
    if role == "author":
        return post, writer
    if role == "org_admin":
        return post, make_admin()
    if role == "guest":
        return post, make_guest()
    if role == "guest_member":
        guest = make_guest()
        add_member(space, guest)
        return post, guest
    if role == "none":
        return post, make_user()
    if role == "deactivated":
        person = make_user()
        add_member(space, person)
        person.is_active = False
        person.save()
        return post, person
    person = make_user()
    if role == "owner" and kind != "organisation":
        add_member(space, person, "owner")
    else:
        add_member(space, person, role)
    return post, person


@pytest.mark.parametrize(("kind", "role"), list(EXPECTED))
def test_matrix(kind: str, role: str) -> None:
    post, person = build(kind, role)
    want = EXPECTED[(kind, role)]
    got = {action: queries.can(person, action, post) for action in ACTIONS}
    assert got == want
    # The queryset and the single-object check agree with `can("see")`.
    assert queries.visible_posts(person).filter(pk=post.pk).exists() is want["see"]
    if want["see"]:
        assert queries.access_post(person, post.pk) == post
    else:
        with pytest.raises(queries.NotFound):
            queries.access_post(person, post.pk)


@pytest.mark.parametrize(
    ("role", "want"),
    [
        ("author", AUTHOR),
        ("none", READER),
        ("guest", NOTHING),
        ("deactivated", NOTHING),
        ("org_admin", {**READER, "delete": T}),
    ],
)
def test_profile_wall_matrix(role: str, want: dict[str, bool]) -> None:
    author = make_user()
    post = make_post(author=author, body="On my wall")
    person = {
        "author": author,
        "none": make_user(),
        "guest": make_guest(),
        "deactivated": make_user(is_active=False),
        "org_admin": make_admin(),
    }[role]
    assert {a: queries.can(person, a, post) for a in ACTIONS} == want
    assert queries.visible_posts(person).filter(pk=post.pk).exists() is want["see"]


def test_archived_space_is_read_only_for_everyone() -> None:
    owner, member = make_user(), make_user()
    space = make_space(owner=owner, members=(member,))
    post = make_post(author=member, space=space)
    space.archived_at = post.created_at
    space.save()
    assert queries.can(member, "see", post)
    for action in ("comment", "react", "edit", "pin"):
        assert not queries.can(member, action, post)
        assert not queries.can(owner, action, post)
    assert queries.can(owner, "delete", post)


def test_a_guest_sees_their_own_wall_only() -> None:
    guest = make_user()
    own = make_post(author=guest, body="Mine")  # written before they became a guest
    guest.role = "guest"
    guest.save(update_fields=["role"])
    other = make_post(author=make_user(), body="Theirs")
    ids = set(queries.visible_posts(guest).values_list("pk", flat=True))
    assert own.pk in ids and other.pk not in ids
