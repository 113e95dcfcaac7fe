"""The bell's count (`queries.unread_count`), opening a notification (`access_notification`) and
the push's last check (`still_visible`) come from queries built once per person shape (`core.
compiled.ShapedQuery`): the same answers as the rule built for each person (`visible_notifications`,
kept here as the reference), for administrators, staff, members, guests, people with a department
and a site, a person removed from a space, a deactivated person and an outsider; one query each."""

from __future__ import annotations

import datetime
from itertools import count
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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


def _notify(person: Any, subject_type: str = "", subject_id: int | None = None, **kw: Any) -> int:
    return Notification.objects.create(
        recipient=person,
        kind="comment",
        group_key=f"b{next(_keys)}",
        subject_type=subject_type,
        subject_id=subject_id,
        **kw,
    ).pk


def _world() -> tuple[list[Any], dict[str, Any]]:
    """People of every shape, each with notifications about every kind of subject (read and
    unread), some of which they may no longer see."""
    department, site = make_department(), make_site()
    owner, member, removed = make_user(), make_user(), make_user()
    placed = make_user(department=department, site=site)
    staff, admin, guest = make_user(role="staff"), make_admin(), make_guest()
    deactivated, outsider = make_user(), make_user()
    private = make_space(owner=owner, kind="private", members=(member, removed, guest, deactivated))
    open_space = make_space(owner=owner, kind="open")
    posts = [
        make_post(author=owner, space=private, body="Privé"),
        make_post(author=owner, space=open_space, body="Ouvert"),
        make_post(author=owner, body="Mon mur"),
    ]
    now = timezone.now()
    day = datetime.timedelta(days=1)
    articles = [
        Article.objects.create(title="Tous", published_at=now - day),
        Article.objects.create(title="Département", for_everyone=False, published_at=now - day),
        Article.objects.create(title="Site", for_everyone=False, published_at=now - day),
        Article.objects.create(title="Fini", published_at=now - 3 * day, ends_at=now - day),
        Article.objects.create(title="Brouillon"),
        Article.objects.create(title="Espace", for_everyone=False, published_at=now - day),
    ]
    articles[1].departments.add(department)
    articles[2].sites.add(site)
    articles[5].spaces.add(private)
    events = [
        make_event(organiser=owner, space=private, title="Réunion privée"),
        make_event(organiser=owner, title="Rendez-vous privé", visibility="private"),
        make_event(organiser=owner, title="Agenda à soi"),
    ]
    people = [owner, member, removed, placed, staff, admin, guest, deactivated, outsider]
    for person in people:
        _notify(person)  # no subject: always visible
        _notify(person, read_at=now)
        for post in posts:
            _notify(person, "feed.post", post.pk)
            _notify(person, "feed.post", post.pk, read_at=now)
        for article in articles:
            _notify(person, "news.article", article.pk)
        for event in events:
            _notify(person, "agenda.event", event.pk)
        _notify(person, "agenda.cancelled_event", 10**9)
        _notify(person, "documents.document", 10**9)  # gone: visible to nobody
        _notify(person, "pages.page", 10**9)
        _notify(person, "no.longer_registered", 1)
    Membership.objects.filter(user=removed, space=private).delete()
    deactivated.is_active = False
    deactivated.save()
    return people, {"member": member, "removed": removed, "guest": guest, "admin": admin}


def _old_unread_count(person: Any) -> int:
    """The rule as it was built per request."""
    if not person.is_active:
        return 0
    return queries.visible_notifications(person).filter(read_at__isnull=True).count()


def _old_visible(person: Any) -> set[int]:
    """The ids `visible_notifications(person).filter(pk=…).first()` finds, all at once."""
    return set(queries.visible_notifications(person).values_list("pk", flat=True))


def test_the_bell_opening_and_push_check_are_the_rule_built_for_each_person() -> None:
    people, named = _world()
    every_id = list(Notification.objects.values_list("pk", flat=True))
    counts = {}
    visible_to: dict[int, set[int]] = {}
    for person in people:
        person.refresh_from_db()
        counts[person.username] = queries.unread_count(person)
        assert counts[person.username] == _old_unread_count(person), person.username
        visible = visible_to[person.pk] = _old_visible(person)
        for pk in every_id:  # their own and everyone else's
            try:
                found = queries.access_notification(person, pk).pk == pk
            except queries.NotFound:
                found = False
            assert found == (pk in visible), (person.username, pk)
    for notification in Notification.objects.select_related("recipient"):
        assert queries.still_visible(notification) == (
            notification.pk in visible_to[notification.recipient_id]
        )
    # The rule does tell people apart (the comparisons above are not between zeros).
    assert counts[named["member"].username] > counts[named["removed"].username]
    assert counts[named["removed"].username] > counts[named["guest"].username] > 0
    assert counts[named["admin"].username] > 0
    assert sum(1 for n in counts.values() if n == 0) == 1  # the deactivated person only


def test_out_of_range_and_others_ids_are_not_found() -> None:
    person, other = make_user(), make_user()
    mine, theirs = _notify(person), _notify(other)
    assert queries.access_notification(person, mine).pk == mine
    for bad in (theirs, 2**63, -(2**63) - 1, 0, 10**12):
        with pytest.raises(queries.NotFound):
            queries.access_notification(person, bad)


def test_one_query_each_built_once_per_shape() -> None:
    first, second = make_user(), make_user()
    space = make_space(owner=first, kind="open")
    post = make_post(author=first, space=space, body="Bonjour")
    for person in (first, second):
        _notify(person, "feed.post", post.pk)
        _notify(person)
    queries.unread_count(first)
    notification = Notification.objects.filter(recipient=first, subject_type="feed.post").first()
    assert notification is not None
    queries.access_notification(first, notification.pk)
    built = (queries._UNREAD_COUNT._compiled.copy(), queries._ONE_VISIBLE._compiled.copy())
    second.refresh_from_db()
    second.profile  # noqa: B018 (read once per request by the page's other parts)
    second_post = Notification.objects.get(recipient=second, subject_type="feed.post")
    second_plain = Notification.objects.get(recipient=second, subject_type="")
    with CaptureQueriesContext(connection) as captured:
        assert queries.unread_count(second) == 2
    assert len(captured) == 2  # any unread? then their count
    Notification.objects.filter(recipient=second).update(read_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        assert queries.unread_count(second) == 0
    assert len(captured) == 1  # none unread: the rule is not asked
    Notification.objects.filter(recipient=second).update(read_at=None)
    with CaptureQueriesContext(connection) as captured:
        assert queries.access_notification(second, second_post.pk).pk == second_post.pk
    assert len(captured) == 2  # the row, then its subject's rule
    with CaptureQueriesContext(connection) as captured:
        assert queries.access_notification(second, second_plain.pk).pk == second_plain.pk
    assert len(captured) == 1  # no subject: no rule to ask
    assert (queries._UNREAD_COUNT._compiled, queries._ONE_VISIBLE._compiled) == built
