"""Who sees and may act on a post — decided here and only here — and every read of the wall.

Visibility of a post:
- deactivated people see nothing; organisation admins see everything;
- a post on a space's wall is seen by those who may read that wall
  (`cercle.spaces.queries.can_read_wall`: members; every non-guest for open spaces and the
  organisation space);
- a post on a profile wall is seen by every active non-guest, and by a guest only when it is theirs
  (written by them or on their wall, before they became a guest: guests may not post on a wall,
  `may_post_on_wall`).

Actions on a visible post (`can`):
- comment, react: anyone who sees it, while its space is not archived;
- share: non-guests who see it (where to is checked by `share_refusal`);
- edit: its author, while the space is not archived;
- delete: its author, the wall's owner, the space's moderators and up, organisation admins;
- pin: the space's moderators and up, organisation admins (space posts only).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Follow, Site, User
from cercle.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from cercle.core.text import normalize_hashtag
from cercle.feed.events import AnnouncementRemoval, AnnouncementRoute, FeedPlan, Route
from cercle.feed.models import (
    Announcement,
    AnnouncementReceipt,
    Attachment,
    Bookmark,
    Comment,
    Hashtag,
    HashtagFollow,
    Mention,
    Post,
    PostView,
    Reaction,
    Report,
)
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Membership, Space, SpaceFollow, SpaceKind

PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
Action = Literal["see", "comment", "react", "share", "edit", "delete", "pin"]
ACTIONS: tuple[Action, ...] = ("see", "comment", "react", "share", "edit", "delete", "pin")
FILTERS = ("all", "spaces", "following", "mentions", "saved")
ACTIVE_ANNOUNCEMENTS = 5


class NotFound(Http404):
    """Missing or not visible: one error for both, so nothing leaks."""


# --- Visibility --------------------------------------------------------------------------------


def with_display(posts: QuerySet[Post]) -> QuerySet[Post]:
    """What showing a post needs: its author (and profile), wall, and the shared original."""
    # Few joins in the main query (PostgreSQL plans wide joins slowly); the shared originals,
    # when the page has any, come in one more query.
    # (Not the authors' profiles: a post shows its author's name, and each joined model costs
    # its columns' conversion on every row.)
    return posts.select_related("author", "space", "wall_owner").prefetch_related(
        "attachments",
        Prefetch(
            "shared_from",
            queryset=Post.objects.select_related("author", "space", "wall_owner"),
        ),
    )


def visible_posts(user: User) -> QuerySet[Post]:
    """Every post `user` may see, with what displaying it needs, newest first."""
    posts = with_display(Post.objects.all()).order_by("-created_at", "-id")
    if not user.is_authenticated or not user.is_active:
        return posts.none()
    if user.is_admin:
        return posts
    # The wall rules of `spaces.queries.can_read_wall`, as conditions on the joined space (one
    # subquery fewer than `readable_space_ids`: cheaper to build and to plan).
    member_of = Q(space_id__in=space_queries.member_space_ids(user))
    in_readable_space = (
        member_of
        if user.is_guest
        else member_of
        | Q(space__kind__in=space_queries.OPEN_WALL_KINDS)
        | Q(space__is_organisation=True)
    )
    # Hidden after a report: still seen by the author and by the space's moderators.
    not_hidden = (
        Q(hidden_at__isnull=True)
        | Q(author_id=user.pk)
        | Q(space_id__in=space_queries.moderated_space_ids(user))
    )
    if user.is_guest:
        own_wall = Q(space__isnull=True) & (Q(author_id=user.pk) | Q(wall_owner_id=user.pk))
        return posts.filter(in_readable_space | own_wall).filter(not_hidden)
    return posts.filter(in_readable_space | Q(space__isnull=True)).filter(not_hidden)


@dataclass
class Viewer:
    """The viewing person and their space roles, loaded once per page (one query)."""

    user: User
    roles: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(user=user, roles=space_queries.my_roles(user))

    def role(self, space: Space) -> str | None:
        return space_queries.effective_role(self.user, space, self.roles)


def _can_see(viewer: Viewer, post: Post) -> bool:
    user = viewer.user
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    if (
        post.hidden_at is not None
        and post.author_id != user.pk
        and (post.space is None or not space_queries.can_moderate(user, post.space, viewer.roles))
    ):
        return False
    if post.space_id is None:
        return not user.is_guest or user.pk in (post.author_id, post.wall_owner_id)
    assert post.space is not None
    return space_queries.can_read_wall(user, post.space, viewer.roles)


def can(user: User | Viewer, action: Action, post: Post) -> bool:
    """May `user` do `action` on `post`? The single rule book for posts."""
    viewer = user if isinstance(user, Viewer) else Viewer.of(user)
    return _can_see(viewer, post) and _may(viewer, action, post)


def _may(viewer: Viewer, action: Action, post: Post) -> bool:
    """`can`, for a post the viewer sees."""
    person = viewer.user
    space = post.space
    archived = space is not None and space.is_archived
    if action == "see":
        return True
    if action in ("comment", "react"):
        return not archived
    if action == "share":
        return not person.is_guest
    if action == "edit":
        return post.author_id == person.pk and not archived
    if action == "delete":
        if post.author_id == person.pk or person.is_admin:
            return True
        if space is None:
            return post.wall_owner_id == person.pk
        return space_queries.can_moderate(person, space, viewer.roles)
    if action == "pin":
        return (
            space is not None
            and not archived
            and space_queries.can_moderate(person, space, viewer.roles)
        )
    return False


def may_post_on_wall(user: User) -> bool:
    """Whether `user` may post on their own profile wall, read by the whole organisation:
    active people but guests (outside collaborators post only in the spaces they belong to,
    `spaces.queries.can_post_in`). `actions.create_post`, the API and the composers ask this."""
    return bool(user.is_authenticated and user.is_active and not user.is_guest)


@dataclass(frozen=True)
class PostRights:
    """`can` for every action on one post, for one viewer."""

    see: bool = False
    comment: bool = False
    react: bool = False
    share: bool = False
    edit: bool = False
    delete: bool = False
    pin: bool = False

    def as_dict(self) -> dict[str, bool]:
        """By action, in the order of `ACTIONS` (the API's `rights`)."""
        return {action: getattr(self, action) for action in ACTIONS}


def rights(viewer: Viewer, post: Post) -> PostRights:
    """`can` for every action (the visibility checked once, not once per action)."""
    if not _can_see(viewer, post):
        return PostRights()
    return PostRights(**{action: _may(viewer, action, post) for action in ACTIONS})


def access_post(user: User, post_id: int | str) -> Post:
    """The post if `user` may see it; one NotFound for missing and not allowed."""
    try:
        pk = int(post_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such post.")) from None
    post = visible_posts(user).filter(pk=pk).first()
    if post is None:
        raise NotFound(_("No such post."))
    return post


def _sees_post(user: User) -> Exists:
    """A condition on rows with a `post_id`: `user` may see that post. Correlated (one post
    checked per row), where `post__in=visible_posts(user)` made SQLite read every visible post
    at scale."""
    return Exists(visible_posts(user).filter(pk=OuterRef("post_id")).values("pk"))


def access_comment(user: User, comment_id: int | str) -> Comment:
    try:
        pk = int(comment_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such comment.")) from None
    comment = (
        Comment.objects.filter(_sees_post(user), pk=pk)
        .select_related("post", "post__space", "author")
        .first()
    )
    if comment is None:
        raise NotFound(_("No such comment."))
    return comment


def audience_is_covered(*, original: Post, target_space: Space | None) -> bool:
    """Can everyone who may read the target wall already see `original`?"""
    origin = original.space
    if origin is not None and origin.pk == (target_space.pk if target_space else None):
        return True
    if origin is not None and not (origin.is_organisation or origin.kind == SpaceKind.OPEN):
        # A members-only wall: nobody outside its members may be reached.
        return False
    # The original is seen by every non-guest (open space, organisation space, profile wall),
    # plus, for an open space, its guest members. Guests reading the target must all see it.
    if target_space is None:
        return True  # a profile wall is read by non-guests only
    target_guests = Membership.objects.filter(space=target_space, user__role="guest")
    if origin is not None:
        target_guests = target_guests.exclude(
            user_id__in=Membership.objects.filter(space=origin).values("user_id")
        )
    return not target_guests.exists()


def share_refusal(user: User, post: Post, target_space: Space | None) -> str | None:
    """Why `user` may not share `post` to `target_space` (None: their own wall); None if allowed."""
    if not can(user, "share", post):
        return _("You cannot share this post.")
    original = post.shared_from if post.shared_from_id else post
    if original is None:
        return _("The original post was deleted.")
    if target_space is not None and not space_queries.can_post_in(user, target_space):
        return _("You cannot post in this space.")
    if not audience_is_covered(original=original, target_space=target_space):
        return _(
            "This post cannot be shared there: people who cannot see the original would see it."
        )
    return None


# --- Pages of posts ----------------------------------------------------------------------------


def _cursor_filter(posts: QuerySet[Post], cursor: str | None) -> QuerySet[Post]:
    if not cursor:
        return posts
    created_raw, pk = decode_cursor(cursor, length=2)
    created = parse_datetime(str(created_raw)) if isinstance(created_raw, str) else None
    if created is None or not isinstance(pk, int):
        raise InvalidCursor("invalid cursor")
    # `created_at <= created` first: a range the (created_at, id) indexes can start from; alone,
    # the "or" made the database scan every newer post before the cursor (a deep page at scale).
    return posts.filter(created_at__lte=created).filter(
        Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk)
    )


@dataclass
class PostCard:
    """A post as one viewer sees it (`with_viewer_state`): the post, what the viewer did with it
    and what they may do, each rule decided here, so that pages and the API only read it."""

    post: Post
    rights: PostRights
    my_reaction: str | None = None
    is_saved: bool = False
    # For its author only: how many people were shown the post (None for everyone else).
    seen_by: int | None = None
    # A share whose original is still there and visible to the viewer.
    original_visible: bool = False
    # The Report link: not on one's own post.
    may_report: bool = False
    # The post's announcement, if it is one, and whether it asks for "read and understood".
    announcement_id: int | None = None
    asks_ack: bool = False
    # May make (change, withdraw) the post an announcement (`can_announce`).
    can_announce: bool = False
    # May follow the announcement up (its author, or one who may announce there).
    can_follow_up: bool = False
    # (confirmed, targeted), for those who follow up an announcement asking for confirmation,
    # filled by `acknowledgement_progress`.
    ack_progress: tuple[int, int] | None = None


def with_viewer_state(
    posts: Sequence[Post], viewer: Viewer, *, new: bool = False
) -> list[PostCard]:
    """Each post as the viewer sees it: their reaction, saved, rights (up to 4 queries).

    `new`: posts the viewer has just created in this transaction, which nobody can have reacted
    to, saved, seen or announced yet: no query (post creation answers with its post at once)."""
    items = list(posts)
    ids = [] if new else [p.pk for p in items]
    mine: dict[int, str] = {}
    saved: set[int] = set()
    if ids:
        mine = dict(
            Reaction.objects.filter(
                user_id=viewer.user.pk, post_id__in=ids, comment__isnull=True
            ).values_list("post_id", "kind")
        )
        saved = set(
            Bookmark.objects.filter(user_id=viewer.user.pk, post_id__in=ids).values_list(
                "post_id", flat=True
            )
        )
    own = [p.pk for p in items if p.author_id == viewer.user.pk and not new]
    seen: dict[int, int] = {}
    if own:
        seen = dict(
            PostView.objects.filter(post_id__in=own)
            .values_list("post_id")
            .annotate(n=Count("id"))
            .values_list("post_id", "n")
        )
    announced: dict[int, int] = {}
    asking: set[int] = set()  # announcements asking for "read and understood"
    for post_id, pk, requires_ack in (
        Announcement.objects.filter(post_id__in=ids).values_list("post_id", "pk", "requires_ack")
        if ids
        else []
    ):
        announced[post_id] = pk
        if requires_ack:
            asking.add(post_id)
    cards = []
    for post in items:
        is_author = post.author_id == viewer.user.pk
        may_announce = post.space_id is not None and can_announce(viewer.user, post, viewer.roles)
        announcement_id = announced.get(post.pk)
        original = post.shared_from
        cards.append(
            PostCard(
                post=post,
                rights=rights(viewer, post),
                my_reaction=mine.get(post.pk),
                is_saved=post.pk in saved,
                seen_by=seen.get(post.pk, 0) if is_author else None,
                original_visible=original is not None and _can_see(viewer, original),
                may_report=not is_author,
                announcement_id=announcement_id,
                asks_ack=post.pk in asking,
                can_announce=may_announce,
                can_follow_up=announcement_id is not None and (is_author or may_announce),
            )
        )
    return cards


def _page_rows(ids: list[int]) -> dict[int, Post]:
    """The posts of a page with what `with_display` gives, the attachments loaded by hand: for
    20 posts, Django's prefetch machinery cost ~3 ms of CPU over the one plain query it runs."""
    if not ids:
        return {}
    found = {
        p.pk: p
        for p in Post.objects.filter(pk__in=ids).select_related("author", "space", "wall_owner")
    }
    files: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.filter(post_id__in=ids).order_by("id"):
        files.setdefault(attachment.post_id, []).append(attachment)
    for post in found.values():
        # What `prefetch_related("attachments")` leaves: `post.attachments.all()` without a query.
        cached = Attachment.objects.filter(post_id=post.pk)
        cached._result_cache = files.get(post.pk, [])
        cached._prefetch_done = True  # type: ignore[attr-defined]
        post._prefetched_objects_cache = {"attachments": cached}  # type: ignore[attr-defined]
    shared = [p for p in found.values() if p.shared_from_id]
    if shared:
        prefetch_related_objects(
            shared,
            Prefetch(
                "shared_from", queryset=Post.objects.select_related("author", "space", "wall_owner")
            ),
        )
    return found


def paginate(
    posts: QuerySet[Post], viewer: Viewer, *, cursor: str | None, limit: int = PAGE_SIZE
) -> Page[PostCard]:
    """One page of `posts` after `cursor`, in two steps: the ids (the filtering query, without
    the display joins, which PostgreSQL would spend longer planning than running), then the rows
    with everything displaying them needs."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    keys = list(_cursor_filter(posts, cursor).values_list("pk", "created_at")[: limit + 1])
    has_more = len(keys) > limit
    keys = keys[:limit]
    found = _page_rows([pk for pk, _ in keys])
    rows = [found[pk] for pk, _ in keys if pk in found]
    next_cursor = (
        encode_cursor([keys[-1][1].isoformat(), keys[-1][0]]) if has_more and keys else None
    )
    return Page(items=with_viewer_state(rows, viewer), next_cursor=next_cursor)


def home_posts(user: User, filter: str = "all") -> QuerySet[Post]:
    """The home feed's posts for one filter (see FILTERS), newest first."""
    posts = visible_posts(user)
    if filter == "saved":
        return posts.filter(pk__in=Bookmark.objects.filter(user_id=user.pk).values("post_id"))
    if filter == "mentions":
        return posts.filter(pk__in=Mention.objects.filter(user_id=user.pk).values("post_id"))
    followed_people = Follow.objects.filter(follower_id=user.pk).values("followed_id")
    if filter == "following":
        return posts.filter(author_id__in=followed_people)
    my_spaces = Q(space_id__in=space_queries.member_space_ids(user))
    if not user.is_guest:
        my_spaces |= Q(space__is_organisation=True)
    if filter == "spaces":
        return posts.filter(my_spaces)
    followed_spaces = SpaceFollow.objects.filter(user_id=user.pk).values("space_id")
    followed_tags = HashtagFollow.objects.filter(user_id=user.pk).values("hashtag_id")
    tagged = Post.hashtags.through.objects.filter(hashtag_id__in=followed_tags).values("post_id")
    return posts.filter(
        my_spaces
        | Q(space_id__in=followed_spaces)
        | Q(author_id__in=followed_people)
        | Q(pk__in=tagged)
        | Q(wall_owner_id=user.pk)
        | Q(author_id=user.pk)
    )


def space_posts(user: User, space: Space, roles: dict[int, str] | None = None) -> QuerySet[Post]:
    """A space's wall: the rule of `visible_posts` for one space, decided once here rather than
    per row, so that the query is the space's own index (`post_space_newest`) and a filter on
    hidden posts. (With `visible_posts`' subqueries, PostgreSQL walked the global `post_newest`
    index for sparse spaces: p99 140 ms at 1,000,000 posts.)"""
    posts = with_display(Post.objects.filter(space_id=space.pk)).order_by("-created_at", "-id")
    if not user.is_authenticated or not user.is_active:
        return posts.none()
    if roles is None:  # a page that has the viewer's roles already passes them
        roles = dict(
            Membership.objects.filter(user_id=user.pk, space_id=space.pk).values_list(
                "space_id", "role"
            )
        )
    if not space_queries.can_read_wall(user, space, roles):
        return posts.none()
    if space_queries.can_moderate(user, space, roles):
        return posts  # hidden posts included, as for `visible_posts`' moderators
    return posts.filter(Q(hidden_at__isnull=True) | Q(author_id=user.pk))


def pinned_posts(user: User, space: Space, roles: dict[int, str] | None = None) -> QuerySet[Post]:
    return (
        space_posts(user, space, roles)
        .filter(pinned_at__isnull=False)
        .order_by("-pinned_at", "-id")
    )


def profile_posts(user: User, person: User) -> QuerySet[Post]:
    """A profile wall: what the person wrote on it and on their own wall, shares included."""
    return visible_posts(user).filter(wall_owner=person)


def hashtag_posts(user: User, hashtag: Hashtag) -> QuerySet[Post]:
    return visible_posts(user).filter(
        pk__in=Post.hashtags.through.objects.filter(hashtag_id=hashtag.pk).values("post_id")
    )


def get_hashtag(name: str) -> Hashtag:
    if "\x00" in name:  # no such tag, and PostgreSQL refuses NUL
        raise NotFound(_("No such hashtag."))
    hashtag = Hashtag.objects.filter(normalized_name=normalize_hashtag(name)).first()
    if hashtag is None:
        raise NotFound(_("No such hashtag."))
    return hashtag


def follows_hashtag(user: User, hashtag: Hashtag) -> bool:
    return HashtagFollow.objects.filter(user_id=user.pk, hashtag=hashtag).exists()


def new_posts_count(user: User, filter: str, since: datetime.datetime) -> int:
    """Posts arrived in a feed since `since`, not written by the viewer (for "N new posts")."""
    return (
        home_posts(user, filter)
        .filter(created_at__gt=since)
        .exclude(author_id=user.pk)
        .order_by()
        .count()
    )


# --- Comments and reactions --------------------------------------------------------------------


@dataclass(frozen=True)
class CommentCard:
    """A comment as one viewer sees it: the comment, their reaction, what they may do with it."""

    comment: Comment
    my_reaction: str | None
    can_edit: bool
    can_delete: bool
    # The Report link: not on one's own comment.
    may_report: bool


@dataclass
class Thread:
    comment: CommentCard
    replies: list[CommentCard]


def _comment_card(viewer: Viewer, post: Post, comment: Comment, mine: str | None) -> CommentCard:
    return CommentCard(
        comment=comment,
        my_reaction=mine,
        can_edit=_can_edit_comment(viewer, post, comment),
        can_delete=_can_delete_comment(viewer, post, comment),
        may_report=comment.author_id != viewer.user.pk,
    )


def comment_threads(post: Post, viewer: Viewer) -> list[Thread]:
    """Top-level comments with their replies, oldest first, with my reactions (2 queries)."""
    comments = list(
        Comment.objects.filter(post=post)
        .select_related("author", "author__profile")
        .order_by("created_at", "id")
    )
    mine = dict(
        Reaction.objects.filter(
            user_id=viewer.user.pk, post_id=post.pk, comment__isnull=False
        ).values_list("comment_id", "kind")
    )
    threads: dict[int, Thread] = {}
    orphans: list[CommentCard] = []
    moderator = viewer.user.is_admin or (
        post.space is not None and space_queries.can_moderate(viewer.user, post.space, viewer.roles)
    )
    comments = [
        c for c in comments if c.hidden_at is None or moderator or c.author_id == viewer.user.pk
    ]
    for comment in comments:
        card = _comment_card(viewer, post, comment, mine.get(comment.pk))
        if comment.parent_id is None:
            threads[comment.pk] = Thread(comment=card, replies=[])
        else:
            orphans.append(card)
    for reply in orphans:
        parent_id = reply.comment.parent_id
        assert parent_id is not None
        if parent_id in threads:
            threads[parent_id].replies.append(reply)
    return list(threads.values())


def written_comment(comment: Comment, post: Post) -> CommentCard:
    """A comment as its author sees it the moment they wrote or edited it (the answer of
    `actions.add_comment` and `actions.edit_comment`), as `comment_threads` gives it, their
    reaction left out. No query: what an author may do with their own comment does not depend
    on their space roles."""
    return _comment_card(Viewer(user=comment.author), post, comment, None)


def _can_delete_comment(viewer: Viewer, post: Post, comment: Comment) -> bool:
    person = viewer.user
    if not person.is_active:
        return False
    if comment.author_id == person.pk or person.is_admin:
        return True
    if post.space is None:
        return post.wall_owner_id == person.pk
    return space_queries.can_moderate(person, post.space, viewer.roles)


def _can_edit_comment(viewer: Viewer, post: Post, comment: Comment) -> bool:
    """Only its author edits a comment, while they may still comment on the post."""
    person = viewer.user
    return person.is_active and comment.author_id == person.pk and _may(viewer, "comment", post)


def may_edit_comment(user: User, comment: Comment) -> bool:
    viewer = Viewer.of(user)
    return _can_see(viewer, comment.post) and _can_edit_comment(viewer, comment.post, comment)


def may_delete_comment(user: User, comment: Comment) -> bool:
    return _can_delete_comment(Viewer.of(user), comment.post, comment)


def reactors(post: Post, *, comment: Comment | None = None, kind: str = "") -> QuerySet[Reaction]:
    """Who reacted to a post (or one of its comments), optionally of one kind, newest first."""
    reactions = Reaction.objects.filter(post=post, comment=comment).select_related(
        "user", "user__profile"
    )
    if kind:
        reactions = reactions.filter(kind=kind)
    return reactions.order_by("-created_at", "-id")


def saved_post_ids(user: User, ids: Iterable[int]) -> set[int]:
    return set(
        Bookmark.objects.filter(user_id=user.pk, post_id__in=list(ids)).values_list(
            "post_id", flat=True
        )
    )


# --- Moderation --------------------------------------------------------------------------------


def is_own_reported_content(user: User, report: Report) -> bool:
    """The report is about the person's own post or comment (no query: the ids are loaded)."""
    if report.comment_id is not None:
        assert report.comment is not None
        return report.comment.author_id == user.pk
    return report.post.author_id == user.pk


def can_moderate_report(user: User, report: Report) -> bool:
    """Space moderators (and up) for space posts; organisation admins for everything — never on
    a report about one's own content: another moderator decides (it shows read-only in the
    queue, `is_own_reported_content`)."""
    if not user.is_active or is_own_reported_content(user, report):
        return False
    if user.is_admin:
        return True
    space = report.post.space
    return space is not None and space_queries.can_moderate(user, space)


def moderation_queue(user: User) -> QuerySet[Report]:
    """Open reports the person moderates, oldest first. Those about their own content are
    included, to be shown read-only ("another moderator must decide"): `can_moderate_report`."""
    reports = Report.objects.filter(status="open").select_related(
        "post", "post__author", "post__space", "comment", "comment__author", "reporter"
    )
    if not user.is_active:
        return reports.none()
    if user.is_admin:
        return reports.order_by("created_at", "id")
    return reports.filter(post__space_id__in=space_queries.moderated_space_ids(user)).order_by(
        "created_at", "id"
    )


def recent_decisions(user: User, limit: int = 20) -> list[Report]:
    """The last decisions on reports the person may decide on, newest first: one row per
    decision (the reports on the same content settled at once count as one). One query."""
    reports = Report.objects.exclude(status="open").filter(decided_at__isnull=False)
    if not user.is_active:
        return []
    if not user.is_admin:
        reports = reports.filter(post__space_id__in=space_queries.moderated_space_ids(user))
    found: list[Report] = []
    seen: set[tuple[int, int | None, object]] = set()
    for report in reports.select_related(
        "post", "post__author", "post__space", "comment", "comment__author", "decided_by"
    ).order_by("-decided_at", "-id")[: limit * 5]:
        key = (report.post_id, report.comment_id, report.decided_at)
        if key not in seen:
            seen.add(key)
            found.append(report)
    return found[:limit]


def access_report(user: User, report_id: int) -> Report:
    report = moderation_queue(user).filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("No such report."))
    return report


# --- Announcements -----------------------------------------------------------------------------


def can_announce(user: User, post: Post, roles: dict[int, str] | None = None) -> bool:
    """Staff (and admins) in the organisation space; a space's admins in their space."""
    space = post.space
    if space is None or post.hidden_at is not None:
        return False
    return can_announce_in(user, space, roles)


def can_announce_in(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    """May `user` publish announcements in `space` (the rule of `can_announce`, before a post)?"""
    if space.is_archived or not user.is_active:
        return False
    if user.is_admin:
        return True
    if space.is_organisation:
        return user.is_org_staff
    return space_queries.can_administer(user, space, roles)


@dataclass
class PostTarget:
    """A place the home composer may post to (`space` None: one's own wall)."""

    space: Space | None
    announceable: bool


COMPOSER_SPACES = 50


def composer_targets(user: User, organisation: Space) -> list[PostTarget]:
    """Where the home composer offers to post, for those who may announce in the organisation
    space: their wall, the organisation space, then the spaces they are a member of and may post
    in (by name, at most `COMPOSER_SPACES`), each marked when they may announce there. Two
    queries, however many spaces."""
    roles = space_queries.my_roles(user)
    spaces = Space.objects.filter(
        pk__in=list(roles), archived_at__isnull=True, module_wall=True, is_organisation=False
    ).order_by("name", "pk")[:COMPOSER_SPACES]
    targets = [
        PostTarget(space=None, announceable=False),
        PostTarget(space=organisation, announceable=can_announce_in(user, organisation, roles)),
    ]
    targets += [
        PostTarget(space=space, announceable=can_announce_in(user, space, roles))
        for space in spaces
        if space_queries.can_post_in(user, space, roles)
    ]
    return targets


def can_follow_up(user: User, announcement: Announcement) -> bool:
    """Who sees the acknowledgement report, reminds and exports: the author, the announcer,
    and those who may announce in the space."""
    return bool(
        user.is_active
        and (
            user.pk in (announcement.post.author_id, announcement.created_by_id)
            or can_announce(user, announcement.post)
        )
    )


def announcement_audience(announcement: Announcement) -> QuerySet[User]:
    """The active people an announcement targets and who can see its post."""
    post = announcement.post
    space = post.space
    assert space is not None
    members = Membership.objects.filter(space=space).values("user_id")
    people = User.objects.filter(is_active=True)
    if space.is_organisation or space.kind == SpaceKind.OPEN:
        people = people.filter(~Q(role="guest") | Q(pk__in=members))
    else:
        people = people.filter(pk__in=members)
    departments = list(announcement.departments.values_list("pk", flat=True))
    sites = list(announcement.sites.values_list("pk", flat=True))
    if departments or sites:
        people = people.filter(
            Q(profile__department_id__in=departments) | Q(profile__site_id__in=sites)
        )
    return people.order_by("last_name", "first_name", "pk")


def active_announcements(user: User) -> list[Announcement]:
    """Announcements targeting `user` that they have not dismissed (or acknowledged)."""
    if not user.is_active:
        return []
    profile = getattr(user, "profile", None)
    department_id = profile.department_id if profile else None
    site_id = profile.site_id if profile else None
    through_d = Announcement.departments.through.objects
    through_s = Announcement.sites.through.objects
    targeted = Q(
        ~Exists(through_d.filter(announcement_id=OuterRef("pk"))),
        ~Exists(through_s.filter(announcement_id=OuterRef("pk"))),
    )
    if department_id:
        targeted |= Q(
            Exists(through_d.filter(announcement_id=OuterRef("pk"), department_id=department_id))
        )
    if site_id:
        targeted |= Q(Exists(through_s.filter(announcement_id=OuterRef("pk"), site_id=site_id)))
    done = AnnouncementReceipt.objects.filter(
        announcement_id=OuterRef("pk"), user_id=user.pk
    ).filter(Q(acknowledged_at__isnull=False) | Q(dismissed_at__isnull=False))
    found = (
        Announcement.objects.filter(targeted, _sees_post(user))
        .exclude(Exists(done))
        .select_related("post", "post__author")
        .order_by("-created_at", "-id")[:ACTIVE_ANNOUNCEMENTS]
    )
    return list(found)


def announcement_of(post: Post) -> Announcement | None:
    """The post's announcement, if it is one."""
    return Announcement.objects.filter(post=post).first()


def announcement_target_ids(announcement: Announcement) -> tuple[set[int], set[int]]:
    """The ids of the departments and sites an announcement targets (none: everyone)."""
    return (
        set(announcement.departments.values_list("pk", flat=True)),
        set(announcement.sites.values_list("pk", flat=True)),
    )


def announce_options(
    user: User, space: Space, roles: dict[int, str] | None = None
) -> dict[str, Any] | None:
    """What a composer needs to offer "publish as an announcement" in `space` — the departments
    and sites it may target — or None when `user` may not announce there; `roles` (the viewer's
    space roles, when already loaded) spares a query."""
    if not can_announce_in(user, space, roles):
        return None
    return announcement_choices()


def announcement_choices() -> dict[str, Any]:
    """The departments and sites an announcement may target, by name."""
    return {
        "departments": list(Department.objects.order_by("name")),
        "sites": list(Site.objects.order_by("name")),
    }


def announcement_targets(
    department_ids: Iterable[int], site_ids: Iterable[int]
) -> tuple[list[Any], list[Any]]:
    """The departments and sites with these ids (those that do not exist are left out)."""
    return (
        list(Department.objects.filter(pk__in=list(department_ids))),
        list(Site.objects.filter(pk__in=list(site_ids))),
    )


REMIND_COOLDOWN = datetime.timedelta(hours=24)
"""At most one reminder a day for an announcement (each reaches everyone who has not confirmed)."""


def next_reminder_at(announcement: Announcement) -> datetime.datetime | None:
    """When the next reminder of this announcement may be sent; None: now."""
    last = announcement.last_reminded_at
    if last is None or timezone.now() - last >= REMIND_COOLDOWN:
        return None
    return last + REMIND_COOLDOWN


def access_announcement(user: User, announcement_id: int) -> Announcement:
    announcement = (
        Announcement.objects.filter(_sees_post(user), pk=announcement_id)
        .select_related("post", "post__space", "post__author")
        .first()
    )
    if announcement is None:
        raise NotFound(_("No such announcement."))
    return announcement


@dataclass
class AckRow:
    user: User
    acknowledged_at: datetime.datetime | None


def acknowledgement_progress(cards: Sequence[PostCard]) -> None:
    """Fill `ack_progress` (confirmed, targeted) on the cards whose viewer follows up an
    announcement asking for confirmation: one query, then three per such announcement (only
    their authors and announcers see it, so a page rarely holds more than one); no query when
    there are none."""
    followed = {
        card.announcement_id: card
        for card in cards
        if card.can_follow_up and card.announcement_id is not None
    }
    if not followed:
        return
    asking = list(
        Announcement.objects.filter(pk__in=list(followed), requires_ack=True).select_related(
            "post", "post__space"
        )
    )
    if not asking:
        return
    for announcement in asking:
        confirmed = AnnouncementReceipt.objects.filter(
            announcement_id=announcement.pk, acknowledged_at__isnull=False
        ).values("user_id")
        counts = (
            announcement_audience(announcement)
            .order_by()
            .aggregate(total=Count("pk"), done=Count("pk", filter=Q(pk__in=confirmed)))
        )
        followed[announcement.pk].ack_progress = (counts["done"], counts["total"])


def acknowledgements(announcement: Announcement) -> list[AckRow]:
    """Everyone targeted, with the date they confirmed (None: not yet). Two queries."""
    dates = dict(
        AnnouncementReceipt.objects.filter(
            announcement=announcement, acknowledged_at__isnull=False
        ).values_list("user_id", "acknowledged_at")
    )
    return [
        AckRow(user=person, acknowledged_at=dates.get(person.pk))
        for person in announcement_audience(announcement).select_related(
            "profile", "profile__department", "profile__site"
        )[:20_000]
    ]


def mention_candidates(user: User, prefix: str, limit: int = 8) -> list[User]:
    """Active people whose username, first or last name starts with `prefix` (for @mentions)."""
    if not user.is_active or not prefix:
        return []
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(username__istartswith=prefix)
            | Q(first_name__istartswith=prefix)
            | Q(last_name__istartswith=prefix)
        )
        .order_by("first_name", "last_name", "pk")[:limit]
    )


