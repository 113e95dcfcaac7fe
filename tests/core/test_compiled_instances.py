"""`core.compiled.InstancesQuery` (issue 15): model instances by id from a query built once per
database and number of ids — the same instances, related objects, converted values, deferred
fields and annotations as iterating the queryset itself; one query; a stand-in left in the SQL's
text, or a prefetch, refused when the query is built."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F, Model, QuerySet
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from cercle.accounts.models import User
from cercle.core.compiled import InstancesQuery
from cercle.feed import actions
from cercle.feed.models import Attachment, Post
from cercle.news.models import Article
from cercle.sso.backends import AuthenticationBackend, ModelBackend
from tests.factories import make_department, make_post, make_site, make_space, make_user

pytestmark = pytest.mark.django_db


def _fields(instance: Model) -> dict[str, Any]:
    """Every loaded concrete field's value, as Django converted it (types included)."""
    deferred = instance.get_deferred_fields()
    return {
        f.attname: (type(instance.__dict__[f.attname]), instance.__dict__[f.attname])
        for f in type(instance)._meta.concrete_fields
        if f.attname not in deferred
    }


def _same(found: Model, expected: Model, related: tuple[str, ...]) -> None:
    assert type(found) is type(expected)
    assert found._state.db == expected._state.db
    assert found._state.adding is expected._state.adding is False
    assert found.get_deferred_fields() == expected.get_deferred_fields()
    assert _fields(found) == _fields(expected)
    for name in related:
        head, _, rest = name.partition("__")
        field = type(expected)._meta.get_field(head)
        assert field.is_cached(found) == field.is_cached(expected)  # type: ignore[attr-defined]
        mine, theirs = getattr(found, head), getattr(expected, head)
        if theirs is None:
            assert mine is None
        else:
            _same(mine, theirs, (rest,) if rest else ())


def _compare(query: InstancesQuery, build: Any, ids: list[int], related: tuple[str, ...]) -> None:
    with CaptureQueriesContext(connection) as captured:
        found = query.instances(ids)
    assert len(captured) == 1
    expected = list(build(ids))
    assert [i.pk for i in found] == [i.pk for i in expected]
    for mine, theirs in zip(found, expected, strict=True):
        _same(mine, theirs, related)
        with CaptureQueriesContext(connection) as captured:
            for name in related:
                getattr(mine, name.partition("__")[0])
        assert len(captured) == 0, "related objects come with the row"


def _posts(ids: list[int]) -> QuerySet[Post]:
    return Post.objects.filter(pk__in=ids).select_related("author", "space", "wall_owner")


def test_posts_with_their_author_space_and_wall_owner_are_the_queryset_s() -> None:
    author, owner = make_user(first_name="Zoé"), make_user()
    space = make_space(owner=author, kind="open")
    in_space = make_post(author=author, space=space, body="In a space")
    on_wall = Post.objects.create(author=author, wall_owner=owner, body="On a wall")
    own_wall = make_post(author=author, body="Mine")
    edited = make_post(author=owner, space=space, body="Edited")
    Post.objects.filter(pk=edited.pk).update(edited_at=F("created_at"), reaction_counts={"like": 3})
    ids = [in_space.pk, on_wall.pk, own_wall.pk, edited.pk]
    query = InstancesQuery(_posts)
    related = ("author", "space", "wall_owner")
    for chosen in (ids[:1], ids[1:3], ids, [*ids, 10**9], [10**9]):
        _compare(query, _posts, chosen, related)
    # Built once per number of ids: the same three sizes as before, no more.
    _compare(query, _posts, list(reversed(ids)), related)
    assert sorted(count for _using, count in query._compiled) == [1, 2, 4, 5]


def test_files_are_read_in_order_and_deferred_fields_stay_deferred() -> None:
    author = make_user()
    post = actions.create_post(
        actor=author,
        body="Files",
        attachments=[
            (SimpleUploadedFile(name, b"x", "text/plain"), name) for name in ("b.txt", "a.txt")
        ],
    )

    def files(ids: list[int]) -> QuerySet[Attachment]:
        return Attachment.objects.filter(post_id__in=ids).order_by("id")

    _compare(InstancesQuery(files), files, [post.pk], ())

    def people(ids: list[int]) -> QuerySet[User]:
        return User.objects.filter(pk__in=ids).defer("last_name").order_by("pk")

    others = [make_user(), make_user()]
    _compare(InstancesQuery(people), people, [author.pk, others[1].pk], ())
    found = InstancesQuery(people).instances([author.pk])[0]
    assert "last_name" in found.get_deferred_fields()


def test_annotations_are_set_as_the_queryset_sets_them() -> None:
    author = make_user()
    post = make_post(author=author, body="Hello")

    def annotated(ids: list[int]) -> QuerySet[Post]:
        return Post.objects.filter(pk__in=ids).annotate(writer=F("author__username"))

    found = InstancesQuery(annotated).instances([post.pk])[0]
    assert found.writer == author.username  # type: ignore[attr-defined]


def test_the_featured_news_rows_and_the_session_person_come_from_compiled_queries() -> None:
    sales, paris = make_department("Ventes"), make_site("Paris")
    person = make_user(department=sales, site=paris)
    article = Article.objects.create(title="Hello", body="Body", author=person)

    def articles(ids: list[int]) -> QuerySet[Article]:
        return Article.objects.filter(pk__in=ids).select_related("category").defer("body")

    _compare(InstancesQuery(articles), articles, [article.pk], ("category",))

    def sessions(ids: list[int]) -> QuerySet[User]:
        return User.objects.select_related("profile").filter(pk__in=ids)

    _compare(InstancesQuery(sessions), sessions, [person.pk], ("profile",))


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_session_s_person_is_none_for_ids_that_are_not_a_person_s(backend: type) -> None:
    person = make_user()
    assert backend().get_user(str(person.pk)).pk == person.pk
    for wrong in ("abc", None, "", 10**30, -(10**30), 2**63, 10**9):
        assert backend().get_user(wrong) is None


def test_a_stand_in_written_into_the_sql_s_text_or_a_prefetch_is_refused() -> None:
    post = make_post(author=make_user())
    inlined = InstancesQuery(
        lambda ids: Post.objects.extra(where=[f"id = {int(ids[0])}"])  # noqa: S610 (the refusal)
    )
    with pytest.raises(ValueError, match="text"):
        inlined.instances([post.pk])
    prefetching = InstancesQuery(
        lambda ids: Post.objects.filter(pk__in=ids).prefetch_related("attachments")
    )
    with pytest.raises(ValueError, match="prefetch"):
        prefetching.instances([post.pk])
    assert InstancesQuery(_posts).instances([]) == []


def test_instances_are_made_as_django_makes_them_when_a_receiver_listens() -> None:
    """Made faster (their `__dict__` filled at once) only while no `pre_init`/`post_init`
    receiver listens: one connected later gets its calls, for the row's and its related
    objects' instances."""
    post = make_post(author=make_user(), space=make_space(owner=make_user(), kind="open"))
    seen: list[str] = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(type(instance).__name__)

    query = InstancesQuery(_posts)
    _compare(query, _posts, [post.pk], ("author", "space", "wall_owner"))
    assert seen == []
    post_init.connect(receiver, sender=User)
    try:
        found = query.instances([post.pk])[0]
    finally:
        post_init.disconnect(receiver, sender=User)
    assert seen == ["User"]  # the author (no wall owner)
    assert found.author.pk == post.author_id
