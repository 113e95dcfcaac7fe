"""Pages of posts: the home feed, walls and hashtags, cursor-paginated, each post as its viewer
sees it (`PostCard`)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.translation import gettext as _

from cercle.accounts.models import Follow, User
from cercle.core.compiled import IdsQuery, ShapedQuery
from cercle.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from cercle.core.text import normalize_hashtag
from cercle.feed import registry
from cercle.feed.models import (
    Bookmark,
    Hashtag,
    HashtagFollow,
    Mention,
    Post,
    PostView,
    Reaction,
)
from cercle.feed.queries.visibility import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    NotFound,
    PostRights,
    Viewer,
    activity_kinds_off,
    display_rows,
    person_shape,
    rights,
    shaped_person,
    viewer_sees,
    visible_posts,
    with_display,
)
from cercle.spaces import queries as space_queries
from cercle.spaces import registry as space_registry
from cercle.spaces.models import Membership, Space, SpaceFollow

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
    # What the modules extending posts add (`feed.registry.CardExtra`), by their key: each
    # extra's value for this post (absent when its loader gave none).
    extras: dict[str, object] = field(default_factory=dict)
    # An activity post's list as this viewer sees it (`activity_html` of the items they may see:
    # a file since put in the trash is left out); None for any other post.
    activity_html: str | None = None


ACTIVITY_SHOWN = 20  # the items an activity post lists (its count says how many in all)


def activity_html(items: Sequence[dict[str, object]]) -> str:
    """An activity post's list of links, the `ACTIVITY_SHOWN` latest of `items`, escaped."""
    links = "".join(
        f'<li><a href="{escape(str(item["url"]))}">{escape(str(item["title"]))}</a></li>'
        for item in list(items)[-ACTIVITY_SHOWN:]
    )
    return f'<ul class="post-activity">{links}</ul>'


_MY_REACTIONS = IdsQuery(
    lambda user_id, ids: Reaction.objects.filter(
        user_id=user_id, post_id__in=ids, comment__isnull=True
    ).values_list("post_id", "kind")
)
_MY_BOOKMARKS = IdsQuery(
    lambda user_id, ids: Bookmark.objects.filter(user_id=user_id, post_id__in=ids).values_list(
        "post_id"
    )
)

_VIEWED = IdsQuery(
    lambda user_id, ids: PostView.objects.filter(user_id=user_id, post_id__in=ids).values_list(
        "post_id"
    )
)


def viewed_post_ids(user: User, ids: Sequence[int]) -> set[int]:
    """Which of these posts `user` was shown already (`actions.record_views`): one query, built
    once per number of posts."""
    return {post_id for (post_id,) in _VIEWED.rows(user.pk, ids)}


def with_viewer_state(
    posts: Sequence[Post], viewer: Viewer, *, new: bool = False
) -> list[PostCard]:
    """Each post as the viewer sees it: their reaction, saved, rights (up to 3 queries), and
    what the modules extending posts add (`feed.registry.CardExtra`: their loaders are called
    once for all the posts).

    `new`: posts the viewer has just created in this transaction, which nobody can have reacted
    to, saved or seen yet: no query of the feed's (post creation answers with its post at once)."""
    items = list(posts)
    ids = [] if new else [p.pk for p in items]
    mine: dict[int, str] = {}
    saved: set[int] = set()
    if ids:
        # Built once per number of posts (`core.compiled.IdsQuery`): ~2,000 Python calls each.
        mine = {post_id: kind for post_id, kind in _MY_REACTIONS.rows(viewer.user.pk, ids)}
        saved = {post_id for (post_id,) in _MY_BOOKMARKS.rows(viewer.user.pk, ids)}
    own = [p.pk for p in items if p.author_id == viewer.user.pk and not new]
    seen: dict[int, int] = {}
    if own:
        seen = dict(
            PostView.objects.filter(post_id__in=own)
            .values_list("post_id")
            .annotate(n=Count("id"))
            .values_list("post_id", "n")
        )
    extras = {
        extra.key: extra.load(viewer, items, new) if items else {}
        for extra in registry.card_extras()
    }
    # Activity posts list what the viewer may open now: one call per kind, for the whole page.
    activity = visible_activity_items(viewer.user, [p for p in items if p.activity_kind])
    cards = []
    for post in items:
        is_author = post.author_id == viewer.user.pk
        original = post.shared_from
        cards.append(
            PostCard(
                post=post,
                rights=rights(viewer, post),
                my_reaction=mine.get(post.pk),
                is_saved=post.pk in saved,
                seen_by=seen.get(post.pk, 0) if is_author else None,
                original_visible=original is not None and viewer_sees(viewer, original),
                may_report=not is_author,
                extras={key: found[post.pk] for key, found in extras.items() if post.pk in found},
                activity_html=activity_html(activity[post.pk]) if post.pk in activity else None,
            )
        )
    return cards


