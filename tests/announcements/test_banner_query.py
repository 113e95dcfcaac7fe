"""The home page's banners (`queries.active_announcements`) come from a query built once per
person shape (`core.compiled.ShapedQuery`): the same answers as the queryset built for each
person, never one person's announcement shown to another of the same shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Exists, OuterRef, Q

from cercle.announcements import actions as announcement_actions
from cercle.announcements import queries as announcement_queries
from cercle.announcements.models import Announcement, AnnouncementReceipt
from cercle.core.compiled import ShapedQuery
from cercle.feed.queries import sees_post
from cercle.spaces import queries as space_queries
from tests.factories import (
    make_admin,
    make_department,
    make_guest,
    make_post,
    make_site,
    make_space,
    make_user,
)

pytestmark = pytest.mark.django_db


def _built_per_person(user: Any) -> list[int]:
    """The rule as it was written before: a queryset built for this person."""
    if not user.is_active:
        return []
    done = AnnouncementReceipt.objects.filter(
        announcement_id=OuterRef("pk"), user_id=user.pk
    ).filter(Q(acknowledged_at__isnull=False) | Q(dismissed_at__isnull=False))
    return list(
        Announcement.objects.filter(announcement_queries.targets_person(user), sees_post(user))
        .exclude(Exists(done))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[: announcement_queries.ACTIVE_ANNOUNCEMENTS]
    )


def test_same_answers_as_the_rule_built_per_person() -> None:
    sales, lyon = make_department("Ventes"), make_site("Lyon")
    staff = make_user(role="staff")
    owner, insider = make_user(), make_user(department=sales)
    private = make_space(owner=owner, kind="private", members=(insider,))
    people = [
        make_admin(),
        staff,
        owner,
        insider,
        make_user(department=sales, site=lyon),
        make_user(site=lyon),
        make_user(),
        make_guest(),
        make_guest(department=sales),
        make_user(is_active=False),
    ]
    org = space_queries.organisation_space()
    everyone = announcement_actions.announce(actor=staff, post=make_post(author=staff, space=org))
    announcement_actions.announce(
        actor=staff, post=make_post(author=staff, space=org), departments=[sales]
    )
    announcement_actions.announce(
        actor=staff, post=make_post(author=staff, space=org), sites=[lyon]
    )
    announcement_actions.announce(actor=owner, post=make_post(author=owner, space=private))
    announcement_actions.dismiss_announcement(actor=people[6], announcement=everyone)
    for person in people:
        shown = [a.pk for a in announcement_queries.active_announcements(person)]
        assert shown == _built_per_person(person), person.username
    # Two members of one shape: only the private space's member sees its announcement.
    private_one = Announcement.objects.get(post__space=private)
    assert private_one in announcement_queries.active_announcements(insider)
    assert private_one not in announcement_queries.active_announcements(people[4])


def test_built_once_per_shape() -> None:
    built: list[Any] = []

    def build(shape: Any, user_id: int) -> Any:
        built.append(shape)
        return Announcement.objects.filter(post__author_id=user_id).values_list("pk", flat=True)

    query = ShapedQuery(build)
    first, second = make_user(), make_user()
    for person in (first, second, first):
        assert query.values(("member",), person.pk) == []
    query.values(("admin",), first.pk)
    assert built == [("member",), ("admin",)]


def test_an_id_written_into_the_sql_is_refused() -> None:
    # The id written into the SQL's text on purpose: what the check must catch.
    query = ShapedQuery(
        lambda shape, user_id: Announcement.objects.extra(  # noqa: S610
            where=[f"id = {user_id}"]
        ).values_list("pk", flat=True)
    )
    with pytest.raises(ValueError, match="text"):
        query.values((), make_user().pk)
