"""Comments on a document: whoever may read the file comments; its author edits and deletes a
comment, the library's managers delete anyone's; the page and the API show them (a fixed number
of queries), those who follow the file are notified, grouped; audited; exported, erased and
found by search."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cercle.audit.models import AuditEntry
from cercle.core.personal_data import ErasureRule, ExportWriter
from cercle.documents import actions, queries
from cercle.documents import personal_data as documents_personal_data
from cercle.documents.models import Comment
from cercle.documents.notifications import COMMENTED
from cercle.notifications import registry
from cercle.notifications.models import Notification
from cercle.notifications.queries import describe
from cercle.search import queries as search_queries
from cercle.spaces.models import Membership
from tests.factories import add_member, make_space, make_user
from tests.helpers.api import ODD_IDS, ODD_TEXTS, api, assert_4xx, call
from tests.helpers.documents import add_file, root_for

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    """Signed in, reading the pages in English (the assertions quote them)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _world() -> dict[str, Any]:
    owner, member, moderator, outsider = make_user(), make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(member,), kind="private")
    add_member(space, moderator, "moderator")
    document = add_file(member, root_for(space), "plan.txt", b"v1\n")
    return {
        "space": space,
        "owner": owner,
        "member": member,
        "moderator": moderator,
        "outsider": outsider,
        "document": document,
    }


def test_readers_comment_authors_edit_and_managers_delete() -> None:
    w = _world()
    document = w["document"]
    comment = actions.add_comment(actor=w["moderator"], document=document, body="**Bien** vu")
    assert "<strong>Bien</strong>" in comment.body_html
    # Someone who may not read the file may not comment (the page and the API say 404 first).
    with pytest.raises(PermissionDenied):
        actions.add_comment(actor=w["outsider"], document=document, body="hello")
    for bad in ("", "   ", "nul\x00", "x" * 10_001):
        with pytest.raises(ValidationError):
            actions.add_comment(actor=w["member"], document=document, body=bad)
    # Only its author edits it.
    with pytest.raises(PermissionDenied):
        actions.edit_comment(actor=w["owner"], comment=comment, body="changed")
    actions.edit_comment(actor=w["moderator"], comment=comment, body="Bien vu, merci")
    comment.refresh_from_db()
    assert comment.body == "Bien vu, merci" and comment.edited_at is not None
    # A plain member may not delete someone else's; the space's owner (a manager) may.
    theirs = actions.add_comment(actor=w["member"], document=document, body="Mine")
    with pytest.raises(PermissionDenied):
        actions.delete_comment(actor=w["member"], comment=comment)
    actions.delete_comment(actor=w["member"], comment=theirs)
    actions.delete_comment(actor=w["owner"], comment=comment)
    assert not Comment.objects.exists()
    logged = list(
        AuditEntry.objects.filter(action__startswith="documents.comment").values_list(
            "action", flat=True
        )
    )
    assert sorted(logged) == [
        "documents.comment_deleted",
        "documents.comment_deleted",
        "documents.comment_edited",
        "documents.commented",
        "documents.commented",
    ]
    # Someone who left the space can no longer comment.
    Membership.objects.filter(space=w["space"], user=w["member"]).delete()
    assert not queries.can_comment(w["member"], document)
    # An archived space is read-only.
    w["space"].archived_at = timezone.now()
    w["space"].save(update_fields=["archived_at"])
    assert not queries.can_comment(w["owner"], queries.access_document(w["owner"], document.pk))


def test_shared_file_grantee_comments_but_does_not_moderate() -> None:
    owner, friend = make_user(), make_user()
    document = add_file(owner, root_for(owner=owner), "notes.txt")
    assert not queries.can_comment(friend, document)
    actions.share(actor=owner, item=document, access="read", user=friend)
    said = actions.add_comment(actor=friend, document=document, body="Lu !")
    mine = actions.add_comment(actor=owner, document=document, body="Merci")
    assert not queries.can_delete_comment(friend, mine)
    assert queries.can_delete_comment(owner, said)  # the owner of My documents manages it