def _page_of_ids(ids: list[int], limit: int, viewer: Viewer) -> Page[PostCard]:
    """The page of posts for up to `limit + 1` ids in order (one more says there is a next page),
    read by id, with the viewer's state."""
    has_more = len(ids) > limit
    ids = ids[:limit]
    found = display_rows(ids)
    rows = [found[pk] for pk in ids if pk in found]
    next_cursor = (
        encode_cursor([rows[-1].created_at.isoformat(), rows[-1].pk]) if has_more and rows else None
    )
    return Page(items=with_viewer_state(rows, viewer), next_cursor=next_cursor)


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
    found = display_rows([pk for pk, _ in keys])
    rows = [found[pk] for pk, _ in keys if pk in found]
    next_cursor = (
        encode_cursor([keys[-1][1].isoformat(), keys[-1][0]]) if has_more and keys else None
    )
    return Page(items=with_viewer_state(rows, viewer), next_cursor=next_cursor)


def home_page(
    viewer: Viewer,
    filter: str = "all",
    *,
    cursor: str | None,
    leave_out: Sequence[int] = (),
    limit: int = PAGE_SIZE,
) -> Page[PostCard]:
    """A page of the home feed (`home_posts`) without the posts `leave_out` (shown above it).

    The first page — most of the home page's requests — takes its ids from a query built once
    per person shape and filter (`core.compiled.ShapedQuery`: building `visible_posts` and the
    feed's rule cost several times running them), asking for as many more as are left out, which
    are then dropped here. Later pages (a cursor) build theirs."""
    user = viewer.user
    if cursor:
        posts = home_posts(user, filter)
        if leave_out:
            posts = posts.exclude(pk__in=list(leave_out))
        return paginate(posts, viewer, cursor=cursor, limit=limit)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    skip = set(leave_out)
    shape = (*person_shape(user), filter, limit + 1 + len(skip))
    ids = [pk for pk in _HOME_IDS.values(shape, user.pk) if pk not in skip][: limit + 1]
    return _page_of_ids(ids, limit, viewer)


def _home_ids(shape: tuple[bool, str, str, int], user_id: int) -> QuerySet[Post, int]:
    """`home_page`'s first page: the ids of `home_posts`' newest `count` posts, for a person of
    this `person_shape` and id."""
    is_active, role, filter, count = shape
    person = shaped_person((is_active, role), user_id)
    return home_posts(person, filter).values_list("pk", flat=True)[:count]


_HOME_IDS = ShapedQuery(_home_ids)


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
    shape = wall_shape(user, space, roles)
    posts = with_display(_wall_rule(shape or ((), True), space.pk, user.pk or 0))
    posts = posts.order_by("-created_at", "-id")
    return posts if shape is not None else posts.none()


def wall_shape(
    user: User, space: Space, roles: dict[int, str] | None = None
) -> tuple[tuple[str, ...], bool] | None:
    """What the form of `space_posts`' SQL depends on, decided in Python for this person and
    space: None when they may not read the wall, else the activity kinds left out (their module
    off in the space) and whether they moderate it (hidden posts included). Two people of one
    shape on two spaces get the same SQL with their own ids (`space_page`, `pinned_cards`)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if roles is None:  # a page that has the viewer's roles already passes them
        roles = dict(
            Membership.objects.filter(user_id=user.pk, space_id=space.pk).values_list(
                "space_id", "role"
            )
        )
    if not space_queries.can_read_wall(user, space, roles):
        return None
    return (tuple(activity_kinds_off(space)), space_queries.can_moderate(user, space, roles))


def _wall_rule(shape: tuple[tuple[str, ...], bool], space_id: int, user_id: int) -> QuerySet[Post]:
    """`space_posts`' rule for a readable wall of this `wall_shape`, unordered, without display."""
    kinds_off, moderates = shape
    posts = Post.objects.filter(space_id=space_id)
    if kinds_off:
        posts = posts.exclude(activity_kind__in=list(kinds_off))
    if moderates:
        return posts  # hidden posts included, as for `visible_posts`' moderators
    return posts.filter(Q(hidden_at__isnull=True) | Q(author_id=user_id))


def pinned_posts(user: User, space: Space, roles: dict[int, str] | None = None) -> QuerySet[Post]:
    return (
        space_posts(user, space, roles)
        .filter(pinned_at__isnull=False)
        .order_by("-pinned_at", "-id")
    )


