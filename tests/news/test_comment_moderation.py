"""Moderating the comments of an article: moderators (communication managers, admins, the
article's author) hide, show again or delete anyone's comment with a reason kept in the audit
log; readers report a comment and the moderators see the reports and decide. Every refusal is a
4xx that changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from cercle.accounts.models import Role, User
from cercle.audit.models import AuditEntry
from cercle.feed.models import ReportStatus
from cercle.news import actions
from cercle.news.models import Article, ArticleComment, CommentReport
from cercle.news.notifications import NEWS_COMMENT_MODERATED
from cercle.notifications import registry
from cercle.notifications.email import send_if_still_unread
from cercle.notifications.models import Notification, Preference
from cercle.notifications.queries import describe, detail
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


def count(item: Article) -> int:
    return Article.objects.get(pk=item.pk).comment_count


def test_a_moderator_hides_a_comment_with_a_reason_and_shows_it_again() -> None:
    writer = manager()
    item = article(author=writer)
    anne, bob = make_user(first_name="Anne"), make_user()
    comment = actions.add_comment(actor=anne, article=item, body="Texte **déplacé**")
    reply = actions.add_comment(actor=bob, article=item, body="Réponse gardée", parent=comment)
    url = f"/news/comments/{comment.pk}/hide/"
    # A reader may not; a moderator must say why; a missing comment is a 404.
    assert client_for(bob).post(url, {"reason": "x"}).status_code == 403
    moderator = client_for(manager())
    assert moderator.post(url, {"reason": "  "}).status_code == 400
    assert moderator.post(url, {"reason": "x" * 501}).status_code == 400
    assert moderator.post("/news/comments/999999/hide/", {"reason": "x"}).status_code == 404
    assert moderator.get(url).status_code == 405
    assert ArticleComment.objects.get(pk=comment.pk).hidden_at is None
    assert not AuditEntry.objects.filter(action="news.comment_hidden").exists()

    assert moderator.post(url, {"reason": "Propos hors charte"}).status_code == 302
    assert count(item) == 1  # the reply still counts
    entry = AuditEntry.objects.get(action="news.comment_hidden")
    assert entry.extra["reason"] == "Propos hors charte"
    assert "déplacé" in entry.old_value["body"]
    assert moderator.post(url, {"reason": "encore"}).status_code == 400  # hidden already

    # Readers see a notice in its place (the reply stays); its author and moderators its text.
    html = client_for(bob).get(f"/news/{item.pk}/").content.decode()
    assert "déplacé" not in html and "This comment was hidden by a moderator." in html
    assert "Réponse gardée" in html and f'id="comment-{reply.pk}"' in html
    assert "déplacé" in client_for(anne).get(f"/news/{item.pk}/").content.decode()
    assert "déplacé" in client_for(writer).get(f"/news/{item.pk}/").content.decode()

    unhide = f"/news/comments/{comment.pk}/unhide/"
    assert client_for(bob).post(unhide).status_code == 403
    assert moderator.post(unhide).status_code == 302
    assert ArticleComment.objects.get(pk=comment.pk).hidden_at is None
    assert count(item) == 2
    assert AuditEntry.objects.filter(action="news.comment_shown").count() == 1
    assert moderator.post(unhide).status_code == 400  # not hidden


def test_the_articles_author_moderates_and_a_deletion_keeps_its_reason() -> None:
    # The author of the article (here an admin who wrote it, then left the staff role) moderates.
    writer = make_user(role=Role.STAFF)
    item = article(author=writer)
    writer.role = Role.MEMBER
    writer.save()
    anne = make_user()
    comment = actions.add_comment(actor=anne, article=item, body="À supprimer")
    actions.add_comment(actor=make_user(), article=item, body="Réponse", parent=comment)
    client = client_for(writer)
    assert client.post(f"/news/comments/{comment.pk}/delete/", {"reason": ""}).status_code == 400
    assert ArticleComment.objects.filter(article=item).count() == 2
    response = client.post(f"/news/comments/{comment.pk}/delete/", {"reason": "Doublon"})
    assert response.status_code == 302
    assert not ArticleComment.objects.filter(article=item).exists() and count(item) == 0
    entry = AuditEntry.objects.get(action="news.comment_deleted")
    assert entry.extra["reason"] == "Doublon" and entry.old_value["body"] == "À supprimer"
    # Its author deletes their own without a reason, and that is not moderation.
    own = actions.add_comment(actor=anne, article=item, body="Le mien")
    assert client_for(anne).post(f"/news/comments/{own.pk}/delete/").status_code == 302
    assert AuditEntry.objects.filter(action="news.comment_deleted").count() == 1


def test_a_reader_reports_a_comment_and_the_editors_decide() -> None:
    item = article()
    anne, bob, zoe = make_user(), make_user(first_name="Bob"), make_user()
    comment = actions.add_comment(actor=anne, article=item, body="Publicité")
    url = f"/news/comments/{comment.pk}/report/"
    bob_client = client_for(bob)
    # Bad reasons, one's own comment, too long details: nothing is recorded.
    assert bob_client.post(url, {"reason": "nope"}).status_code == 400
    assert bob_client.post(url, {"reason": "spam", "details": "x" * 2001}).status_code == 400
    assert client_for(anne).post(url, {"reason": "spam"}).status_code == 400
    assert not CommentReport.objects.exists()
    # The report form shows to others than the author.
    assert f'action="{url}"' in bob_client.get(f"/news/{item.pk}/").content.decode()
    assert bob_client.post(url, {"reason": "spam", "details": "Lien suspect"}).status_code == 302
    assert bob_client.post(url, {"reason": "spam"}).status_code == 400  # once while it waits
    assert client_for(zoe).post(url, {"reason": "other"}).status_code == 302
    assert CommentReport.objects.filter(status=ReportStatus.OPEN).count() == 2

    # The queue: the editors only.
    assert bob_client.get("/news/reports/").status_code == 403
    editor = client_for(manager())
    html = editor.get("/news/reports/").content.decode()
    assert "Lien suspect" in html and "Publicité" in html and "reported by Bob" in html
    assert "Reported comments (2)" in editor.get("/news/").content.decode()

    # Dismissing settles every open report (a reader may not); then a new one may come.
    dismiss = f"/news/comments/{comment.pk}/dismiss/"
    assert bob_client.post(dismiss).status_code == 403
    response = editor.post(dismiss, {"next": "reports"})
    assert response.status_code == 302 and response["Location"] == "/news/reports/"
    assert CommentReport.objects.filter(status=ReportStatus.DISMISSED).count() == 2
    assert editor.post(dismiss).status_code == 400  # nothing waiting
    assert AuditEntry.objects.filter(action="news.reports_dismissed").count() == 1
    assert "Publicité" not in editor.get("/news/reports/").content.decode()

    # Hiding settles the new report as hidden.
    assert bob_client.post(url, {"reason": "harassment"}).status_code == 302
    editor.post(f"/news/comments/{comment.pk}/hide/", {"reason": "Spam avéré", "next": "reports"})
    report = CommentReport.objects.get(reason="harassment")
    assert report.status == ReportStatus.HIDDEN and report.decided_at is not None
    assert AuditEntry.objects.get(action="news.comment_hidden").extra["reports"] == 1


def test_reports_need_the_article_live_and_visible() -> None:
    item = article()
    comment = actions.add_comment(actor=make_user(), article=item, body="Bonjour")
    guest = make_user(role=Role.GUEST)  # outside the audience: the same 404 as missing
    assert (
        client_for(guest)
        .post(f"/news/comments/{comment.pk}/report/", {"reason": "spam"})
        .status_code
        == 404
    )
    assert (
        client_for(guest).post(f"/news/comments/{comment.pk}/hide/", {"reason": "x"}).status_code
        == 404
    )
    assert not CommentReport.objects.exists()


def test_an_erasure_deletes_the_reports_a_person_made() -> None:
    from cercle.core.personal_data import ErasureRule
    from cercle.news import personal_data

    comment = actions.add_comment(actor=make_user(), article=article(), body="Bonjour")
    bob, zoe = make_user(), make_user()
    actions.report_comment(actor=bob, comment=comment, reason="spam")
    actions.report_comment(actor=zoe, comment=comment, reason="other")
    personal_data.erase(bob, ErasureRule())
    assert list(CommentReport.objects.values_list("reporter", flat=True)) == [zoe.pk]


def test_the_author_of_a_hidden_or_deleted_comment_is_told_why() -> None:
    writer = manager()
    item = article(author=writer, title="Le séminaire")
    anne, bob = make_user(first_name="Anne"), make_user()
    comment = actions.add_comment(actor=anne, article=item, body="Hors sujet")
    moderator = manager()
    assert (
        client_for(moderator)
        .post(f"/news/comments/{comment.pk}/hide/", {"reason": "Propos hors charte"})
        .status_code
        == 302
    )
    told = Notification.objects.get(recipient=anne, kind=NEWS_COMMENT_MODERATED)
    # The article is the notification's title, the reason its detail text.
    assert told.actor_id == moderator.pk and told.subject_title == "Le séminaire"
    assert told.detail_text == "Propos hors charte"
    kind = registry.kind(NEWS_COMMENT_MODERATED)
    assert kind is not None and kind.email
    assert describe(told) == "A moderator hid your comment on the news article “Le séminaire”"
    assert detail(told) == "Reason: Propos hors charte"
    assert kind.link(told) == f"/news/{item.pk}/#comment-{comment.pk}"
    # Shown again: nothing more is said; no one else is told (not the article's author).
    actions.unhide_comment(actor=moderator, comment=ArticleComment.objects.get(pk=comment.pk))
    assert Notification.objects.filter(kind=NEWS_COMMENT_MODERATED).count() == 1
    # Mailed while unread, as the notifications' preferences allow.
    later = timezone.now() + datetime.timedelta(hours=2)
    assert send_if_still_unread(notification_id=told.pk, now=later)
    assert len(mail.outbox) == 1

    # Deleted by a moderator, with a long reason (whole in the notification as in the audit
    # log: both hold 500 characters): the author is told, by a line of its own; their mail
    # follows their preferences.
    Preference.objects.create(user=bob, kind=NEWS_COMMENT_MODERATED, email=False)
    other = actions.add_comment(actor=bob, article=item, body="Publicité")
    reason = "Publicité pour un produit extérieur, " * 13
    assert len(reason.strip()) > 450
    actions.delete_comment(actor=writer, comment=other, reason=reason)
    told = Notification.objects.get(recipient=bob, kind=NEWS_COMMENT_MODERATED)
    assert told.detail_text == reason.strip() and told.subject_title == "Le séminaire"
    assert kind.describe(told) == "A moderator deleted your comment on the news article"
    assert not send_if_still_unread(notification_id=told.pk, now=later)
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.get(action="news.comment_deleted").extra["reason"] == reason.strip()

    # Their own comment, deleted or hidden by themselves as a moderator: no notification.
    own = actions.add_comment(actor=writer, article=item, body="Ma précision")
    actions.hide_comment(actor=writer, comment=own, reason="Doublon")
    actions.delete_comment(actor=writer, comment=own)
    assert not Notification.objects.filter(recipient=writer, kind=NEWS_COMMENT_MODERATED).exists()
