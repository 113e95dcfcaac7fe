"""The notifications list comes from a query built once per person shape (`queries.
notifications_page`, `core.compiled.ShapedQuery`): the same notifications as the rule built for
each person (`visible_notifications`), for administrators, members, guests, people with a
department or a site, a person removed from a space, a deactivated person; page after page; and
never one person's notifications, nor what they may see, in another's list."""

from __future__ import annotations

import datetime
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from cercle.core.pagination import InvalidCursor, encode_cursor
from cercle.news.models import Article
from cercle.notifications import queries
from cercle.notifications.models import Notification
from cercle.spaces.models import Membership
from tests.factories import (
    make_admin,
    make_department,
    make_event,
    make_guest,
    make_post,
    make_site,
    make_space,
    make_user,
)

pytestmark = pytest.mark.django_db

_keys = count()


def _notify(person: Any, subject_type: str = "", subject_id: int | None = None, **kw: Any) -> None:
    Notification.objects.create(
        recipient=person,
        kind="comment",
        group_key=f"k{next(_keys)}",
        subject_type=subject_type,
        subject_id=subject_id,
        **kw,
    )


def _expected(person: Any, unread_only: bool = False) -> list[int]:
    found = queries.visible_notifications(person)
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return list(found.values_list("pk", flat=True))


def _listed(person: Any, unread_only: bool = False, limit: int = 3) -> list[int]:
    """Every page of the compiled list, followed by its cursor."""
    shown: list[int] = []
    cursor = None
    for _ in range(50):
        page = queries.notifications_page(
            person, cursor=cursor, limit=limit, unread_only=unread_only
        )
        shown += [n.pk for n in page.items]
        if page.next_cursor is None:
            return shown
        cursor = page.next_cursor
    raise AssertionError("the pages do not end")


def test_the_list_is_the_rule_built_for_each_person() -> None:
    department, site = make_department(), make_site()
    owner, member, removed = make_user(), make_user(), make_user()
    placed = make_user(department=department, site=site)
    staff, admin, guest = make_user(role="staff"), make_admin(), make_guest()
    deactivated = make_user()
    private = make_space(owner=owner, kind="private", members=(member, removed, guest, deactivated))
    open_space = make_space(owner=owner, kind="open")
    posts = [
        make_post(author=owner, space=private, body="Privé"),
        make_post(author=owner, space=open_space, body="Ouvert"),
        make_post(author=owner, body="Mon mur"),
    ]
    now = timezone.now()
    articles = [
        Article.objects.create(title="Tous", published_at=now - datetime.timedelta(days=1)),
        Article.objects.create(
            title="Département", for_everyone=False, published_at=now - datetime.timedelta(days=1)
        ),
        Article.objects.create(
            title="Site", for_everyone=False, published_at=now - datetime.timedelta(days=1)
        ),
        Article.objects.create(
            title="Fini",
            published_at=now - datetime.timedelta(days=3),
            ends_at=now - datetime.timedelta(days=1),
        ),
        Article.objects.create(title="Brouillon"),
        Article.objects.create(
            title="Espace", for_everyone=False, published_at=now - datetime.timedelta(days=1)
        ),
    ]
    articles[1].departments.add(department)
    articles[2].sites.add(site)
    articles[5].spaces.add(private)
    events = [
        make_event(organiser=owner, space=private, title="Réunion privée"),
        make_event(organiser=owner, title="Rendez-vous privé", visibility="private"),
        make_event(organiser=owner, title="Agenda à soi"),
    ]
    people = [owner, member, removed, placed, staff, admin, guest, deactivated, make_user()]
    for person in people:
        _notify(person)  # no subject: always listed
        for post in posts:
            _notify(person, "feed.post", post.pk)
        for article in articles:
            _notify(person, "news.article", article.pk, read_at=now)
        for event in events:
            _notify(person, "agenda.event", event.pk)
        _notify(person, "agenda.cancelled_event", 10**9)
        _notify(person, "documents.document", 10**9)  # gone: listed to nobody
        _notify(person, "pages.page", 10**9)
        _notify(person, "no.longer_registered", 1)
    Membership.objects.filter(user=removed, space=private).delete()
    deactivated.is_active = False
    deactivated.save()
    seen: dict[str, list[int]] = {}
    for person in people:
        for unread_only in (False, True):
            expected = _expected(person, unread_only)
            assert _listed(person, unread_only) == expected, (person.username, unread_only)
            assert _listed(person, unread_only, limit=30) == expected
        seen[person.username] = _expected(person)
    # The rule does tell people apart (the comparison above is not between empty lists).
    count_of = {name: len(ids) for name, ids in seen.items()}
    assert count_of[deactivated.username] == 0
    assert count_of[member.username] > count_of[removed.username] > count_of[guest.username] > 0
    assert count_of[placed.username] > count_of[staff.username] - 3  # department and site news
    assert count_of[admin.username] >= count_of[owner.username]
    # Each person's own notifications only.
    all_shown = [pk for ids in seen.values() for pk in ids]
    assert len(all_shown) == len(set(all_shown))


def test_a_later_page_follows_on_and_a_bad_cursor_is_refused() -> None:
    person = make_user()
    for _ in range(5):
        _notify(person)
    first = queries.notifications_page(person, limit=2)
    second = queries.notifications_page(person, limit=2, cursor=first.next_cursor)
    ids = list(
        Notification.objects.filter(recipient=person)
        .order_by("-updated_at", "-id")
        .values_list("pk", flat=True)
    )
    assert [n.pk for n in first.items + second.items] == ids[:4]
    for bad in (
        encode_cursor(["2026-01-01T00:00:00+00:00", 2**70]),
        encode_cursor(["not a time", 1]),
        encode_cursor(["0001-01-01T00:00:00", 1]),
    ):
        with pytest.raises(InvalidCursor):
            queries.notifications_page(person, cursor=bad)


def test_the_list_s_rules_are_built_once_per_shape() -> None:
    first, second = make_user(), make_user()
    _notify(first)
    _notify(second)
    queries.notifications_page(first)
    built = queries._PAGE_IDS._compiled.copy()
    assert queries.notifications_page(second).items[0].recipient_id == second.pk
    assert queries._PAGE_IDS._compiled == built
