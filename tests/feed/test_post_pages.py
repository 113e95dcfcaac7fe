"""Post pages: the share page's read-only preview, editing a comment
on the pages (the author only, as the API), the "edited" marks (French genders through
translation contexts) and the comments' folded reaction picker."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from cercle.feed import actions
from cercle.feed.models import CommentRevision
from tests.factories import make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_share_page_preview_is_read_only() -> None:
    author, reader = make_user(), make_user()
    post = make_post(author=author, body="À partager")
    page = client_for(reader).get(f"/posts/{post.pk}/share/").content.decode()
    preview = page.split('id="share-preview-heading"', 1)[1].split("</section>", 1)[0]
    assert "À partager" in preview
    assert f"/posts/{post.pk}/react/" not in preview
    assert f"/posts/{post.pk}/share/" not in preview
    assert 'class="post-more"' not in preview and "post-actions" not in preview


def test_the_author_edits_a_comment_on_the_page() -> None:
    author, other = make_user(), make_user()
    space = make_space(owner=author, members=(other,))
    post = make_post(author=author, space=space)
    mine = actions.add_comment(actor=other, post=post, body="Premier jet")
    theirs = actions.add_comment(actor=author, post=post, body="Réponse")
    client = client_for(other)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert f'href="/comments/{mine.pk}/edit/"' in page
    assert f'href="/comments/{theirs.pk}/edit/"' not in page
    form = client.get(f"/comments/{mine.pk}/edit/")
    assert form.status_code == 200 and "Premier jet" in form.content.decode()

    empty = client.post(f"/comments/{mine.pk}/edit/", {"body": "  "})
    assert empty.status_code == 400 and "Write something first." in empty.content.decode()
    saved = client.post(f"/comments/{mine.pk}/edit/", {"body": "Version corrigée"})
    assert saved.status_code == 302
    assert saved["Location"] == f"/posts/{post.pk}/#comment-{mine.pk}"
    mine.refresh_from_db()
    assert mine.body == "Version corrigée" and mine.edited_at is not None
    assert CommentRevision.objects.filter(comment=mine, body="Premier jet").exists()
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert page.count('class="comment-edited"') == 1

    # Another person's comment: not theirs to edit (a 403, nothing changed).
    assert client.get(f"/comments/{theirs.pk}/edit/").status_code == 403
    assert client.post(f"/comments/{theirs.pk}/edit/", {"body": "Piraté"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.body == "Réponse"
    # Someone who cannot see the post: not found.
    assert client_for(make_user()).get(f"/comments/{mine.pk}/edit/").status_code in (403, 404)
    private = make_space(owner=author, kind="private")
    hidden = actions.add_comment(
        actor=author, post=make_post(author=author, space=private), body="x"
    )
    assert client.get(f"/comments/{hidden.pk}/edit/").status_code == 404
    assert client.get("/comments/99999999/edit/").status_code == 404


def test_comment_reactions_fold_into_one_react_control_with_counts() -> None:
    author = make_user()
    post = make_post(author=author)
    comment = actions.add_comment(actor=author, post=post, body="Bravo")
    actions.react(actor=make_user(), post=post, kind="like", comment=comment)
    page = client_for(author).get(f"/posts/{post.pk}/").content.decode()
    block = page.split(f'id="comment-{comment.pk}"', 1)[1].split("</article>", 1)[0]
    assert '<details class="comment-react"><summary>React' in block
    summary = block.split("<summary>", 1)[1].split("</summary>", 1)[0]
    assert 'class="reaction-count"' in summary and " 1</span>" in summary


def test_edited_marks_agree_in_french() -> None:
    author = make_user()
    author.language = "fr"
    author.save(update_fields=["language"])
    post = make_post(author=author, body="Texte")
    actions.edit_post(actor=author, post=post, body="Texte revu")
    comment = actions.add_comment(actor=author, post=post, body="Avis")
    actions.edit_comment(actor=author, comment=comment, body="Avis revu")
    with translation.override("fr"):
        page = client_for(author).get(f"/posts/{post.pk}/").content.decode()
    assert 'class="post-edited">modifiée</a>' in page
    assert '<span class="comment-edited"' in page and ">modifié</span>" in page
