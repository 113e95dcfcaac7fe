"""Who sees and may act on a post (see the package's docstring): `visible_posts`, `can`, `rights`,
`access_post`, who may post on a wall or share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils.translation import gettext as _

from cercle.accounts.models import Role, User
from cercle.core.compiled import InstancesQuery, ShapedQuery
from cercle.feed.models import (
    Attachment,
    Comment,
    Post,
)
from cercle.spaces import queries as space_queries
from cercle.spaces import registry as space_registry
from cercle.spaces.models import Membership, Space, SpaceKind

PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
Action = Literal["see", "comment", "react", "share", "edit", "delete", "pin"]
ACTIONS: tuple[Action, ...] = ("see", "comment", "react", "share", "edit", "delete", "pin")
FILTERS = ("all", "spaces", "following", "mentions", "saved")


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


def _post_rows(ids: list[int]) -> QuerySet[Post]:
    return (
        Post.objects.filter(pk__in=ids).select_related("author", "space", "wall_owner").order_by()
    )


def _file_rows(ids: list[int]) -> QuerySet[Attachment]:
    return Attachment.objects.filter(post_id__in=ids).order_by("id")


_POST_ROWS = InstancesQuery(_post_rows)
_FILE_ROWS = InstancesQuery(_file_rows)
_COMPILED_UP_TO = MAX_PAGE_SIZE + 1


def post_files(ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """The files of these posts, by post, each post's in order (one query, built once per number
    of posts up to a page's; none without posts)."""
    files: dict[int, list[Attachment]] = {}
    if not ids:
        return files
    ids = list(ids)
    found = _FILE_ROWS.instances(ids) if len(ids) <= _COMPILED_UP_TO else _file_rows(ids)
    for attachment in found:
        files.setdefault(attachment.post_id, []).append(attachment)
    return files


def display_rows(ids: list[int]) -> dict[int, Post]:
    """Posts by id (a page's, or the one `access_post` opens) with what `with_display` gives, the
    attachments loaded by hand: for 20 posts, Django's prefetch machinery cost ~3 ms of CPU over
    the one plain query it runs (and for one post, a sixth of a post's page)."""
    if not ids:
        return {}
    # Both queries (the posts, `post_files`) built once per number of ids (`core.compiled.
    # InstancesQuery`: building them cost more Python than running them); a list longer than a
    # page builds its own.
    posts = _POST_ROWS.instances(ids) if len(ids) <= _COMPILED_UP_TO else _post_rows(ids)
    # Unordered: the caller puts them in its own order (no ORDER BY to build nor to run).
    found: dict[int, Post] = {p.pk: p for p in posts}
    files = post_files(ids)
    every_file = Attachment.objects.all()
    for post in found.values():
        # What `prefetch_related("attachments")` leaves: `post.attachments.all()` without a query.
        # The post's filter is deferred, as Django's related managers defer theirs: added (built)
        # only if a queryset is made from this one (`.filter()`, `.order_by()`…), which then
        # reads this post's files only; iterating, `len()` and `bool()` read the list.
        cached = every_file._chain()  # type: ignore[attr-defined]
        cached._deferred_filter = (False, (), {"post_id": post.pk})
        cached._result_cache = files.get(post.pk, [])
        cached._prefetch_done = True
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


def _activity_off() -> Q | None:
    """The activity posts whose module is off in their space (`spaces.registry.ActivityKind`):
    shown to nobody until it is on again. A module stored as off (a missing key reads as the
    module's default: on for every module that tells activities so far)."""
    off = None
    for kind in space_registry.ACTIVITY_KINDS.values():
        # A subquery: the JSON key of a space without it is NULL, which a NOT would spread.
        spaces_off = Space.objects.filter(**{f"module_settings__{kind.module}": False})
        one = Q(
            activity_kind=kind.key,
            space_id__isnull=False,
            space_id__in=spaces_off.values("pk"),
        )
        off = one if off is None else off | one
    return off


def activity_kinds_off(space: Space) -> list[str]:
    """The activity kinds whose module is off in `space` (its wall leaves their posts out)."""
    return [
        kind.key
        for kind in space_registry.ACTIVITY_KINDS.values()
        if _stored_off(space, kind.module)
    ]


