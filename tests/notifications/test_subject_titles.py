"""Notifications name what they are about (issue 17): « Anne commented on your post “Sortie
samedi au parc” », in the reader's language and as plain text; a reaction to a comment quotes
the comment; reactions are never mailed one by one, the digest carries them, titled."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from cercle.feed import actions as feed_actions
from cercle.notifications import email, queries
from tests.factories import make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def texts(user: Any) -> list[str]:
    return [queries.describe(n) for n in queries.visible_notifications(user)]


def test_comments_reactions_and_replies_name_their_subject_in_both_languages() -> None:
    anne = make_user(first_name="Anne", last_name="Martin")
    zoe = make_user(first_name="Zoé", last_name="Leroy")
    space = make_space(owner=anne, members=(zoe,))
    post = feed_actions.create_post(
        actor=anne, space=space, body="**Sortie samedi** au parc\n\nOn pique-nique à midi."
    )
    feed_actions.react(actor=zoe, post=post, kind="like")
    with translation.override("en"):
        assert texts(anne) == [
            "Zoé Leroy reacted to your post “Sortie samedi au parc On pique-nique à midi.”"
        ]
    comment = feed_actions.add_comment(actor=zoe, post=post, body="J'apporte les _boissons_")
    with translation.override("fr"):
        assert texts(anne)[0] == (
            "Zoé Leroy a commenté votre publication"
            " « Sortie samedi au parc On pique-nique à midi. »"
        )
    # A reply and a reaction to a comment quote the comment, not the post.
    feed_actions.add_comment(actor=anne, post=post, body="Super", parent=comment)
    feed_actions.react(actor=anne, post=post, comment=comment, kind="like")
    with translation.override("en"):
        mine = texts(zoe)
    assert "Anne Martin replied to your comment “J'apporte les boissons”" in mine
    assert "Anne Martin reacted to your comment “J'apporte les boissons”" in mine


def test_a_long_post_is_cut_at_a_word() -> None:
    anne, zoe = make_user(), make_user(first_name="Zoé", last_name="L")
    post = make_post(author=anne, body="Mot " * 40)
    feed_actions.react(actor=zoe, post=post, kind="like")
    with translation.override("en"):
        [line] = texts(anne)
    title = line[line.index("“") + 1 : line.index("”")]
    assert title.endswith("…") and len(title) <= 60 and "Mot Mot" in title


def test_reactions_are_not_mailed_one_by_one_the_digest_names_them(smtp_server: Any) -> None:
    bob = make_user(username="bob", email="bob@example.org")
    post = make_post(author=bob, body="Nouvelle mutuelle")
    for n in range(3):
        feed_actions.react(
            actor=make_user(first_name=f"P{n}", last_name="X"), post=post, kind="like"
        )
    # Long after any mail delay: no mail for reactions.
    assert email.send_due_emails(now=timezone.now() + datetime.timedelta(days=1)) == 0
    assert smtp_server.messages == []
    # The digest carries them, in one line, titled.
    assert email.send_digests() == 1
    [message] = smtp_server.messages
    body = message.get_content()
    assert body.count("reacted to your post") == 1 and "Nouvelle mutuelle" in body
