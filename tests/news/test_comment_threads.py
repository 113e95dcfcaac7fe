"""Replies to an article's comments, editing one's own comment, and moderation: the comment's
author or a communication manager (or the article's author) deletes; a reply's comment author
is notified; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.news import actions
from cercle.news.models import Article, ArticleComment
from cercle.news.notifications import NEWS_COMMENT
from cercle.notifications.models import Notification
from tests.factories import make_user
from tests.news.helpers import article, manager

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_replies_thread_under_their_comment_and_notify_its_author() -> None:
    writer = manager()
    item = article(author=writer)
    anne, bob = make_user(), make_user()
    first = actions.add_comment(actor=anne, article=item, body="Bravo")
    response = client_for(bob).post(
        f"/news/{item.pk}/comment/", {"body": "D'accord", "parent": str(first.pk)}
    )
    assert response.status_code == 302
    reply = ArticleComment.objects.get(parent=first)
    # A reply to a reply answers the same comment (one level).
    deeper = actions.add_comment(actor=anne, article=item, body="Merci", parent=reply)
    assert deeper.parent_id == first.pk
    # The article's author hears of all three; anne of bob's reply to her comment; bob of none
    # (anne's answer goes under her own comment, whose author she is).
    told = Notification.objects.filter(kind=NEWS_COMMENT)
    assert set(told.values_list("recipient", flat=True)) == {writer.pk, anne.pk}
    item.refresh_from_db()
    assert item.comment_count == 3
    html = client_for(anne).get(f"/news/{item.pk}/").content.decode()
    replies = html.split('class="plain-list news-replies"', 1)[1].split("</ul>", 1)[0]
    assert f'id="comment-{reply.pk}"' in replies and f'id="comment-{deeper.pk}"' in replies
    assert f'name="parent" value="{first.pk}"' in html


def test_bad_replies_change_nothing() -> None:
    item, other = article(), article(title="Autre")
    elsewhere = actions.add_comment(actor=make_user(), article=other, body="Ailleurs")
    client = client_for(make_user())
    for parent in (str(elsewhere.pk), "999999", "abc"):
        response = client.post(f"/news/{item.pk}/comment/", {"body": "x", "parent": parent})
        assert response.status_code == 400, parent
    assert not ArticleComment.objects.filter(article=item).exists()


def test_authors_edit_their_comment_and_moderators_delete() -> None:
    writer = manager()
    item = article(author=writer)
    anne, bob = make_user(), make_user()
    comment = actions.add_comment(actor=anne, article=item, body="Premier jet")
    actions.add_comment(actor=bob, article=item, body="Réponse", parent=comment)
    anne_client = client_for(anne)
    assert (
        client_for(bob).post(f"/news/comments/{comment.pk}/edit/", {"body": "pirate"}).status_code
        == 403
    )
    response = anne_client.get(f"/news/comments/{comment.pk}/edit/")
    assert f"edit_comment={comment.pk}" in response["Location"]
    assert "Premier jet</textarea>" in anne_client.get(response["Location"]).content.decode()
    assert anne_client.post(f"/news/comments/{comment.pk}/edit/", {"body": " "}).status_code == 400
    anne_client.post(f"/news/comments/{comment.pk}/edit/", {"body": "Corrigé"})
    comment.refresh_from_db()
    assert comment.body == "Corrigé" and comment.edited_at is not None
    # Bob, a reader, may not delete anne's comment; a communication manager may (with replies).
    assert client_for(bob).post(f"/news/comments/{comment.pk}/delete/").status_code == 403
    moderator = client_for(manager())
    assert moderator.post(f"/news/comments/{comment.pk}/delete/").status_code == 400  # no reason
    assert ArticleComment.objects.filter(article=item).count() == 2
    response = moderator.post(f"/news/comments/{comment.pk}/delete/", {"reason": "Hors sujet"})
    assert response.status_code == 302
    assert not ArticleComment.objects.filter(article=item).exists()
    assert Article.objects.get(pk=item.pk).comment_count == 0
    assert AuditEntry.objects.filter(action="news.comment_deleted").count() == 1
