"""Comments (edit with history, replies), posts with files (multipart), profile walls, pinned
posts, post history and hashtag follows through the API: the same actions as the pages."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cercle.feed.actions import add_comment
from cercle.feed.models import Attachment, Comment, CommentRevision, HashtagFollow, Mention, Post
from tests.factories import add_member, make_post, make_space, make_user
from tests.helpers.api import ODD_IDS, ODD_TEXTS, api, assert_4xx, call, cast

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MAX_UPLOAD_MB = 1


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "blue").save(out, "PNG")
    return out.getvalue()


def test_edit_a_comment_keeps_its_history_and_mentions_only_new_people() -> None:
    people = cast()
    post = make_post(author=people["member"], space=people["space"])
    client = api(people["moderator"])
    made = call(client, "post", f"/api/v1/posts/{post.pk}/comments", {"body": "First"})
    comment_id = made.json()["id"]
    assert made.json()["edited"] is False
    username = people["owner"].username
    edited = call(
        client, "patch", f"/api/v1/comments/{comment_id}", {"body": f"Second @{username}"}
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["edited"] is True and edited.json()["body"] == f"Second @{username}"
    assert 'class="mention"' in edited.json()["body_html"]
    assert Mention.objects.filter(comment_id=comment_id, user=people["owner"]).exists()
    same = call(client, "patch", f"/api/v1/comments/{comment_id}", {"body": f"Second @{username}"})
    assert same.status_code == 200
    history = client.get(f"/api/v1/comments/{comment_id}/revisions").json()["items"]
    assert [r["body"] for r in history] == ["First"]
    assert history[0]["edited_by"]["id"] == people["moderator"].pk
    threads = client.get(f"/api/v1/posts/{post.pk}/comments").json()["items"]
    assert threads[0]["comment"]["edited"] is True

    reply = call(
        api(people["member"]),
        "post",
        f"/api/v1/posts/{post.pk}/comments",
        {"body": "A reply", "parent_id": comment_id},
    )
    nested = call(
        api(people["owner"]),
        "post",
        f"/api/v1/posts/{post.pk}/comments",
        {"body": "Reply to a reply", "parent_id": reply.json()["id"]},
    )
    assert nested.json()["parent_id"] == comment_id  # one level of replies
    threads = client.get(f"/api/v1/posts/{post.pk}/comments").json()
    assert threads["count"] == 3 and len(threads["items"][0]["replies"]) == 2


@pytest.mark.parametrize(
    ("role", "edit", "delete"),
    [
        ("owner", 403, 204),
        ("admin_role", 403, 204),
        ("moderator", 403, 204),
        ("member", 200, 204),  # the author
        ("outsider", 404, 404),
        ("guest", 404, 404),
        ("deactivated", 401, 401),
        ("org_admin", 403, 204),
    ],
)
def test_who_edits_and_deletes_a_comment(role: str, edit: int, delete: int) -> None:
    people = cast(kind="private")
    post = make_post(author=people["owner"], space=people["space"])
    comment = add_comment(actor=people["member"], post=post, body="Mine")
    client = api(people[role])
    response = call(client, "patch", f"/api/v1/comments/{comment.pk}", {"body": "Changed"})
    assert response.status_code == edit, response.content
    assert Comment.objects.get(pk=comment.pk).body == ("Changed" if edit == 200 else "Mine")
    assert CommentRevision.objects.filter(comment=comment).count() == (1 if edit == 200 else 0)
    revisions = client.get(f"/api/v1/comments/{comment.pk}/revisions")
    assert revisions.status_code == (200 if edit in (200, 403) else edit)
    assert client.delete(f"/api/v1/comments/{comment.pk}").status_code == delete
    assert Comment.objects.filter(pk=comment.pk).exists() is (delete != 204)


def test_no_edit_in_an_archived_space() -> None:
    people = cast()
    post = make_post(author=people["member"], space=people["space"])
    comment = add_comment(actor=people["member"], post=post, body="Mine")
    call(api(people["owner"]), "post", f"/api/v1/spaces/{people['space'].slug}/archive")
    response = call(api(people["member"]), "patch", f"/api/v1/comments/{comment.pk}", {"body": "x"})
    assert response.status_code == 403


def test_comment_odd_input_is_a_4xx() -> None:
    me = make_user()
    post = make_post(author=me)
    comment = add_comment(actor=me, post=post, body="Mine")
    client = api(me)
    for text in ODD_TEXTS:
        if text.strip() and len(text) < 50_000 and "\x00" not in text:
            continue
        assert_4xx(call(client, "patch", f"/api/v1/comments/{comment.pk}", {"body": text}))
        assert_4xx(call(client, "post", f"/api/v1/posts/{post.pk}/comments", {"body": text}))
    for wrong in ({"body": 5}, {"body": None}, {}, "[", "[]"):
        assert_4xx(call(client, "patch", f"/api/v1/comments/{comment.pk}", wrong))
    for odd in ODD_IDS:
        assert_4xx(call(client, "patch", f"/api/v1/comments/{odd}", {"body": "x"}))
        assert_4xx(client.get(f"/api/v1/comments/{odd}/revisions"))
        assert_4xx(
            call(
                client, "post", f"/api/v1/posts/{post.pk}/comments", {"body": "x", "parent_id": odd}
            )
        )
    assert Comment.objects.get(pk=comment.pk).body == "Mine"
    assert Comment.objects.count() == 1


def test_post_with_files_through_multipart() -> None:
    people = cast()
    client = api(people["member"])
    response = client.post(
        "/api/v1/posts/with-attachments",
        {
            "body": "Photos #trip",
            "space_id": people["space"].pk,
            "attachments": [
                SimpleUploadedFile("photo.png", _png(), "image/png"),
                SimpleUploadedFile("notes.txt", b"Bonjour", "text/plain"),
            ],
        },
    )
    assert response.status_code == 201, response.content
    files = response.json()["attachments"]
    assert [(f["name"], f["is_image"]) for f in files] == [
        ("photo.png", True),
        ("notes.txt", False),
    ]
    assert files[0]["width"] == 20
    nul_name = client.post(
        "/api/v1/posts/with-attachments",
        {"attachments": [SimpleUploadedFile("a\x00b.txt", b"x", "text/plain")]},
    )
    assert nul_name.status_code == 201
    assert nul_name.json()["attachments"][0]["name"] == "ab.txt"
    served = api(people["outsider"]).get(files[0]["url"])
    assert served.status_code == 200  # an open space: every colleague sees it
    only_files = client.post(
        "/api/v1/posts/with-attachments",
        {"attachments": [SimpleUploadedFile("a.png", _png(), "image/png")]},
    )
    assert only_files.status_code == 201 and only_files.json()["space"] is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.html", b"<script>alert(1)</script>"),
        ("fake.png", b"not an image"),
        ("fake.pdf", b"MZ\x90\x00"),
        ("big.txt", b"a" * (1024 * 1024 + 1)),
    ],
)
def test_refused_files_create_nothing(name: str, content: bytes) -> None:
    me = make_user()
    response = api(me).post(
        "/api/v1/posts/with-attachments",
        {"body": "x", "attachments": [SimpleUploadedFile(name, content, "text/plain")]},
    )
    assert_4xx(response)
    assert not Post.objects.exists() and not Attachment.objects.exists()


def test_files_are_limited_and_checked_like_the_pages() -> None:
    people = cast(kind="private")
    eleven = [SimpleUploadedFile(f"{i}.txt", b"x", "text/plain") for i in range(11)]
    client = api(people["member"])
    assert_4xx(client.post("/api/v1/posts/with-attachments", {"body": "x", "attachments": eleven}))
    assert_4xx(client.post("/api/v1/posts/with-attachments", {"body": ""}))
    assert_4xx(client.post("/api/v1/posts/with-attachments", {"body": "x", "space_id": "abc"}))
    assert_4xx(client.post("/api/v1/posts/with-attachments", {"body": "x" * 100_000}))
    assert_4xx(client.post("/api/v1/posts/with-attachments", {"body": "a\x00b"}))
    for role, status in (("outsider", 403), ("guest", 404), ("deactivated", 401)):
        response = api(people[role]).post(
            "/api/v1/posts/with-attachments",
            {"body": "x", "space_id": people["space"].pk},
        )
        assert response.status_code == status
    archived = make_space(owner=people["member"])
    call(api(people["member"]), "post", f"/api/v1/spaces/{archived.slug}/archive")
    refused = client.post("/api/v1/posts/with-attachments", {"body": "x", "space_id": archived.pk})
    assert refused.status_code == 403
    assert not Post.objects.exists()


def test_profile_wall_pinned_history_and_hashtag_follow() -> None:
    people = cast()
    mine = make_post(author=people["member"], body="On my wall #lunch")
    client = api(people["outsider"])
    wall = client.get(f"/api/v1/people/{people['member'].pk}/posts")
    assert [p["id"] for p in wall.json()["items"]] == [mine.pk]
    assert api(people["guest"]).get(f"/api/v1/people/{people['member'].pk}/posts").status_code in (
        200,
        404,
    )
    if api(people["guest"]).get(f"/api/v1/people/{people['member'].pk}/posts").status_code == 200:
        assert (
            api(people["guest"]).get(f"/api/v1/people/{people['member'].pk}/posts").json()["items"]
            == []
        )
    for odd in ODD_IDS:
        assert_4xx(client.get(f"/api/v1/people/{odd}/posts"))

    pinned_post = make_post(author=people["member"], space=people["space"], body="Read me")
    call(api(people["moderator"]), "post", f"/api/v1/posts/{pinned_post.pk}/pin", {"pinned": True})
    pinned = client.get(f"/api/v1/spaces/{people['space'].slug}/pinned")
    assert [p["id"] for p in pinned.json()] == [pinned_post.pk]
    private = make_space(kind="private")
    assert client.get(f"/api/v1/spaces/{private.slug}/pinned").status_code == 404

    call(api(people["member"]), "patch", f"/api/v1/posts/{mine.pk}", {"body": "Changed #lunch"})
    history = client.get(f"/api/v1/posts/{mine.pk}/revisions").json()["items"]
    assert [r["body"] for r in history] == ["On my wall #lunch"]

    followed = client.post("/api/v1/hashtags/lunch/follow")
    assert followed.json() == {"following": True}
    assert HashtagFollow.objects.filter(user=people["outsider"]).count() == 1
    assert client.delete("/api/v1/hashtags/lunch/follow").json() == {"following": False}
    assert not HashtagFollow.objects.exists()
    assert client.post("/api/v1/hashtags/nothing-here/follow").status_code == 404
    for odd in ("%00", "a%00b", "x" * 500, "%C3%A9t%C3%A9"):
        assert client.post(f"/api/v1/hashtags/{odd}/follow").status_code == 404
        assert client.delete(f"/api/v1/hashtags/{odd}/follow").status_code == 404
        assert client.get(f"/api/v1/hashtags/{odd}/posts").status_code == 404
    assert api(people["deactivated"]).post("/api/v1/hashtags/lunch/follow").status_code == 401


@pytest.mark.parametrize("n", [2, 20])
def test_profile_wall_and_pinned_query_counts_are_fixed(
    django_assert_max_num_queries: Any, n: int
) -> None:
    me, author = make_user(), make_user()
    space = make_space(owner=author, members=(me,))
    for i in range(n):
        make_post(author=author, body=f"wall {i}")
        post = make_post(author=author, space=space, body=f"space {i}")
        Post.objects.filter(pk=post.pk).update(pinned_at=post.created_at)
    add_member(make_space(), me)
    client = api(me)
    client.get(f"/api/v1/people/{author.pk}/posts")
    with django_assert_max_num_queries(16):
        assert len(client.get(f"/api/v1/people/{author.pk}/posts?limit=50").json()["items"]) == n
    with django_assert_max_num_queries(16):
        assert len(client.get(f"/api/v1/spaces/{space.slug}/pinned").json()) == n


def test_new_posts_count_and_mention_suggestions() -> None:
    import datetime

    people = cast()
    client = api(people["member"])
    since = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)).isoformat()
    make_post(author=people["owner"], space=people["space"], body="New")
    make_post(author=people["member"], space=people["space"], body="Mine does not count")
    counted = client.get("/api/v1/feed/new-count", {"since": since})
    assert counted.status_code == 200 and counted.json() == {"count": 1}
    assert client.get("/api/v1/feed/new-count", {"since": since, "filter": "saved"}).json() == {
        "count": 0
    }
    assert client.get("/api/v1/feed/new-count", {"since": "2999-01-01T00:00"}).json() == {
        "count": 0
    }
    assert_4xx(client.get("/api/v1/feed/new-count"))
    assert_4xx(client.get("/api/v1/feed/new-count", {"since": "yesterday"}))
    assert_4xx(client.get("/api/v1/feed/new-count", {"since": since, "filter": "nope"}))
    assert (
        api(people["deactivated"]).get("/api/v1/feed/new-count", {"since": since}).status_code
        == 401
    )

    found = client.get("/api/v1/mentions", {"q": "@Moder"}).json()
    assert [p["id"] for p in found] == [people["moderator"].pk]
    assert client.get("/api/v1/mentions", {"q": "Gone"}).json() == []  # deactivated
    assert client.get("/api/v1/mentions").json() == []
    assert_4xx(client.get("/api/v1/mentions", {"q": "a\x00"}))


@pytest.mark.parametrize("n", [2, 15])
def test_revision_lists_query_counts_are_fixed(django_assert_max_num_queries: Any, n: int) -> None:
    me = make_user()
    post = make_post(author=me, body="v0")
    comment = add_comment(actor=me, post=post, body="c0")
    client = api(me)
    for i in range(1, n + 1):
        call(client, "patch", f"/api/v1/posts/{post.pk}", {"body": f"v{i}"})
        call(client, "patch", f"/api/v1/comments/{comment.pk}", {"body": f"c{i}"})
    with django_assert_max_num_queries(10):
        items = client.get(f"/api/v1/posts/{post.pk}/revisions").json()["items"]
    assert [r["body"] for r in items] == [f"v{i}" for i in range(n - 1, -1, -1)]
    with django_assert_max_num_queries(10):
        items = client.get(f"/api/v1/comments/{comment.pk}/revisions").json()["items"]
    assert len(items) == n and items[0]["edited_by"]["id"] == me.pk
