"""Who can see and act on a post: kind of space × role × action, checked over `can`, over
`visible_posts`/`access_post` (which must agree), and over the pages (see tests/feed/test_views.py)
and the API (tests/feed/test_api.py) through `EXPECTED`.
"""

from __future__ import annotations

import pytest

from cercle.feed import queries
from cercle.feed.queries import ACTIONS
from tests.factories import make_admin, make_guest, make_post, make_space, make_user
from tests.helpers.visibility import AUTHOR, EXPECTED, NOTHING, READER, T, build

pytestmark = pytest.mark.django_db


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