def _wall_ids(
    shape: tuple[tuple[str, ...], bool, bool | None, int], space_id: int, user_id: int
) -> QuerySet[Post, int]:
    """The ids of a wall's newest `count` posts, pinned ones (newest pinned first), the others
    (newest first) or, `pinned` None, all of them (newest first, as `space_posts`), for a person
    of this `wall_shape` and id, in a space of this id."""
    kinds_off, moderates, pinned, count = shape
    posts = _wall_rule((kinds_off, moderates), space_id, user_id)
    if pinned:
        posts = posts.filter(pinned_at__isnull=False).order_by("-pinned_at", "-id")
    elif pinned is None:
        posts = posts.order_by("-created_at", "-id")
    else:
        posts = posts.filter(pinned_at__isnull=True).order_by("-created_at", "-id")
    return posts.values_list("pk", flat=True)[:count]


_WALL_IDS = ShapedQuery(_wall_ids, ids=2)


def space_page(
    viewer: Viewer, space: Space, *, cursor: str | None, limit: int = PAGE_SIZE
) -> Page[PostCard]:
    """A page of a space's wall without its pinned posts (`space_posts`, not pinned; those are
    `pinned_cards`). The first page takes its ids from a query built once per `wall_shape` and
    size (`core.compiled.ShapedQuery`, the space's and person's ids as stand-ins), as
    `home_page` does; later pages (a cursor) build theirs."""
    user = viewer.user
    if cursor:
        posts = space_posts(user, space, viewer.roles).filter(pinned_at__isnull=True)
        return paginate(posts, viewer, cursor=cursor, limit=limit)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    shape = wall_shape(user, space, viewer.roles)
    if shape is None:
        return Page(items=[], next_cursor=None)
    ids = _WALL_IDS.values((*shape, False, limit + 1), space.pk, user.pk)
    return _page_of_ids(ids, limit, viewer)


def space_wall_page(
    viewer: Viewer, space: Space, *, cursor: str | None, limit: int = PAGE_SIZE
) -> Page[PostCard]:
    """A page of a space's whole wall, pinned posts among the others (`space_posts`: the API's
    `GET /api/v1/spaces/{space}/posts`). The first page takes its ids from a query built once per
    `wall_shape` and size, as `space_page` does; later pages (a cursor) build theirs."""
    user = viewer.user
    if cursor:
        return paginate(space_posts(user, space, viewer.roles), viewer, cursor=cursor, limit=limit)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    shape = wall_shape(user, space, viewer.roles)
    if shape is None:
        return Page(items=[], next_cursor=None)
    ids = _WALL_IDS.values((*shape, None, limit + 1), space.pk, user.pk)
    return _page_of_ids(ids, limit, viewer)


def pinned_cards(viewer: Viewer, space: Space, limit: int = 5) -> list[PostCard]:
    """A wall's `limit` newest pinned posts (`pinned_posts`) as the viewer sees them, their ids
    from a query built once per `wall_shape` and size."""
    shape = wall_shape(viewer.user, space, viewer.roles)
    if shape is None:
        return []
    ids = _WALL_IDS.values((*shape, True, limit), space.pk, viewer.user.pk)
    found = display_rows(ids)
    return with_viewer_state([found[pk] for pk in ids if pk in found], viewer)


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


def visible_activity_items(user: User, posts: Sequence[Post]) -> dict[int, list[dict[str, object]]]:
    """For each activity post among `posts`: its items (`{"id", "title", "url"}`, oldest first)
    that `user` may see, as its kind decides (`spaces.registry.ActivityKind.visible`: a file put
    in the trash, or moved away, is left out). One call per kind for all the posts together."""
    wanted: dict[str, set[int]] = {}
    for post in posts:
        if post.activity_kind:
            ids = {int(e["id"]) for e in post.activity_items if isinstance(e.get("id"), int)}
            wanted.setdefault(post.activity_kind, set()).update(ids)
    allowed: dict[str, set[int] | None] = {}
    for key, ids in wanted.items():
        kind = space_registry.activity_kind(key)
        if kind is None:
            allowed[key] = set()
        elif kind.visible is None:
            allowed[key] = None
        else:
            allowed[key] = kind.visible(user, sorted(ids)) if ids else set()
    shown: dict[int, list[dict[str, object]]] = {}
    for post in posts:
        if not post.activity_kind:
            continue
        keep = allowed.get(post.activity_kind)
        shown[post.pk] = [
            {"id": e["id"], "title": str(e.get("title", "")), "url": str(e.get("url", ""))}
            for e in post.activity_items
            if isinstance(e.get("id"), int) and (keep is None or e["id"] in keep)
        ]
    return shown