def _stored_off(space: Space, module: str) -> bool:
    """`_activity_off`'s rule for one space: the module stored as off there."""
    return (space.module_settings or {}).get(module) is False


def activity_shown(post: Post) -> bool:
    """An activity post's module is on in its space (`_activity_off`, for one post)."""
    if not post.activity_kind or post.space is None:
        return True
    kind = space_registry.activity_kind(post.activity_kind)
    return kind is None or not _stored_off(post.space, kind.module)


def visible_posts(user: User) -> QuerySet[Post]:
    """Every post `user` may see, with what displaying it needs, newest first."""
    posts = with_display(Post.objects.all()).order_by("-created_at", "-id")
    if (off := _activity_off()) is not None:
        posts = posts.exclude(off)
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


def person_shape(user: User) -> tuple[bool, str]:
    """What the form of `visible_posts(user)`'s SQL depends on, besides their id: active or not,
    and their role (administrator, staff, member, guest). People of one shape get the same SQL
    with their own id (`core.compiled.ShapedQuery`)."""
    if not user.is_authenticated:
        return (False, "")
    return (bool(user.is_active), str(user.role))


def shaped_person(shape: tuple[bool, str], user_id: int) -> User:
    """A stand-in person of this `person_shape` and id (not saved), to build a rule with."""
    is_active, role = shape
    return User(pk=user_id, role=role or Role.MEMBER, is_active=is_active)


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


def viewer_sees(viewer: Viewer, post: Post) -> bool:
    user = viewer.user
    if not user.is_authenticated or not user.is_active:
        return False
    if not activity_shown(post):
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
    return viewer_sees(viewer, post) and viewer_may(viewer, action, post)


def viewer_may(viewer: Viewer, action: Action, post: Post) -> bool:
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
        return post.author_id == person.pk and not archived and not post.activity_kind
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


_NO_RIGHTS = PostRights()


def rights(viewer: Viewer, post: Post) -> PostRights:
    """`can` for every action (the visibility checked once, not once per action): `viewer_may`'s
    rules for all the actions in one pass, the moderation right asked once (each card of a page
    asks: issue 15; `tests/feed/test_rights_in_one_pass.py` compares it with `can`)."""
    if not viewer_sees(viewer, post):
        return _NO_RIGHTS
    person = viewer.user
    space = post.space
    archived = space is not None and space.is_archived
    mine = post.author_id == person.pk
    if space is None:
        delete = mine or person.is_admin or post.wall_owner_id == person.pk
        pin = False
    else:
        moderates = space_queries.can_moderate(person, space, viewer.roles)
        delete = mine or person.is_admin or moderates
        pin = not archived and moderates
    return PostRights(
        see=True,
        comment=not archived,
        react=not archived,
        share=not person.is_guest,
        edit=mine and not archived and not post.activity_kind,
        delete=delete,
        pin=pin,
    )


def access_post(user: User, post_id: int | str) -> Post:
    """The post if `user` may see it; one NotFound for missing and not allowed."""
    try:
        pk = int(post_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such post.")) from None
    # Whether they see it, by a query built once per person shape (`core.compiled`: on each
    # reaction, comment and post page, building `visible_posts` cost more than running it), then
    # the post with what showing it needs.
    if not -(2**63) <= pk < 2**63 or not _VISIBLE_ID.values(person_shape(user), user.pk, pk):
        raise NotFound(_("No such post."))
    post = display_rows([pk]).get(pk)
    if post is None:  # deleted in between
        raise NotFound(_("No such post."))
    return post


def _visible_id(shape: tuple[bool, str], user_id: int, post_id: int) -> QuerySet[Post, int]:
    """`access_post`'s check: the post's id if a person of this shape and id sees it."""
    return (
        visible_posts(shaped_person(shape, user_id))
        .filter(pk=post_id)
        .values_list("pk", flat=True)[:1]
    )


_VISIBLE_ID = ShapedQuery(_visible_id, ids=2)


def sees_post(user: User) -> Exists:
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
        Comment.objects.filter(sees_post(user), pk=pk)
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