# --- Live feeds (the /ws/ socket): what a feed page listens to, and who may see a new post ------


@dataclass(frozen=True)
class Audience:
    """One person as far as seeing a new post goes (loaded once per subscription)."""

    user_id: int
    is_admin: bool
    is_guest: bool
    member_space_ids: frozenset[int]
    # The profile's, for announcements targeting departments or sites.
    department_id: int | None = None
    site_id: int | None = None


def may_see(audience: Audience, route: Route) -> bool:
    """May this person see this new (not hidden) post? The rule of
    `cercle.feed.queries.visible_posts`, on the fields of the route (tests/feed/test_events.py
    checks that both agree for every kind of space and person)."""
    if audience.is_admin:
        return True
    if route.space_id is not None:
        return route.space_id in audience.member_space_ids or (
            not audience.is_guest and route.public
        )
    return not audience.is_guest or audience.user_id in (route.author_id, route.wall_owner_id)


def is_targeted(audience: Audience, route: AnnouncementRoute) -> bool:
    """Does this new announcement target this person? The rule of `active_announcements`
    (before any dismissal) on the fields of the route: they may see its post, and it is for
    everyone or for their department or site (tests/feed/test_live_announcements.py checks
    that both agree for every kind of space, person and target)."""
    if not may_see(audience, route.post):
        return False
    if not route.department_ids and not route.site_ids:
        return True
    return (
        audience.department_id is not None and audience.department_id in route.department_ids
    ) or (audience.site_id is not None and audience.site_id in route.site_ids)


