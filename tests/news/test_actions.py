"""The news' writes: who writes, validation (a cover needs its description, the end after the
publication, bad input changes nothing), XSS in the body and title, reads counted once, comments
and reactions, sharing to the wall never widens the audience, the notification when an article
goes live (once), and the weekly letter honouring the opt-out."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from cercle.feed.queries.visibility import Viewer
from cercle.news import actions, extensions, letter
from cercle.news.actions import ArticleInput
from cercle.news.models import Article, ArticleRead, LetterSent
from cercle.news.notifications import NEWS, NEWS_LETTER
from cercle.notifications.models import Notification, Preference
from tests.factories import make_guest, make_site, make_space, make_user
from tests.helpers.clients import client_for
from tests.helpers.files import image_bytes
from tests.news.helpers import article, manager

pytestmark = pytest.mark.django_db


def test_only_managers_and_admins_write() -> None:
    for person in (make_user(), make_guest()):
        with pytest.raises(PermissionDenied):
            actions.create_article(actor=person, data=ArticleInput(title="Non"))
    assert not Article.objects.exists()


def test_bad_input_is_refused_and_changes_nothing() -> None:
    author = manager()
    now = timezone.now()
    cases = [
        ArticleInput(title="  "),
        ArticleInput(title="x" * 201),
        ArticleInput(title="Nul\x00"),
        ArticleInput(title="Fin", published_at=now, ends_at=now - datetime.timedelta(hours=1)),
        ArticleInput(title="Fin sans début", ends_at=now),
    ]
    for data in cases:
        with pytest.raises(ValidationError):
            actions.create_article(actor=author, data=data)
    # A cover without its description.
    with pytest.raises(ValidationError) as refused:
        actions.create_article(
            actor=author,
            data=ArticleInput(title="Photo"),
            cover=(io.BytesIO(image_bytes()), "photo.png"),
        )
    assert "cover_alt" in refused.value.message_dict
    # Not an image.
    with pytest.raises(ValidationError):
        actions.create_article(
            actor=author,
            data=ArticleInput(title="Photo", cover_alt="Une photo"),
            cover=(io.BytesIO(b"<script>alert(1)</script>"), "photo.png"),
        )
    assert not Article.objects.exists()


def test_a_cover_goes_through_the_upload_policy(tmp_path: object) -> None:
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            "news": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }
    ):
        found = actions.create_article(
            actor=manager(),
            data=ArticleInput(
                title="Photo",
                cover_alt="L'équipe devant l'usine",
                published_at=timezone.now(),
            ),
            cover=(io.BytesIO(image_bytes()), "../../etc/photo.png"),
        )
        assert found.cover.endswith(".png") and "/" not in found.cover
        assert found.cover_type == "image/png"
        reader = make_user()
        response = client_for(reader).get(f"/news/{found.pk}/cover/")
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        # Someone outside the audience gets the same 404 as for a missing cover.
        site_article = actions.create_article(
            actor=manager(),
            data=ArticleInput(
                title="Nantes", cover_alt="Photo", sites=[make_site()], published_at=timezone.now()
            ),
            cover=(io.BytesIO(image_bytes()), "p.png"),
        )
        assert client_for(reader).get(f"/news/{site_article.pk}/cover/").status_code == 404


def test_the_body_is_sanitised_and_the_title_escaped() -> None:
    found = article(
        title='<img src=x onerror="alert(1)">',
        body='Bonjour <script>alert(1)</script> [lien](javascript:alert(1)) <b onclick="x()">b</b>',
    )
    assert "<script" not in found.body_html
    assert 'href="javascript:' not in found.body_html
    assert "<b onclick" not in found.body_html
    link = article(body="[lien](javascript:alert(1)) et [bon](https://example.org)").body_html
    assert 'href="javascript:' not in link and 'href="https://example.org"' in link
    page = client_for(make_user()).get(f"/news/{found.pk}/").content.decode()
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x onerror=" in page
    assert "<script>alert(1)</script>" not in page


def test_a_read_is_counted_once_per_person_and_only_when_live() -> None:
    found = article()
    reader = make_user()
    assert actions.record_read(reader=reader, article=found)
    assert not actions.record_read(reader=reader, article=found)
    client_for(reader).get(f"/news/{found.pk}/")
    found.refresh_from_db()
    assert found.read_count == 1
    assert ArticleRead.objects.filter(article=found).count() == 1
    scheduled = article(published_at=timezone.now() + datetime.timedelta(days=1))
    assert not actions.record_read(reader=scheduled.author, article=scheduled)


def test_comments_and_reactions() -> None:
    found = article()
    reader, other = make_user(), make_user()
    comment = actions.add_comment(actor=reader, article=found, body="**Bravo** <script>x</script>")
    assert "<strong>Bravo</strong>" in comment.body_html and "<script" not in comment.body_html
    assert Notification.objects.filter(recipient=found.author, kind="news_comment").exists()
    assert actions.react(actor=reader, article=found, kind="like") == {"like": 1}
    assert actions.react(actor=reader, article=found, kind="love") == {"love": 1}
    assert actions.react(actor=other, article=found, kind="love") == {"love": 2}
    assert actions.unreact(actor=reader, article=found) == {"love": 1}
    with pytest.raises(ValidationError):
        actions.react(actor=reader, article=found, kind="angry")
    with pytest.raises(ValidationError):
        actions.add_comment(actor=reader, article=found, body="   ")
    with pytest.raises(PermissionDenied):
        actions.delete_comment(actor=other, comment=comment)
    found.refresh_from_db()
    assert found.comment_count == 1
    actions.delete_comment(actor=reader, comment=comment)
    found.refresh_from_db()
    assert found.comment_count == 0
    # Nobody comments or reacts on an article they may not read (nor before it is out).
    outsider_article = article(sites=[make_site()])
    with pytest.raises(PermissionDenied):
        actions.add_comment(actor=reader, article=outsider_article, body="Hé")
    scheduled = article(published_at=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        actions.react(actor=reader, article=scheduled, kind="like")


def test_sharing_to_the_wall_never_widens_the_audience() -> None:
    site = make_site()
    sharer, colleague, outsider = make_user(site=site), make_user(site=site), make_user()
    found = article(title="Réservé au site", sites=[site])
    post = actions.share_to_wall(actor=sharer, article=found, body="À lire !")
    assert "Réservé au site" not in post.body_html  # the title is not copied into the post
    seen = extensions.load(Viewer.of(colleague), [post], False)[post.pk]
    assert seen.article == found  # type: ignore[attr-defined]
    hidden = extensions.load(Viewer.of(outsider), [post], False)[post.pk]
    assert hidden.article is None  # type: ignore[attr-defined]
    # On the outsider's screen: the post, and "not available" instead of the article.
    page = client_for(outsider).get(f"/posts/{post.pk}/").content.decode()
    assert "À lire !" in page
    assert "Réservé au site" not in page
    assert "news-shared-unavailable" in page
    assert "Réservé au site" in client_for(colleague).get(f"/posts/{post.pk}/").content.decode()
    # Someone who may not read an article cannot share it.
    with pytest.raises(PermissionDenied):
        actions.share_to_wall(actor=outsider, article=found)


def test_the_audience_is_notified_once_when_the_article_goes_live() -> None:
    site = make_site()
    here, elsewhere = make_user(site=site), make_user()
    now = timezone.now()
    found = article(sites=[site], published_at=now + datetime.timedelta(hours=1))
    assert actions.announce_live(now=now) == 0
    later = now + datetime.timedelta(hours=2)
    assert actions.announce_live(now=later) == 1
    assert actions.announce_live(now=later) == 0
    notified = set(
        Notification.objects.filter(kind=NEWS, subject_id=found.pk).values_list(
            "recipient_id", flat=True
        )
    )
    assert here.pk in notified and elsewhere.pk not in notified


def test_the_weekly_letter_honours_the_opt_out_and_goes_once_a_week() -> None:
    reader, opted_out, outsider = make_user(), make_user(), make_user()
    Preference.objects.create(user=opted_out, kind=NEWS_LETTER, email=False)
    site = make_site()
    article(title="Pour tous", summary="Le résumé")
    article(title="Pour un site", sites=[site])
    space = make_space(members=(outsider,))
    article(title="Pour un espace", spaces=[space])
    mail.outbox.clear()
    sent = letter.send_letters()
    to = {m.to[0]: m for m in mail.outbox}
    assert reader.email in to and opted_out.email not in to
    body = to[reader.email].body
    assert "Pour tous" in body and "Le résumé" in body
    assert "Pour un site" not in body and "Pour un espace" not in body
    assert "Pour un espace" in to[outsider.email].body
    assert sent == len(mail.outbox)
    mail.outbox.clear()
    assert letter.send_letters() == 0
    assert LetterSent.objects.filter(user=reader).exists()
    next_week = timezone.now() + datetime.timedelta(days=7)
    article(title="La semaine suivante", published_at=next_week - datetime.timedelta(days=1))
    assert letter.send_letters(now=next_week) >= 1
    assert any("La semaine suivante" in m.body for m in mail.outbox if m.to == [reader.email])
