"""Files added to a space's library reach the space's feed once, grouped: one post per person and
space for a short window, counting the files and linking them, shown only to whoever may read the
space's library."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cercle.documents import actions
from cercle.documents.activity import FILES_ADDED
from cercle.feed import queries as feed_queries
from cercle.feed.models import Post
from tests.factories import make_admin, make_space, make_user
from tests.helpers.api import api
from tests.helpers.documents import add_file, root_for

pytestmark = pytest.mark.django_db


def _activity(space: Any) -> list[Post]:
    return list(Post.objects.filter(space=space, activity_kind=FILES_ADDED).order_by("id"))


def test_uploads_in_a_window_make_one_post_that_counts_and_links_them() -> None:
    anne, bruno = make_user(), make_user()
    space = make_space(owner=anne, members=(bruno,), kind="private")
    root = root_for(space)
    files = [add_file(anne, root, f"note-{n}.txt", f"{n}\n".encode()) for n in range(3)]
    [post] = _activity(space)
    assert post.author == anne and post.activity_count == 3
    for document in files:
        assert reverse("documents_file", args=[document.pk]) in post.body_html
        assert document.name in post.body_html
    # A new version, an empty file, a file in My documents: nothing more.
    actions.add_version(actor=anne, document=files[0], upload=io.BytesIO(b"v2\n"))
    actions.upload_file(
        actor=anne, folder=root, upload=io.BytesIO(b""), name="vide.txt", allow_empty=True
    )
    add_file(anne, root_for(owner=anne), "perso.txt")
    [post] = _activity(space)
    assert post.activity_count == 3
    # Someone else's uploads are their own post.
    add_file(bruno, root, "bruno.txt")
    assert [p.author for p in _activity(space)] == [anne, bruno]
    # After the window, a new post.
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    add_file(anne, root, "plus-tard.txt")
    later = _activity(space)
    assert len(later) == 3 and later[-1].activity_count == 1
    # It is not editable, even by its author.
    assert not feed_queries.can(anne, "edit", post)
    assert feed_queries.can(bruno, "react", post)


def test_the_post_shows_only_to_who_may_read_the_library() -> None:
    anne, member, outsider, admin = make_user(), make_user(), make_user(), make_admin()
    space = make_space(owner=anne, members=(member,), kind="private")
    add_file(anne, root_for(space), "plan.txt")
    add_file(anne, root_for(space), "budget.txt")
    [post] = _activity(space)

    def visible(user: Any) -> list[int]:
        return list(
            feed_queries.visible_posts(user).filter(pk=post.pk).values_list("pk", flat=True)
        )

    assert visible(member) == [post.pk] and visible(admin) == [post.pk]
    assert visible(outsider) == []
    assert feed_queries.can(member, "see", post)
    assert not feed_queries.can(outsider, "see", post)
    # The space's wall, in English, tells it once with the count and the links.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member)
    page = client.get(reverse("space", args=[space.slug])).content.decode()
    assert page.count("added 2 files to") == 1
    assert reverse("documents_file", args=[post.activity_items[0]["id"]]) in page
    # Documents switched off: nobody sees the post (the library is gone for everyone).
    space.module_settings = {**space.module_settings, "documents": False}
    space.save(update_fields=["module_settings"])
    post.refresh_from_db()
    assert visible(member) == [] and visible(admin) == []
    assert not feed_queries.can(member, "see", Post.objects.select_related("space").get(pk=post.pk))
    page = client.get(reverse("space", args=[space.slug])).content.decode()
    assert "added 2 files to" not in page


def test_the_posts_api_gives_an_activity_posts_kind_count_and_the_files_one_may_see() -> None:
    anne, member, outsider = make_user(), make_user(), make_user()
    space = make_space(owner=anne, members=(member,), kind="private")
    root = root_for(space)
    kept = add_file(anne, root, "plan.txt")
    gone = add_file(anne, root, "brouillon.txt")
    actions.trash(actor=anne, item=gone)
    [post] = _activity(space)
    for url in (f"/api/v1/posts/{post.pk}", f"/api/v1/spaces/{space.pk}/posts"):
        body = api(member).get(url).json()
        found = body if "id" in body else next(p for p in body["items"] if p["id"] == post.pk)
        # The count says how many were added; the items, those the reader may open now.
        assert found["activity"] == {
            "kind": FILES_ADDED,
            "count": 2,
            "items": [
                {
                    "id": kept.pk,
                    "title": "plan.txt",
                    "url": reverse("documents_file", args=[kept.pk]),
                }
            ],
        }
    assert api(outsider).get(f"/api/v1/posts/{post.pk}").status_code == 404
    # Any other post says null.
    other = api(member).post(
        "/api/v1/posts", {"body": "Bonjour", "space_id": space.pk}, content_type="application/json"
    )
    assert other.status_code == 201 and other.json()["activity"] is None
    schema = api(member).get("/api/v1/openapi.json").json()
    assert "ActivityOut" in schema["components"]["schemas"]


def test_the_wall_lists_only_the_files_a_reader_may_open_now() -> None:
    """As the API does: a file put in the trash leaves the wall's list (the count stays what was
    added), and comes back when it is restored."""
    anne, member = make_user(), make_user()
    space = make_space(owner=anne, members=(member,), kind="private")
    root = root_for(space)
    kept = add_file(anne, root, "plan-garde.txt")
    gone = add_file(anne, root, "brouillon-jete.txt")
    actions.trash(actor=anne, item=gone)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member)
    page = client.get(reverse("space", args=[space.slug])).content.decode()
    assert page.count("added 2 files to") == 1
    assert reverse("documents_file", args=[kept.pk]) in page and "plan-garde.txt" in page
    assert reverse("documents_file", args=[gone.pk]) not in page
    assert "brouillon-jete.txt" not in page
    actions.restore(actor=anne, item=gone)
    page = client.get(reverse("space", args=[space.slug])).content.decode()
    assert "brouillon-jete.txt" in page and "plan-garde.txt" in page
