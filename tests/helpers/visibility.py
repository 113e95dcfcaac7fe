"""The rule book of who can see and act on a post — kind of space × role × action — and the
people and posts that play each role, shared by the tests that check it over `can`,
`visible_posts`/`access_post`, the pages, the API and the live events."""

from __future__ import annotations

from typing import Any

from cercle.feed.queries import ACTIONS
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_admin, make_guest, make_post, make_space, make_user

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
