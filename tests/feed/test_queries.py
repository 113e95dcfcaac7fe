"""`PostCard` and `CommentCard`: a post or comment as one viewer sees it, every answer decided in
`cercle.feed.queries` and nothing set on the model instances."""

from __future__ import annotations

from typing import Any

import pytest

from cercle.feed import actions, queries
from cercle.feed.models import Comment, Post
from tests.factories import add_member, make_post, make_space, make_user

pytestmark = pytest.mark.django_db

VIEWER_FIELDS = (
    "rights",
    "my_reaction",
    "is_saved",
    "seen_by",
    "original_visible",
    "may_report",
    "announcement_id",
    "asks_ack",
    "can_announce",
    "can_follow_up",
    "ack_progress",
    "can_edit",
    "can_delete",
)


def _card(user: Any, post: Post) -> queries.PostCard:
    return queries.with_viewer_state([post], queries.Viewer.of(user))[0]


def test_a_post_card_holds_the_viewers_state_and_the_post_stays_a_plain_model() -> None:
    author, reader = make_user(), make_user()
    space = make_space(members=(author, reader))
    post = make_post(author=author, space=space)
    actions.react(actor=reader, post=post, kind="love")
    actions.save_post(actor=reader, post=post)
    actions.record_views(viewer=reader, posts=[post])

    mine, theirs = _card(reader, post), _card(author, post)

    assert (mine.my_reaction, mine.is_saved, mine.seen_by, mine.may_report) == (
        "love",
        True,
        None,  # the count of views is for the author only
        True,
    )
    assert mine.rights == queries.PostRights(see=True, comment=True, react=True, share=True)
    assert (theirs.my_reaction, theirs.is_saved, theirs.seen_by, theirs.may_report) == (
        None,
        False,
        1,
        False,  # nobody reports their own post
    )
    assert theirs.rights.edit and theirs.rights.delete and not theirs.rights.pin
    assert mine.post is post and theirs.post is post
    assert not any(hasattr(post, name) for name in VIEWER_FIELDS)


def test_rights_as_a_dict_follow_the_order_of_actions() -> None:
    author = make_user()
    card = _card(author, make_post(author=author))
    assert list(card.rights.as_dict()) == list(queries.ACTIONS)
    assert card.rights.as_dict() == {a: queries.can(author, a, card.post) for a in queries.ACTIONS}


def test_a_share_whose_original_the_viewer_cannot_see_says_so() -> None:
    author, member, outsider = make_user(), make_user(), make_user()
    closed = make_space(kind="private", members=(author, member))
    original = make_post(author=author, space=closed)
    share = actions.share_post(actor=member, post=original, space=closed)
    # (A page makes cards only of posts its viewer sees; here the card answers for the original.)
    assert _card(member, share).original_visible is True
    assert _card(outsider, share).original_visible is False


def test_comment_cards_give_each_viewer_their_reaction_and_rights() -> None:
    owner, moderator, author, reader = make_user(), make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(author, reader))
    add_member(space, moderator, "moderator")
    post = make_post(author=author, space=space)
    comment = actions.add_comment(actor=reader, post=post, body="First")
    reply = actions.add_comment(actor=author, post=post, body="Reply", parent=comment)
    actions.react(actor=moderator, post=post, kind="like", comment=comment)

    def cards(user: Any) -> list[queries.CommentCard]:
        (thread,) = queries.comment_threads(post, queries.Viewer.of(user))
        return [thread.comment, *thread.replies]

    by_moderator = cards(moderator)
    assert [c.comment.pk for c in by_moderator] == [comment.pk, reply.pk]
    assert [c.my_reaction for c in by_moderator] == ["like", None]
    assert [(c.can_edit, c.can_delete, c.may_report) for c in by_moderator] == [
        (False, True, True),
        (False, True, True),
    ]
    assert [(c.can_edit, c.can_delete, c.may_report) for c in cards(reader)] == [
        (True, True, False),
        (False, False, True),
    ]
    assert not any(hasattr(c, name) for c in Comment.objects.all() for name in VIEWER_FIELDS)


def test_a_written_comment_reads_as_the_thread_shows_it_to_its_author() -> None:
    author = make_user()
    space = make_space(members=(author,))
    post = make_post(author=author, space=space)
    comment = actions.add_comment(actor=author, post=post, body="Mine")
    (thread,) = queries.comment_threads(post, queries.Viewer.of(author))
    assert queries.written_comment(comment, post) == queries.CommentCard(
        comment=thread.comment.comment,
        my_reaction=None,
        can_edit=thread.comment.can_edit,
        can_delete=thread.comment.can_delete,
        may_report=thread.comment.may_report,
    )