def test_followers_are_notified_grouped_per_file() -> None:
    w = _world()
    document = w["document"]
    second, third = make_user(), make_user()
    add_member(w["space"], second)
    add_member(w["space"], third)
    actions.add_comment(actor=second, document=document, body="Premier")
    [told] = Notification.objects.filter(kind=COMMENTED)
    assert told.recipient == w["member"] and told.actor == second
    kind = registry.kind(COMMENTED)
    assert kind is not None
    assert kind.link(told) == reverse("documents_file", args=[document.pk]) + "#comments"
    with translation.override("en"):
        assert describe(told) == f"{second.display_name} commented on the file “plan.txt”"
    actions.add_comment(actor=third, document=document, body="Deuxième")
    # The uploader's one notification groups both; the first commenter hears of the second.
    told = Notification.objects.get(kind=COMMENTED, recipient=w["member"])
    assert told.actor_count == 2
    assert Notification.objects.filter(kind=COMMENTED, recipient=second).count() == 1
    assert not Notification.objects.filter(kind=COMMENTED, recipient=third).exists()
    # Someone who may no longer read the file hears nothing more.
    Membership.objects.filter(space=w["space"], user=second).delete()
    actions.add_comment(actor=w["member"], document=document, body="Troisième")
    assert Notification.objects.filter(kind=COMMENTED, recipient=second).count() == 1


def test_the_page_shows_comments_in_a_fixed_number_of_queries() -> None:
    w = _world()
    document = w["document"]
    client = client_for(w["member"])
    url = reverse("documents_file", args=[document.pk])
    posted = client.post(reverse("documents_comment", args=[document.pk]), {"body": "Un *avis*"})
    assert posted.status_code == 302 and posted["Location"].endswith("#comments")
    [comment] = Comment.objects.all()

    def page_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    page_queries()  # the first page after the post reads its message and warms caches
    few, html = page_queries()
    assert "<em>avis</em>" in html and "Write a comment" in html
    assert reverse("documents_comment_delete", args=[document.pk, comment.pk]) in html
    for n in range(5):
        actions.add_comment(actor=make_commenter(w), document=document, body=f"Avis {n}")
    many, html = page_queries()
    assert many == few
    assert "6 comments" in html
    # The moderator sees delete buttons for all, and no edit for others'.
    moderator_page = client_for(w["moderator"]).get(url).content.decode()
    assert moderator_page.count("/delete") >= 6
    assert reverse("documents_comment_edit", args=[document.pk, comment.pk]) not in moderator_page
    # Edit and delete from the page; someone else's delete is refused with a message.
    client.post(
        reverse("documents_comment_edit", args=[document.pk, comment.pk]), {"body": "Autre avis"}
    )
    comment.refresh_from_db()
    assert comment.body == "Autre avis"
    other = Comment.objects.exclude(author=w["member"]).first()
    assert other is not None
    client.post(reverse("documents_comment_delete", args=[document.pk, other.pk]))
    assert Comment.objects.filter(pk=other.pk).exists()
    client.post(reverse("documents_comment_delete", args=[document.pk, comment.pk]))
    assert not Comment.objects.filter(pk=comment.pk).exists()
    # An outsider gets a 404, and nothing is written.
    stranger = client_for(w["outsider"])
    assert stranger.get(url).status_code == 404
    refused = stranger.post(reverse("documents_comment", args=[document.pk]), {"body": "x"})
    assert refused.status_code == 404
    assert Comment.objects.count() == 5


def make_commenter(w: dict[str, Any]) -> Any:
    person = make_user()
    add_member(w["space"], person)
    return person


