"""The wall and spaces API: the same rules as the pages, errors as {"detail": ...}, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.feed.models import Post
from cercle.spaces.models import Membership, SpaceInvitation
from tests.factories import add_member, make_guest, make_post, make_space, make_user
from tests.helpers.visibility import EXPECTED, build

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_gets_401() -> None:
    for url in ("/api/v1/feed", "/api/v1/spaces", "/api/v1/posts/1"):
        response = Client().get(url)
        assert response.status_code == 401 and "detail" in response.json()


def test_create_space_join_post_comment_react_share_through_the_api() -> None:
    anne, bob = make_user(username="anne"), make_user(username="bob")
    created = api(anne).post(
        "/api/v1/spaces",
        {"name": "Club", "kind": "open", "modules": ["wall"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    space = created.json()
    assert space["my_role"] == "owner" and space["modules"] == ["wall"]
    assert api(bob).post(f"/api/v1/spaces/{space['slug']}/join").json()["my_role"] == "member"
    post = api(bob).post(
        "/api/v1/posts",
        {"body": "Hi @anne #club", "space_id": space["id"]},
        content_type="application/json",
    )
    assert post.status_code == 201, post.content
    post_id = post.json()["id"]
    assert 'class="mention"' in post.json()["body_html"]
    comment = api(anne).post(
        f"/api/v1/posts/{post_id}/comments", {"body": "Welcome"}, content_type="application/json"
    )
    assert comment.status_code == 201
    reply = api(bob).post(
        f"/api/v1/posts/{post_id}/comments",
        {"body": "Thanks", "parent_id": comment.json()["id"]},
        content_type="application/json",
    )
    assert reply.json()["parent_id"] == comment.json()["id"]
    threads = api(bob).get(f"/api/v1/posts/{post_id}/comments").json()
    assert threads["count"] == 2 and len(threads["items"][0]["replies"]) == 1
    counts = api(anne).put(
        f"/api/v1/posts/{post_id}/reactions", {"kind": "celebrate"}, content_type="application/json"
    )
    assert counts.json() == {"counts": {"celebrate": 1}, "my_reaction": "celebrate"}
    who = api(bob).get(f"/api/v1/posts/{post_id}/reactions").json()
    assert [i["user"]["username"] for i in who["items"]] == ["anne"]
    assert api(anne).delete(f"/api/v1/posts/{post_id}/reactions").json()["counts"] == {}
    shared = api(anne).post(
        f"/api/v1/posts/{post_id}/share", {"body": "Look"}, content_type="application/json"
    )
    assert shared.status_code == 201 and shared.json()["shared_from"]["id"] == post_id
    feed = api(anne).get("/api/v1/feed").json()
    assert [p["id"] for p in feed["items"]][:2] == [shared.json()["id"], post_id]
    assert api(bob).post(
        f"/api/v1/posts/{post_id}/save", {"saved": True}, content_type="application/json"
    ).json() == {"pinned": False, "saved": True}
    assert [p["id"] for p in api(bob).get("/api/v1/feed?filter=saved").json()["items"]] == [post_id]
    edited = api(bob).patch(
        f"/api/v1/posts/{post_id}", {"body": "Edited"}, content_type="application/json"
    )
    assert edited.json()["edited"] is True


def test_errors_are_json_details_never_500() -> None:
    me = make_user()
    client = api(me)
    assert client.get("/api/v1/feed?filter=nope").status_code == 400
    assert client.get("/api/v1/feed?cursor=%%%").status_code == 400
    assert client.get("/api/v1/feed?limit=1000").status_code == 422
    assert client.get("/api/v1/posts/999999").status_code == 404
    bad = client.post("/api/v1/posts", {"body": "  "}, content_type="application/json")
    assert bad.status_code == 400 and "body" in bad.json()["detail"]
    assert client.post(
        "/api/v1/posts", "not json", content_type="application/json"
    ).status_code in (
        400,
        422,
    )
    assert client.post(
        "/api/v1/spaces", {"name": "x", "kind": "weird"}, content_type="application/json"
    ).json()["detail"] == {"kind": ["Choose a kind of space."]}
    post = make_post(author=me)
    wrong = client.put(
        f"/api/v1/posts/{post.pk}/reactions", {"kind": "angry"}, content_type="application/json"
    )
    assert wrong.status_code == 400
    private = make_space(kind="private", members=(me,))
    secret_post = make_post(author=me, space=private)
    refused = client.post(
        f"/api/v1/posts/{secret_post.pk}/share", {"body": ""}, content_type="application/json"
    )
    assert refused.status_code == 403 and "cannot see the original" in refused.json()["detail"]
    owner_only = make_space(owner=me)
    last = client.post(f"/api/v1/spaces/{owner_only.slug}/leave")
    assert last.status_code == 400 and "last owner" in str(last.json()["detail"])


def test_spaces_members_invitations_and_requests() -> None:
    owner, bob, guest = make_user(), make_user(), make_guest()
    space = make_space(owner=owner, kind="secret")
    assert api(bob).get(f"/api/v1/spaces/{space.slug}").status_code == 404
    invited = api(owner).post(
        f"/api/v1/spaces/{space.pk}/invitations",
        {"user_ids": [bob.pk, guest.pk]},
        content_type="application/json",
    )
    assert invited.status_code == 201 and len(invited.json()["items"]) == 2
    mine = api(bob).get("/api/v1/space-invitations").json()["items"]
    assert [i["space"]["id"] for i in mine] == [space.pk]
    assert api(bob).post(f"/api/v1/space-invitations/{mine[0]['id']}/accept").status_code == 200
    assert Membership.objects.filter(space=space, user=bob).exists()
    guest_invitation = SpaceInvitation.objects.get(user=guest)
    assert (
        api(bob).post(f"/api/v1/space-invitations/{guest_invitation.pk}/accept").status_code == 404
    )
    members = api(bob).get(f"/api/v1/spaces/{space.slug}/members").json()
    assert members["count"] == 2
    assert (
        api(bob)
        .put(
            f"/api/v1/spaces/{space.slug}/members/{owner.pk}",
            {"role": "member"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    request_space = make_space(owner=owner, kind="request")
    asked = api(bob).post(
        f"/api/v1/spaces/{request_space.slug}/requests",
        {"message": "Please"},
        content_type="application/json",
    )
    assert asked.status_code == 201
    decided = api(owner).post(
        f"/api/v1/space-requests/{asked.json()['id']}/decide",
        {"accept": True},
        content_type="application/json",
    )
    assert decided.json()["status"] == "accepted"
    listing = api(bob).get("/api/v1/spaces?mine=true").json()["items"]
    assert {s["id"] for s in listing} >= {space.pk, request_space.pk}


@pytest.mark.parametrize(("kind", "role"), list(EXPECTED))
def test_matrix_over_api(kind: str, role: str) -> None:
    post, person = build(kind, role)
    want = EXPECTED[(kind, role)]
    client = Client()
    client.force_login(person)
    detail = client.get(f"/api/v1/posts/{post.pk}")
    if not person.is_active:
        assert detail.status_code == 401
        return
    assert detail.status_code == (200 if want["see"] else 404)
    if want["see"]:
        assert detail.json()["rights"] == want
    status = client.put(
        f"/api/v1/posts/{post.pk}/reactions", {"kind": "like"}, content_type="application/json"
    ).status_code
    assert status == (200 if want["react"] else (403 if want["see"] else 404))
    status = client.post(
        f"/api/v1/posts/{post.pk}/comments", {"body": "x"}, content_type="application/json"
    ).status_code
    assert status == (201 if want["comment"] else (403 if want["see"] else 404))
    status = client.patch(
        f"/api/v1/posts/{post.pk}", {"body": "changed"}, content_type="application/json"
    ).status_code
    assert status == (200 if want["edit"] else (403 if want["see"] else 404))
    status = client.post(
        f"/api/v1/posts/{post.pk}/pin", {"pinned": True}, content_type="application/json"
    ).status_code
    assert status == (200 if want["pin"] else (403 if want["see"] else 404))
    status = client.delete(f"/api/v1/posts/{post.pk}").status_code
    assert status == (204 if want["delete"] else (403 if want["see"] else 404))
    assert Post.objects.filter(pk=post.pk).exists() is not want["delete"]


@pytest.mark.parametrize("n", [3, 30])
def test_feed_api_query_count_is_fixed(django_assert_max_num_queries: Any, n: int) -> None:
    me = make_user()
    space = make_space(members=(me,))
    others = [make_user() for _ in range(3)]
    for person in others:
        add_member(space, person)
    for i in range(n):
        make_post(author=others[i % 3], space=space, body=f"p{i}")
    client = api(me)
    client.get("/api/v1/feed")
    with django_assert_max_num_queries(16):
        response = client.get("/api/v1/feed?limit=50")
    assert len(response.json()["items"]) == n


def test_a_guest_cannot_post_on_a_wall_through_the_api() -> None:
    guest = make_guest()
    space = make_space(kind="private", members=(guest,))
    client = api(guest)
    refused = client.post("/api/v1/posts", {"body": "Hello"}, content_type="application/json")
    assert refused.status_code == 403 and "spaces they belong to" in refused.json()["detail"]
    with_files = client.post("/api/v1/posts/with-attachments", {"body": "Hello"})
    assert with_files.status_code == 403
    assert not Post.objects.filter(author=guest).exists()
    posted = client.post(
        "/api/v1/posts", {"body": "Hi", "space_id": space.pk}, content_type="application/json"
    )
    assert posted.status_code == 201
