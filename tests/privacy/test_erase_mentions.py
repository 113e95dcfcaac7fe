"""Others' @mentions of an erased person, rewritten set-based: the queries grow with the batches,
not with the mentions, and what derives from each text (HTML, the chat's search column, the
search index, revisions) follows the rewritten text exactly as the one-row-at-a-time path did."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercle.accounts.models import User
from cercle.accounts.personal_data import erased_username
from cercle.chat import actions as chat_actions
from cercle.chat.models import Message, MessageVersion
from cercle.core import personal_data
from cercle.core.text import normalize
from cercle.feed import actions as feed_actions
from cercle.feed.models import Comment, CommentRevision, Post, PostRevision
from cercle.privacy import actions
from cercle.search.models import SearchDocument
from tests.factories import make_admin, make_group, make_message, make_space, make_user

pytestmark = pytest.mark.django_db


def mentioned(person: User, colleague: User, space: Any, conversation: Any, times: int) -> None:
    """`times` posts, comments and messages by the colleague naming the person."""
    post = None
    for number in range(times):
        post = feed_actions.create_post(
            actor=colleague, body=f"Point {number} avec @{person.username}", space=space
        )
        feed_actions.add_comment(
            actor=colleague, post=post, body=f"Merci @{person.username} ({number})"
        )
        make_message(colleague, conversation, f"@{person.username} réunion {number}")


def erasure_queries(admin: User, person: User) -> int:
    with CaptureQueriesContext(connection) as captured:
        actions.erase_person(actor=admin, person=person)
    return len(captured.captured_queries)


def test_the_erasure_costs_the_same_queries_for_few_or_many_mentions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = make_admin()
    colleague = make_user(username="bastien")
    few, many, warm, again = (
        make_user(username=name) for name in ("rarement", "souvent", "echauffe", "encore")
    )
    space = make_space(owner=colleague, members=(few, many, warm, again))
    conversation = make_group(colleague, [few, many, warm, again])
    mentioned(warm, colleague, space, conversation, 2)
    mentioned(few, colleague, space, conversation, 5)
    mentioned(many, colleague, space, conversation, 50)
    erasure_queries(admin, warm)  # caches (content types, settings) filled once
    costs = {"few": erasure_queries(admin, few), "many": erasure_queries(admin, many)}
    # One batch each: exactly the same statements (one row by row would cost ~6 a mention).
    assert costs["few"] == costs["many"], costs
    assert not Post.objects.filter(body__icontains="@souvent").exists()
    assert not Comment.objects.filter(body__icontains="@souvent").exists()
    assert not Message.objects.filter(body__icontains="@souvent").exists()
    # Smaller batches: a few more statements per batch, still not per mention (on PostgreSQL
    # the search index's write also reads the words it replaces and forgets those no item holds).
    mentioned(again, colleague, space, conversation, 50)
    monkeypatch.setattr(personal_data, "MENTION_BATCH", 10)
    in_batches = erasure_queries(admin, again)
    assert costs["many"] < in_batches <= costs["many"] + 4 * 3 * 10, (costs, in_batches)
    assert not Message.objects.filter(body__icontains="@encore").exists()
    assert Post.objects.filter(body__icontains=f"@{erased_username(again)}").count() == 50


def test_rewritten_texts_keep_their_links_search_entries_and_versions() -> None:
    admin = make_admin()
    colleague = make_user(username="bastien")
    other = make_user(username="claire")
    person = make_user(username="zquenouil")
    space = make_space(owner=colleague, members=(person, other))
    space_address = space.slug
    conversation = make_group(colleague, [person, other])
    body = (
        f"Avec @zquenouil, @claire et @{space_address} ; pas @zquenouil.plus "
        "ni zquenouil@exemple.org"
    )
    post = feed_actions.create_post(actor=colleague, body="Premier jet @zquenouil", space=space)
    post = feed_actions.edit_post(actor=colleague, post=post, body=body)
    comment = feed_actions.add_comment(actor=colleague, post=post, body="Vu @ZQuenouil !")
    comment = feed_actions.edit_comment(actor=colleague, comment=comment, body=body)
    message = make_message(colleague, conversation, "Brouillon @zquenouil")
    chat_actions.edit_message(actor=colleague, message_id=message.pk, body=body)
    untouched = feed_actions.create_post(
        actor=colleague, body="Écrire à @zquenouil.plus", space=space
    )
    untouched_html = untouched.body_html

    actions.erase_person(actor=admin, person=person)
    person.refresh_from_db()
    new = erased_username(person)
    expected = body.replace("@zquenouil,", f"@{new},")

    post.refresh_from_db()
    comment.refresh_from_db()
    message.refresh_from_db()
    for item in (post, comment, message):
        assert item.body == expected
        assert "zquenouil" not in item.body_html.replace("zquenouil.plus", "").replace(
            "zquenouil@exemple", ""
        )
        # The others still link: a person, and (in posts) the space.
        assert reverse("profile", args=["claire"]) in item.body_html
    assert reverse("space", args=[space_address]) in post.body_html
    assert reverse("space", args=[space_address]) in comment.body_html
    assert message.body_normalized == normalize(expected)
    # Earlier versions are rewritten too.
    for history in (
        PostRevision.objects.filter(post=post),
        CommentRevision.objects.filter(comment=comment),
        MessageVersion.objects.filter(message=message),
    ):
        texts = list(history.values_list("body", flat=True))
        assert texts and all(f"@{new}" in text for text in texts), texts
    version = MessageVersion.objects.get(message=message)
    assert "zquenouil" not in version.body_html
    # The search index holds the new texts, not the old name.
    for kind, pk in (("post", post.pk), ("comment", comment.pk), ("message", message.pk)):
        document = SearchDocument.objects.get(kind=kind, object_id=pk)
        assert f"@{new}" in document.body
        assert "@zquenouil," not in document.body
    # A text naming someone else (`@zquenouil.plus`) is left as it was.
    untouched.refresh_from_db()
    assert untouched.body == "Écrire à @zquenouil.plus"
    assert untouched.body_html == untouched_html
