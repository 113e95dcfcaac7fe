"""Comments and reactions on pages through the API (as on the page): who may comment, edit and
delete (its author; the space's moderators, audited), notifications to the owner, a list by
cursor at a fixed number of queries, bad input a 4xx that changes nothing; and a person's
comments and reactions in their exported data and erasure."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.audit.models import AuditEntry
from cercle.core.personal_data import ErasureRule
from cercle.notifications.models import Notification
from cercle.pages import actions, personal_data, queries
from cercle.pages.models import Page, PageComment, PageReaction
from cercle.pages.notifications import PAGE_COMMENT
from tests.factories import add_member, make_space, make_user
from tests.helpers.api import api, assert_4xx, call

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast() -> dict[str, Any]:
    owner = make_user(username="anne-owner")
    space = make_space(owner=owner, kind="private")
    member, moderator, outsider = make_user(), make_user(), make_user()
    add_member(space, member)
    add_member(space, moderator, role="moderator")
    page = actions.create_page(actor=owner, space=space, title="Charte", body="Texte")
    return {
        "owner": owner,
        "space": space,
        "member": member,
        "moderator": moderator,
        "outsider": outsider,
        "page": page,
    }


def test_comment_edit_and_delete_through_the_api(cast: dict[str, Any]) -> None:
    page, member = cast["page"], cast["member"]
    url = f"/api/v1/pages/{page.pk}/comments"
    created = call(api(member), "POST", url, {"body": "Une **question**"})
    assert created.status_code == 201, created.content
    comment = created.json()
    assert comment["body_html"].count("<strong>") == 1
    assert comment["can_edit"] is True and comment["can_delete"] is True
    assert Notification.objects.filter(recipient=cast["owner"], kind=PAGE_COMMENT).exists()
    assert Page.objects.get(pk=page.pk).comment_count == 1
    listed = api(cast["owner"]).get(url).json()
    assert [c["body"] for c in listed["items"]] == ["Une **question**"]
    # The space's owner may delete it (moderation), not edit it.
    assert listed["items"][0]["can_edit"] is False and listed["items"][0]["can_delete"] is True
    one = f"{url}/{comment['id']}"
    assert call(api(cast["owner"]), "PATCH", one, {"body": "pirate"}).status_code == 403
    edited = call(api(member), "PATCH", one, {"body": "Corrigée"})
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    # Another member writes the wiki's pages but moderates nothing: 403, the comment stays.
    other = make_user()
    add_member(cast["space"], other)
    assert api(other).get(url).json()["items"][0]["can_delete"] is False
    assert api(other).delete(one).status_code == 403
    # A comment asked for under another page is not found.
    elsewhere = actions.create_page(actor=cast["owner"], space=cast["space"], title="Autre")
    assert (
        api(member).delete(f"/api/v1/pages/{elsewhere.pk}/comments/{comment['id']}").status_code
        == 404
    )
    assert PageComment.objects.filter(pk=comment["id"], body="Corrigée").exists()
    # The space's moderator deletes it: audited with the beginning of its text.
    assert api(cast["moderator"]).delete(one).status_code == 204
    assert not PageComment.objects.exists() and Page.objects.get(pk=page.pk).comment_count == 0
    entry = AuditEntry.objects.get(action="pages.comment_deleted")
    assert entry.actor_id == cast["moderator"].pk and "Corrigée" in str(entry.old_value)
    # Its author deletes their own, not audited.
    mine = call(api(member), "POST", url, {"body": "Encore"}).json()
    assert api(member).delete(f"{url}/{mine['id']}").status_code == 204
    assert AuditEntry.objects.filter(action="pages.comment_deleted").count() == 1


def test_bad_comments_and_reactions_are_refused_and_change_nothing(cast: dict[str, Any]) -> None:
    page, member = cast["page"], cast["member"]
    url = f"/api/v1/pages/{page.pk}/comments"
    for bad in ({}, {"body": ""}, {"body": "   "}, {"body": "x" * 5001}, {"body": "a\x00b"}, "[1"):
        assert_4xx(call(api(member), "POST", url, bad))
    for kind in ("", "angry", "x" * 40):
        assert_4xx(call(api(member), "PUT", f"/api/v1/pages/{page.pk}/reactions", {"kind": kind}))
    # Those who may not read the page: not found, whatever they send.
    assert api(cast["outsider"]).get(url).status_code == 404
    assert call(api(cast["outsider"]), "POST", url, {"body": "Bonjour"}).status_code == 404
    reaction = call(
        api(cast["outsider"]), "PUT", f"/api/v1/pages/{page.pk}/reactions", {"kind": "like"}
    )
    assert reaction.status_code == 404
    for bad_cursor in ("nonsense", "WyJhIl0", "W10"):
        assert_4xx(api(member).get(f"{url}?cursor={bad_cursor}"))
    assert call(api(member), "PATCH", f"{url}/999999", {"body": "x"}).status_code == 404
    assert not PageComment.objects.exists() and not PageReaction.objects.exists()
    page.refresh_from_db()
    assert page.comment_count == 0 and page.reaction_counts == {}


def test_reactions_through_the_api(cast: dict[str, Any]) -> None:
    page = cast["page"]
    url = f"/api/v1/pages/{page.pk}/reactions"
    got = call(api(cast["member"]), "PUT", url, {"kind": "like"}).json()
    assert got == {"counts": {"like": 1}, "my_reaction": "like"}
    got = call(api(cast["moderator"]), "PUT", url, {"kind": "love"}).json()
    assert got["counts"] == {"like": 1, "love": 1}
    got = call(api(cast["member"]), "PUT", url, {"kind": "love"}).json()  # changed, not added
    assert got["counts"] == {"love": 2}
    got = api(cast["member"]).delete(url).json()
    assert got == {"counts": {"love": 1}, "my_reaction": None}
    assert api(cast["owner"]).get(f"/api/v1/pages/{page.pk}").json()["reaction_counts"] == {
        "love": 1
    }


def test_comments_are_listed_50_at_a_time_at_a_fixed_cost(cast: dict[str, Any]) -> None:
    page, member = cast["page"], cast["member"]
    people = [make_user() for _ in range(3)]
    for person in people:
        add_member(cast["space"], person)

    def comment(n: int) -> None:
        actions.add_comment(actor=people[n % 3], page=page, body=f"Commentaire {n}")

    for n in range(5):
        comment(n)
    client = api(member)
    url = f"/api/v1/pages/{page.pk}/comments"
    client.get(url)

    def cost() -> tuple[int, dict[str, Any]]:
        with CaptureQueriesContext(connection) as seen:
            answer = client.get(url)
        assert answer.status_code == 200
        return len(seen), answer.json()

    few, first = cost()
    assert len(first["items"]) == 5 and first["next_cursor"] is None
    for n in range(5, 120):
        comment(n)
    many, first = cost()
    assert many == few and len(first["items"]) == queries.COMMENTS_PAGE
    bodies = [c["body"] for c in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        got = client.get(f"{url}?cursor={cursor}").json()
        bodies += [c["body"] for c in got["items"]]
        cursor = got["next_cursor"]
    assert bodies == [f"Commentaire {n}" for n in range(120)]


class Writer:
    def __init__(self) -> None:
        self.files: dict[str, Any] = {}

    def section(self, key: str, label: object) -> str:
        return key

    def add_row(self, section: str, row: object) -> None:
        pass

    def write_text(self, path: str, text: str) -> str:
        self.files[path] = text
        return path

    def write_json(self, path: str, value: Any) -> None:
        self.files[path] = value


def test_a_persons_comments_and_reactions_are_exported_and_erased(cast: dict[str, Any]) -> None:
    page, member = cast["page"], cast["member"]
    actions.add_comment(actor=member, page=page, body="Merci pour la charte")
    actions.add_comment(actor=cast["moderator"], page=page, body="Je reste")
    actions.react(actor=member, page=page, kind="celebrate")
    actions.react(actor=cast["moderator"], page=page, kind="celebrate")
    writer = Writer()
    personal_data.export(member, writer)  # type: ignore[arg-type]
    assert [c["body"] for c in writer.files["pages/comments.json"]] == ["Merci pour la charte"]
    assert writer.files["pages/comments.json"][0]["page__title"] == "Charte"
    assert [r["kind"] for r in writer.files["pages/reactions.json"]] == ["celebrate"]
    # Kept (anonymised with the account) under the "anonymise" rule; the reaction always goes.
    personal_data.erase(member, ErasureRule(shared_content="anonymise"))
    page.refresh_from_db()
    assert page.reaction_counts == {"celebrate": 1} and page.comment_count == 2
    assert PageComment.objects.filter(author=member).count() == 1
    # Deleted under the "delete" rule, and counted no more.
    personal_data.erase(member, ErasureRule(shared_content="delete"))
    page.refresh_from_db()
    assert page.comment_count == 1
    assert list(PageComment.objects.values_list("body", flat=True)) == ["Je reste"]
