"""Wall actions: posting, mentions and hashtags, edits with history, comments, reactions, shares."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cercle.audit.models import AuditEntry
from cercle.feed import actions, queries
from cercle.feed.models import Bookmark, Comment, Hashtag, Mention, Post, PostRevision, Reaction
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_admin, make_guest, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def test_post_in_a_space_renders_markdown_mentions_and_hashtags() -> None:
    anne, bob = make_user(username="anne"), make_user(username="bob")
    space = make_space(owner=anne, members=(bob,))
    post = actions.create_post(
        actor=anne, space=space, body="**Bonjour** @bob, voir #Qualité et #RSE. anne@example.org"
    )
    assert "<strong>Bonjour</strong>" in post.body_html
    assert '<a class="mention" href="/people/bob/">@bob</a>' in post.body_html
    assert '<a class="hashtag" href="/hashtags/qualite/">#Qualité</a>' in post.body_html
    assert {t.normalized_name for t in post.hashtags.all()} == {"qualite", "rse"}
    assert list(Mention.objects.filter(post=post).values_list("user__username", flat=True)) == [
        "bob"
    ]


def test_a_mention_of_someone_who_cannot_see_the_post_is_not_recorded() -> None:
    anne, outsider = make_user(), make_user(username="outsider")
    space = make_space(owner=anne, kind="private")
    post = actions.create_post(actor=anne, space=space, body="Hello @outsider")
    # No mention is recorded (so no notification, no "mentions" feed entry) for them.
    assert not Mention.objects.filter(post=post).exists()
    assert list(queries.home_posts(outsider, "mentions")) == []


def test_posting_rules() -> None:
    member, outsider = make_user(), make_user()
    space = make_space(members=(member,))
    with pytest.raises(PermissionDenied):
        actions.create_post(actor=outsider, space=space, body="Hi")
    with pytest.raises(ValidationError):
        actions.create_post(actor=member, space=space, body="   ")
    with pytest.raises(ValidationError):
        actions.create_post(actor=member, space=space, body="x" * 10_001)
    org = space_queries.organisation_space()
    with pytest.raises(PermissionDenied):
        actions.create_post(actor=member, space=org, body="Everyone!")
    assert actions.create_post(actor=make_user(role="staff"), space=org, body="News").pk
    assert not Post.objects.filter(author=outsider).exists()


def test_edit_keeps_history_and_marks_edited() -> None:
    author = make_user()
    post = make_post(author=author, body="First #one")
    actions.edit_post(actor=author, post=post, body="Second #two")
    post.refresh_from_db()
    assert post.edited_at is not None
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == [
        "First #one"
    ]
    assert {t.normalized_name for t in post.hashtags.all()} == {"two"}
    with pytest.raises(PermissionDenied):
        actions.edit_post(actor=make_user(), post=post, body="Hijack")


def test_delete_by_author_moderator_admin_and_audit() -> None:
    owner, member, moderator = make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(member,))
    add_member(space, moderator, "moderator")
    first = make_post(author=member, space=space)
    with pytest.raises(PermissionDenied):
        actions.delete_post(actor=make_user(), post=first)
    actions.delete_post(actor=moderator, post=first)
    assert AuditEntry.objects.filter(action="feed.post_deleted", actor=moderator).exists()
    second = make_post(author=member, space=space)
    actions.delete_post(actor=make_admin(), post=second)
    third = make_post(author=member, space=space)
    actions.delete_post(actor=member, post=third)
    assert not Post.objects.filter(space=space).exists()


def test_comments_have_one_level_of_replies_and_counters() -> None:
    author, bob = make_user(), make_user()
    post = make_post(author=author)
    top = actions.add_comment(actor=bob, post=post, body="Top")
    reply = actions.add_comment(actor=author, post=post, body="Reply", parent=top)
    deeper = actions.add_comment(actor=bob, post=post, body="Reply to reply", parent=reply)
    assert reply.parent_id == top.pk
    assert deeper.parent_id == top.pk  # flattened into the thread
    post.refresh_from_db()
    assert post.comment_count == 3
    other_post = make_post(author=author)
    with pytest.raises(ValidationError):
        actions.add_comment(actor=bob, post=other_post, body="x", parent=top)
    actions.delete_comment(actor=author, comment=top)  # the wall's owner moderates their wall
    post.refresh_from_db()
    assert post.comment_count == 0
    assert not Comment.objects.filter(post=post).exists()


def test_comment_deletion_rights() -> None:
    owner, member, other = make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(member, other))
    post = make_post(author=member, space=space)
    comment = actions.add_comment(actor=other, post=post, body="Hmm")
    with pytest.raises(PermissionDenied):
        actions.delete_comment(actor=member, comment=comment)  # the post's author in a space
    actions.delete_comment(actor=owner, comment=comment)  # the space's owner moderates


def test_reactions_one_per_person_changeable_with_counts() -> None:
    author, bob, carol = make_user(), make_user(), make_user()
    post = make_post(author=author)
    assert actions.react(actor=bob, post=post, kind="like") == {"like": 1}
    assert actions.react(actor=carol, post=post, kind="like") == {"like": 2}
    assert actions.react(actor=bob, post=post, kind="celebrate") == {"like": 1, "celebrate": 1}
    assert Reaction.objects.filter(post=post, comment=None).count() == 2
    assert actions.unreact(actor=carol, post=post) == {"celebrate": 1}
    post.refresh_from_db()
    assert post.reaction_counts == {"celebrate": 1}
    with pytest.raises(ValidationError):
        actions.react(actor=bob, post=post, kind="angry")
    comment = actions.add_comment(actor=bob, post=post, body="c")
    assert actions.react(actor=author, post=post, comment=comment, kind="love") == {"love": 1}
    comment.refresh_from_db()
    assert comment.reaction_counts == {"love": 1}
    assert [r.user for r in queries.reactors(post, kind="celebrate")] == [bob]


def test_share_refused_when_it_would_reach_people_who_cannot_see_the_original() -> None:
    person = make_user()
    private = make_space(kind="private", members=(person,))
    open_space = make_space(kind="open", members=(person,))
    secret_post = make_post(author=person, space=private, body="Internal")
    with pytest.raises(PermissionDenied) as error:
        actions.share_post(actor=person, post=secret_post, space=open_space, body="Look")
    assert "cannot see the original" in str(error.value)
    with pytest.raises(PermissionDenied):
        actions.share_post(actor=person, post=secret_post)  # to one's wall
    # Within the same private space it is fine.
    assert actions.share_post(actor=person, post=secret_post, space=private).shared_from == (
        secret_post
    )
    # An open space's post can go to another open space or one's wall…
    public = make_post(author=person, space=open_space, body="Public")
    share = actions.share_post(actor=person, post=public, body="FYI")
    assert share.wall_owner == person and share.shared_from == public
    public.refresh_from_db()
    assert public.share_count == 1
    # …but not to a space with guests who could not see it.
    with_guest = make_space(kind="private", members=(person, make_guest()))
    with pytest.raises(PermissionDenied):
        actions.share_post(actor=person, post=public, space=with_guest)
    # Sharing a share shares the original.
    again = actions.share_post(actor=make_user(), post=share)
    assert again.shared_from == public


def test_pin_save_and_follow_hashtag() -> None:
    owner, member = make_user(), make_user()
    space = make_space(owner=owner, members=(member,))
    post = make_post(author=member, space=space, body="#topic")
    with pytest.raises(PermissionDenied):
        actions.pin_post(actor=member, post=post)
    actions.pin_post(actor=owner, post=post)
    assert list(queries.pinned_posts(member, space)) == [post]
    actions.save_post(actor=member, post=post)
    actions.save_post(actor=member, post=post)
    assert Bookmark.objects.filter(user=member).count() == 1
    assert list(queries.home_posts(member, "saved")) == [post]
    tag = Hashtag.objects.get(normalized_name="topic")
    follower = make_user()
    actions.follow_hashtag(actor=follower, hashtag=tag)
    assert list(queries.home_posts(follower, "all")) == [post]
    # Saving a post one cannot see is "not found".
    hidden = make_post(author=owner, space=make_space(owner=owner, kind="private"))
    with pytest.raises(queries.NotFound):
        actions.save_post(actor=member, post=hidden)


def test_mentioning_a_space_links_it_unless_secret() -> None:
    anne = make_user(username="anne")
    club = make_space(owner=anne, name="Club", kind="open")
    hidden = make_space(owner=anne, name="Hidden", kind="secret")
    post = actions.create_post(actor=anne, body=f"Voir @{club.slug} et @{hidden.slug}")
    assert f'<a class="mention" href="/spaces/{club.slug}/">@{club.slug}</a>' in post.body_html
    assert f'href="/spaces/{hidden.slug}/"' not in post.body_html


def test_unicode_and_punctuated_mentions_notify_in_a_post_and_a_comment() -> None:
    from cercle.notifications.models import Notification

    anne = make_user(username="anne")
    zoe, jean, obrien = (
        make_user(username="Zoé"),
        make_user(username="jean-marc"),
        make_user(username="obrien"),
    )
    space = make_space(owner=anne, members=(zoe, jean, obrien))
    post = actions.create_post(
        actor=anne, space=space, body="Bravo @Zoé, et (@jean-marc). `@obrien` anne@example.org"
    )
    assert set(Mention.objects.filter(post=post).values_list("user__username", flat=True)) == {
        "Zoé",
        "jean-marc",
    }  # not in a code span
    assert '<a class="mention" href="/people/Zo%C3%A9/">@Zoé</a>,' in post.body_html
    comment = actions.add_comment(actor=anne, post=post, body="Merci @zoé et @O'Brien's aide")
    assert set(
        Mention.objects.filter(comment=comment).values_list("user__username", flat=True)
    ) == {"Zoé", "obrien"}
    mentioned = Notification.objects.filter(kind="mention").values_list("recipient__username")
    assert sorted(name for (name,) in mentioned) == ["Zoé", "Zoé", "jean-marc", "obrien"]


def test_a_guest_posts_in_their_spaces_not_on_a_wall() -> None:
    guest, owner = make_guest(), make_user()
    space = make_space(owner=owner, kind="private", members=(guest,))
    assert not queries.may_post_on_wall(guest) and queries.may_post_on_wall(owner)
    with pytest.raises(PermissionDenied):
        actions.create_post(actor=guest, body="To the whole organisation")
    assert not Post.objects.filter(author=guest).exists()
    assert actions.create_post(actor=guest, space=space, body="In our space").space == space