def loses_announcement(audience: Audience, removal: AnnouncementRemoval) -> bool:
    """May this person's home page show the banner of an announcement that just ended for some?
    It targeted them (`is_targeted`, as it was), and no longer does (taken back, post gone or
    hidden: for no one; retargeted: not in the new targets). Nobody it never targeted learns of
    it. (The author and moderators of a hidden post, who still see it, are told too: the page
    then asks the server, which keeps the banner for them.)"""
    if not is_targeted(audience, removal.before):
        return False
    return removal.after is None or not is_targeted(audience, removal.after)


def load_plan(
    user_id: int, feed: str, feed_id: int | None, feed_filter: str
) -> tuple[FeedPlan, Audience]:
    """What one feed page needs, read afresh (the person's role or spaces may have changed).
    Raises NotFound for a space the person may not read, a person who does not exist, or a
    deactivated account."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("profile").first()
    if user is None:
        raise NotFound(_("No such person."))
    member = frozenset(space_queries.member_space_ids(user))
    profile = getattr(user, "profile", None)
    audience = Audience(
        user_id=user.pk,
        is_admin=user.is_admin,
        is_guest=user.is_guest,
        member_space_ids=member,
        department_id=profile.department_id if profile else None,
        site_id=profile.site_id if profile else None,
    )
    if feed == "space":
        space = Space.objects.filter(pk=feed_id).first() if feed_id is not None else None
        if space is None or not space_queries.can_read_wall(user, space):
            raise NotFound(_("No such space."))
        return FeedPlan(feed="space", id=space.pk, space_ids=frozenset([space.pk])), audience
    if feed == "wall":
        if feed_id is None or not User.objects.filter(pk=feed_id).exists():
            raise NotFound(_("No such person."))
        return FeedPlan(feed="wall", id=feed_id, wall_ids=frozenset([feed_id])), audience
    # The home feed: the rules of `cercle.feed.queries.home_posts`, filter by filter.
    spaces: set[int] = set()
    authors: set[int] = set()
    hashtags: set[int] = set()
    walls: set[int] = set()
    if feed_filter in ("all", "spaces"):
        spaces |= member
        if not user.is_guest:
            spaces.add(space_queries.organisation_space().pk)
    if feed_filter in ("all", "following"):
        authors = set(
            Follow.objects.filter(follower_id=user.pk).values_list("followed_id", flat=True)
        )
    if feed_filter == "all":
        spaces |= set(
            SpaceFollow.objects.filter(user_id=user.pk).values_list("space_id", flat=True)
        )
        hashtags = set(
            HashtagFollow.objects.filter(user_id=user.pk).values_list("hashtag_id", flat=True)
        )
        walls.add(user.pk)
    plan = FeedPlan(
        feed="home",
        filter=feed_filter,
        space_ids=frozenset(spaces),
        author_ids=frozenset(authors),
        hashtag_ids=frozenset(hashtags),
        wall_ids=frozenset(walls),
        mentions_of=user.pk if feed_filter == "mentions" else None,
    )
    return plan, audience