def test_comments_over_the_api() -> None:
    w = _world()
    document = w["document"]
    base = f"/api/v1/files/{document.pk}/comments"
    member = api(w["member"])
    created = call(member, "post", base, {"body": "Très **clair**"})
    assert created.status_code == 201, created.content
    made = created.json()
    assert "<strong>clair</strong>" in made["body_html"]
    assert made["author"]["username"] == w["member"].username
    for n in range(4):
        actions.add_comment(actor=w["moderator"], document=document, body=f"n{n}")
    with CaptureQueriesContext(connection) as captured:
        listed = member.get(base)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [i["body"] for i in items] == ["Très **clair**", "n0", "n1", "n2", "n3"]
    assert items[0]["can_edit"] and not items[1]["can_delete"]
    assert len(captured) <= 12  # session, user, document, rights, comments: not one per comment
    edited = call(member, "patch", f"{base}/{made['id']}", {"body": "Très clair."})
    assert edited.status_code == 200 and edited.json()["edited_at"]
    # Someone else's comment: 403 for a member, 204 for the space's moderator.
    other_id = items[1]["id"]
    assert_4xx(member.delete(f"{base}/{other_id}"))
    assert member.delete(f"{base}/{other_id}").status_code == 403
    assert api(w["owner"]).delete(f"{base}/{other_id}").status_code == 204
    assert member.delete(f"{base}/{made['id']}").status_code == 204
    # Outsiders: 404 for the list, the post and the delete; nothing changes.
    count = Comment.objects.count()
    stranger = api(w["outsider"])
    assert stranger.get(base).status_code == 404
    assert call(stranger, "post", base, {"body": "x"}).status_code == 404
    assert stranger.delete(f"{base}/{items[2]['id']}").status_code == 404
    # Bad input: a 4xx with a reason, never a 500, and nothing written.
    for text in ODD_TEXTS:
        if text.strip() and "\x00" not in text and len(text) <= 10_000:
            continue
        assert_4xx(call(member, "post", base, {"body": text}))
    assert_4xx(call(member, "post", base, "not json"))
    assert_4xx(call(member, "post", base, {}))
    for odd in ODD_IDS:
        response = member.get(f"/api/v1/files/{odd}/comments")
        assert 400 <= response.status_code < 500, (odd, response.status_code)
        response = member.delete(f"{base}/{odd}")
        assert 400 <= response.status_code < 500, (odd, response.status_code)
    assert Comment.objects.count() == count
    # A comment of another file is not found through this one.
    elsewhere = add_file(w["member"], root_for(w["space"]), "autre.txt")
    foreign = actions.add_comment(actor=w["member"], document=elsewhere, body="ailleurs")
    assert member.delete(f"{base}/{foreign.pk}").status_code == 404
    schema = api(w["member"]).get("/api/v1/openapi.json").json()
    assert "/api/v1/files/{file_id}/comments" in schema["paths"]
    assert "delete" in schema["paths"]["/api/v1/files/{file_id}/comments/{comment_id}"]


def test_comments_are_exported_erased_and_searchable() -> None:
    w = _world()
    document = w["document"]
    actions.add_comment(actor=w["moderator"], document=document, body="Le tatou dort")
    hits = search_queries.search(w["member"], "tatou", kinds=["document"]).hits
    assert [h.document.object_id for h in hits] == [document.pk]
    assert not search_queries.search(w["outsider"], "tatou", kinds=["document"]).hits
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        writer = ExportWriter(archive)
        documents_personal_data._export_comments(w["moderator"], writer)
    with zipfile.ZipFile(buffer) as archive:
        rows = json.loads(archive.read("documents/comments.json"))
    assert [(r["document"], r["body"]) for r in rows] == [("plan.txt", "Le tatou dort")]
    documents_personal_data.erase(w["moderator"], ErasureRule(shared_content="anonymise"))
    assert Comment.objects.count() == 1
    documents_personal_data.erase(w["moderator"], ErasureRule(shared_content="delete"))
    assert not Comment.objects.exists()
    assert not search_queries.search(w["member"], "tatou", kinds=["document"]).hits
