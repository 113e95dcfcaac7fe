"""The author of a news comment a moderator hid or deleted is told why, in their language: in
the app (the notification list, the API) and by mail through a real SMTP server (aiosmtpd). The
reason is the notification's detail text (`Notification.detail_text`), the article its title."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cercle.accounts.models import User
from cercle.news import actions
from cercle.news.notifications import NEWS_COMMENT_MODERATED
from cercle.notifications.email import send_digests, send_due_emails
from cercle.notifications.models import Notification
from tests.factories import make_user
from tests.helpers.api import api
from tests.news.helpers import article, manager

pytestmark = pytest.mark.django_db


def _person(language: str, email: str) -> User:
    person = make_user(email=email)
    User.objects.filter(pk=person.pk).update(language=language)
    person.refresh_from_db()
    return person


def _plain(message: Any) -> str:
    part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    return str(part.get_content())


@pytest.fixture
def moderated() -> dict[str, Any]:
    """Claire (French) has a comment hidden, Bob (English) one deleted, on "Le séminaire"."""
    writer = manager()
    item = article(author=writer, title="Le séminaire")
    claire = _person("fr", "claire@example.org")
    bob = _person("en", "bob@example.org")
    hidden = actions.add_comment(actor=claire, article=item, body="Hors sujet")
    deleted = actions.add_comment(actor=bob, article=item, body="Achetez !")
    moderator = manager()
    actions.hide_comment(actor=moderator, comment=hidden, reason="Propos hors charte")
    actions.delete_comment(actor=moderator, comment=deleted, reason="Publicité <b>interdite</b>")
    return {"item": item, "claire": claire, "bob": bob, "hidden": hidden}


def test_the_reason_is_mailed_in_each_authors_language(
    moderated: dict[str, Any], smtp_server: Any
) -> None:
    later = timezone.now() + datetime.timedelta(hours=2)
    # Claire's, Bob's, and the article's author's (told of the two comments).
    assert send_due_emails(now=later) == 3
    messages = smtp_server.wait_for(3)
    by_address = {m["To"]: m for m in messages}
    french, english = by_address["claire@example.org"], by_address["bob@example.org"]
    assert french["Subject"].strip() == (
        "[Cercle] Un modérateur a masqué votre commentaire sur l'actualité « Le séminaire »"
    )
    body = _plain(french)
    assert "Motif : Propos hors charte" in body
    assert f"/news/{moderated['item'].pk}/#comment-{moderated['hidden'].pk}" in body
    assert english["Subject"].strip() == (
        "[Cercle] A moderator deleted your comment on the news article “Le séminaire”"
    )
    assert "Reason: Publicité <b>interdite</b>" in _plain(english)  # plain text, as written
    # Sent once: the next sweep mails nothing more.
    assert send_due_emails(now=later) == 0
    # The daily digest (unread still) says it again, reason included.
    assert send_digests(now=later) == 3
    digests = smtp_server.wait_for(6)[3:]
    texts = {m["To"]: _plain(m) for m in digests}
    assert "Motif : Propos hors charte" in texts["claire@example.org"]
    assert "Reason: Publicité <b>interdite</b>" in texts["bob@example.org"]


def test_the_reason_is_shown_in_the_app_in_each_authors_language(
    moderated: dict[str, Any],
) -> None:
    claire, bob = moderated["claire"], moderated["bob"]
    client = Client()
    client.force_login(claire)
    page = client.get("/notifications/").content.decode()
    assert "Un modérateur a masqué votre commentaire sur l&#x27;actualité « Le séminaire »" in page
    assert '<span class="notification-detail">Motif : Propos hors charte</span>' in page
    client = Client()
    client.force_login(bob)
    page = client.get("/notifications/").content.decode()
    assert "A moderator deleted your comment on the news article" in page
    # Escaped: a reason is plain text.
    assert "Reason: Publicité &lt;b&gt;interdite&lt;/b&gt;" in page and "<b>interdite" not in page
    # The API: the line and the detail, in the reader's language.
    (item,) = api(bob).get("/api/v1/notifications").json()["items"]
    assert item["text"] == "A moderator deleted your comment on the news article “Le séminaire”"
    assert item["detail"] == "Reason: Publicité <b>interdite</b>"
    # Other notifications say nothing more.
    other = Notification.objects.exclude(kind=NEWS_COMMENT_MODERATED)
    assert not other.exclude(detail_text="").exists()


def test_a_reason_is_required_and_at_most_500_characters(moderated: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    comment = actions.add_comment(actor=moderated["bob"], article=moderated["item"], body="Re")
    moderator = manager()
    for reason in ["", "   ", "x" * 501]:
        with pytest.raises(ValidationError):
            actions.hide_comment(actor=moderator, comment=comment, reason=reason)
    told = Notification.objects.filter(recipient=moderated["bob"], kind=NEWS_COMMENT_MODERATED)
    assert told.count() == 1  # the deletion's only
    actions.hide_comment(actor=moderator, comment=comment, reason="y" * 500)
    assert told.count() == 2 and told.filter(detail_text="y" * 500).exists()
