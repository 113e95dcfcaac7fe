"""Search against each module's own rule, on random data (hypothesis).

Random people (members, guests, an admin; some deactivated), spaces of every kind with random
members, and, in them or outside, posts, comments, messages (direct conversations), pages,
events (public or private) and files, all holding one rare word, written through the modules'
actions (the index follows them); then some memberships removed. For every person and every kind,
what search finds for that word is exactly what the module's own `visible_*` query lets that
person see among those objects — nothing more (a leak), nothing less (a lost entry) — and the
counts per kind say the same.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    add_member,
    make_direct,
    make_event,
    make_message,
    make_post,
    make_space,
    make_user,
)

WORD = "zorglub"
ROLES = ["member", "member", "guest", "admin"]
SPACE_KINDS = ["open", "request", "private", "secret"]
ITEMS = ["post", "comment", "message", "page", "event", "private_event", "document"]

people_st = st.lists(
    st.tuples(st.sampled_from(ROLES), st.booleans(), st.booleans()),  # role, active, named WORD
    min_size=2,
    max_size=4,
)
spaces_st = st.lists(
    st.tuples(st.sampled_from(SPACE_KINDS), st.booleans(), st.sets(st.integers(0, 3))),
    min_size=1,
    max_size=3,
)  # kind, named WORD, members (indexes into people)
items_st = st.lists(
    st.tuples(st.sampled_from(ITEMS), st.integers(0, 3), st.integers(-1, 2), st.integers(0, 3)),
    min_size=1,
    max_size=8,
)  # what, author, space (-1: none), other person (a message's)
removals_st = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), max_size=2)


def _expected(user: Any, created: dict[str, set[int]]) -> dict[str, set[int]]:
    """Each kind's objects `user` may see, by the module's own rule (not search's)."""
    from cercle.accounts.queries import listed_profiles
    from cercle.agenda.queries import visible_events
    from cercle.chat.models import Message
    from cercle.chat.queries import conversation_ids_of
    from cercle.documents.queries import readable_documents
    from cercle.feed.models import Comment
    from cercle.feed.queries.visibility import visible_posts
    from cercle.pages.queries import visible_pages
    from cercle.spaces import queries as spaces

    def among(queryset: Any, key: str) -> set[int]:
        return set(queryset.filter(pk__in=created[key]).values_list("pk", flat=True))

    posts = visible_posts(user)
    secret_not_mine = (
        spaces.visible_spaces(user)
        .filter(kind="secret")
        .exclude(pk__in=spaces.member_space_ids(user))
    )
    return {
        "person": among(listed_profiles(user), "person"),
        "space": among(spaces.visible_spaces(user), "space")
        - set(secret_not_mine.values_list("pk", flat=True)),
        "post": among(posts, "post"),
        "comment": among(Comment.objects.filter(post__in=posts, hidden_at__isnull=True), "comment"),
        "message": among(
            Message.objects.filter(conversation_id__in=conversation_ids_of(user)), "message"
        ),
        "page": among(visible_pages(user), "page"),
        "event": among(visible_events(user), "event"),
        "document": among(readable_documents(user), "document"),
    }


def _create(what: str, author: Any, space: Any, other: Any, made: dict[str, list[Any]]) -> None:
    from cercle.documents import actions as documents
    from cercle.feed.actions import add_comment
    from cercle.pages.actions import create_page

    text = f"Note {WORD} numéro {len(made[what])}"
    if what == "post":
        made[what].append(make_post(author=author, space=space, body=text))
    elif what == "comment" and made["post"]:
        made[what].append(add_comment(actor=author, post=made["post"][-1], body=text))
    elif what == "message" and other is not None and other.pk != author.pk:
        made[what].append(make_message(author, make_direct(author, other), body=text))
    elif what == "page" and space is not None:
        if not space.memberships.filter(user=author).exists():
            add_member(space, author)
        made[what].append(create_page(actor=author, space=space, title=text, body=text))
    elif what in {"event", "private_event"}:
        visibility = "private" if what == "private_event" else "public"
        made["event"].append(
            make_event(organiser=author, space=space, title=text, visibility=visibility)
        )
    elif what == "document" and space is not None:
        if not space.memberships.filter(user=author).exists():
            add_member(space, author)
        library = documents.space_library(space=space)
        made[what].append(
            documents.upload_file(
                actor=author,
                folder=documents.root_of(library),
                upload=io.BytesIO(b"x"),
                name=f"{WORD}-{len(made[what])}.txt",
            ).document
        )


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people_st, spaces_st, items_st, removals_st)
def test_search_finds_what_each_module_s_rule_shows(
    people_spec: list[tuple[str, bool, bool]],
    spaces_spec: list[tuple[str, bool, set[int]]],
    items_spec: list[tuple[str, int, int, int]],
    removals: list[tuple[int, int]],
) -> None:
    from cercle.accounts.actions.people import deactivate_person
    from cercle.search import queries
    from cercle.spaces.models import Membership

    with translation.override("en"), transaction.atomic():
        people = [
            make_user(role=role, last_name=WORD.title() if named else "Durand")
            for role, _active, named in people_spec
        ]
        admin = make_user(role="admin")
        spaces = []
        for kind, named, members in spaces_spec:
            chosen = tuple({people[i].pk: people[i] for i in members if i < len(people)}.values())
            owner = chosen[0] if chosen else admin
            name = f"Espace {WORD}" if named else "Espace"
            spaces.append(make_space(owner=owner, name=name, kind=kind, members=chosen[1:]))
        made: dict[str, list[Any]] = {key: [] for key in ITEMS}
        for what, author_i, space_i, other_i in items_spec:
            author = people[author_i % len(people)]
            space = spaces[space_i] if 0 <= space_i < len(spaces) else None
            other = people[other_i % len(people)]
            try:
                with transaction.atomic():
                    _create(what, author, space, other, made)
            except Exception as refused:  # an action's refusal (a guest's post…): nothing made
                if type(refused).__name__ not in {"PermissionDenied", "Refused", "ValidationError"}:
                    raise
        for space_i, person_i in removals:
            if space_i < len(spaces) and person_i < len(people):
                Membership.objects.filter(
                    space=spaces[space_i], user=people[person_i], role="member"
                ).delete()
        for person, (_role, active, _named) in zip(people, people_spec, strict=True):
            if not active:
                deactivate_person(actor=admin, person=person)
                person.refresh_from_db()

        created = {
            "person": {p.profile.pk for p in people if p.last_name == WORD.title()},
            "space": {s.pk for s in spaces if WORD in s.name},
            "post": {p.pk for p in made["post"]},
            "comment": {c.pk for c in made["comment"]},
            "message": {m.pk for m in made["message"]},
            "page": {p.pk for p in made["page"]},
            "event": {e.pk for e in made["event"]},
            "document": {d.pk for d in made["document"]},
        }
        for viewer in [*people, admin]:
            expected = _expected(viewer, created)
            # Fewer than 50 objects in all: one page of every kind holds them all.
            results = queries.search(viewer, WORD, limit=50)
            assert results.next_offset is None
            for kind, ids in expected.items():
                got = {hit.document.object_id for hit in results.hits if hit.kind.key == kind}
                if not viewer.is_active:
                    assert got == set(), (kind, viewer)
                    continue
                assert got == ids, (kind, viewer.role, got, ids)
                assert results.counts.get(kind, 0) == len(ids), (kind, results.counts)
        transaction.set_rollback(True)
