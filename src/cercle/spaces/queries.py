"""Reads about spaces, with their rules: who sees a space, who reads its wall, who manages it.

The rules, in one place:
- Deactivated people see nothing.
- Organisation administrators (`User.role == admin`) see every space, secret ones included, and
  have an owner's powers in each (they answer for the platform: moderation, rescuing a space
  whose owners left). They are not members unless they joined.
- Other non-guests see open, on-request and private spaces (listed), the organisation space, and
  secret spaces only when they are members or have a pending invitation.
- Guests see only the spaces they are members of or invited to.
- A wall is readable by members (any role), and, for open spaces and the organisation space, by
  every active non-guest.
- The organisation space: every active non-guest is an implied member (role "member"); only staff,
  organisation admins and the space's own admins post there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.core.compiled import CompiledQuery, ShapedQuery
from cercle.core.text import normalize
from cercle.spaces import registry
from cercle.spaces.models import (
    ROLE_RANK,
    JoinRequest,
    Membership,
    RequestStatus,
    Space,
    SpaceFollow,
    SpaceInvitation,
    SpaceKind,
    SpaceRole,
)


class NotFound(Http404):
    """Missing or not visible: one error for both, so nothing leaks."""


OPEN_WALL_KINDS = (SpaceKind.OPEN,)
LISTED_KINDS = (SpaceKind.OPEN, SpaceKind.REQUEST, SpaceKind.PRIVATE)


def member_space_ids(user: User) -> QuerySet[Membership, int]:
    """A subquery of the ids of spaces `user` is an explicit member of."""
    return Membership.objects.filter(user_id=user.pk).values_list("space_id", flat=True)


def moderated_space_ids(user: User) -> QuerySet[Space, int]:
    """A subquery of the ids of spaces `user` moderates (moderator and up; staff: organisation)."""
    moderated = Q(
        pk__in=Membership.objects.filter(
            user_id=user.pk, role__in=[SpaceRole.MODERATOR, SpaceRole.ADMIN, SpaceRole.OWNER]
        ).values("space_id")
    )
    if user.is_org_staff:
        moderated |= Q(is_organisation=True)
    return Space.objects.filter(moderated).values_list("pk", flat=True)


# How long a person's roles stay in the cache unread (a version key moves on every change).
ROLES_TTL = 3600


def _roles_version_key(user_id: int) -> str:
    return f"spaces:roles:v:{user_id}"


def roles_version(user_id: int) -> int:
    """A number that changes with every write of `user_id`'s memberships (`listeners`): the key
    of their roles in the cache. A new cache (restart, eviction) starts from 0; the roles kept
    under an older number are never read again."""
    return int(cache.get(_roles_version_key(user_id), 0))


def change_roles_version(user_id: int) -> None:
    """Move `user_id`'s roles version (a membership of theirs was written)."""
    key = _roles_version_key(user_id)
    if not cache.add(key, 1, None):
        try:
            cache.incr(key)
        except ValueError:  # evicted meanwhile
            cache.set(key, 1, None)


def my_roles(user: User) -> dict[int, str]:
    """Space id → role for each explicit membership of `user`: asked on every page that shows
    posts (the viewer's rights), twice on some. Kept in the cache per person under their roles
    version (one cache read for the version, one for the roles; one query when not there)."""
    if not user.is_authenticated:
        return {}
    version = roles_version(user.pk)
    key = f"spaces:roles:{user.pk}:{version}"
    roles: dict[int, str] | None = cache.get(key)
    if roles is None:
        roles = dict(Membership.objects.filter(user_id=user.pk).values_list("space_id", "role"))
        if not _written_uncommitted(user.pk):
            cache.set(key, roles, ROLES_TTL)
    return dict(roles)


def _written_uncommitted(user_id: int) -> bool:
    """Whether this connection wrote `user_id`'s memberships in a transaction still open: what
    it reads may yet be rolled back, so it is not kept (`listeners` marks the writes)."""
    written: set[int] | None = getattr(connection, "cercle_roles_written", None)
    if not written:
        return False
    if not connection.in_atomic_block:  # committed or rolled back since: the marks are old
        written.clear()
        return False
    return user_id in written


def mark_roles_written(user_id: int) -> None:
    """`user_id`'s memberships were written on this connection (until its commit)."""
    written: set[int] | None = getattr(connection, "cercle_roles_written", None)
    if written is None:
        written = connection.cercle_roles_written = set()  # type: ignore[attr-defined]
    written.add(user_id)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: written.discard(user_id))


def roles_in(user: User, space: Space) -> dict[int, str]:
    """`user`'s explicit role in `space` as the `roles` the rules below take (one query, not
    the cache of `my_roles`): for several rules about one space in one request."""
    role = (
        Membership.objects.filter(user_id=user.pk, space_id=space.pk)
        .values_list("role", flat=True)
        .first()
    )
    return {space.pk: role} if role is not None else {}


def effective_role(user: User, space: Space, roles: dict[int, str] | None = None) -> str | None:
    """The role of `user` in `space`: explicit, else implied in the organisation space."""
    if not user.is_authenticated or not user.is_active:
        return None
    role = (roles if roles is not None else roles_in(user, space)).get(space.pk)
    if role is None and space.is_organisation and not user.is_guest:
        return SpaceRole.MEMBER
    return role


def role_at_least(role: str | None, minimum: str) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def has_pending_invitation(user: User, space: Space) -> bool:
    return SpaceInvitation.objects.filter(
        user_id=user.pk, space_id=space.pk, status=RequestStatus.PENDING
    ).exists()


# --- Who may do what -------------------------------------------------------------------------


def can_see_space(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    role = effective_role(user, space, roles)
    if role is not None:
        return True
    if not user.is_guest and (space.is_organisation or space.kind in LISTED_KINDS):
        return True
    return has_pending_invitation(user, space)


def can_read_wall(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    role = effective_role(user, space, roles)
    if role is not None:
        return True
    return not user.is_guest and (space.is_organisation or space.kind in OPEN_WALL_KINDS)


def has_module(space: Space, key: str) -> bool:
    """Is the module `key` (`registry.register_module`) on in `space`? No query."""
    return registry.module_on(space.module_settings, key)


def spaces_with_module(key: str) -> Q:
    """A filter on `Space` for the spaces where the module `key` is on (`has_module` in SQL): its
    stored state, or its default where none is stored."""
    module = registry.MODULES.get(key)
    if module is None:
        return Q(pk__in=[])
    stored_on = Q(**{f"module_settings__{key}": True})
    if not module.default:
        return stored_on
    return stored_on | ~Q(module_settings__has_key=key)


def can_post_in(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    if not user.is_active or space.is_archived or not has_module(space, "wall"):
        return False
    role = effective_role(user, space, roles)
    if space.is_organisation:
        return user.is_org_staff or role_at_least(role, SpaceRole.ADMIN)
    return role is not None


def can_moderate(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    """Delete and pin others' posts, hide content: moderators and up, and organisation admins."""
    if not user.is_active:
        return False
    if user.is_admin:
        return True
    role = effective_role(user, space, roles)
    if space.is_organisation and user.is_org_staff:
        return True
    return role_at_least(role, SpaceRole.MODERATOR)


def can_administer(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    """Invite, accept requests, change roles, remove members, edit, archive: space admins and up."""
    if not user.is_active:
        return False
    if user.is_admin:
        return True
    role = effective_role(user, space, roles)
    return role_at_least(role, SpaceRole.ADMIN)


def is_owner_like(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    """Owners (and organisation admins) may make and unmake owners."""
    if not user.is_active:
        return False
    if user.is_admin:
        return True
    role = effective_role(user, space, roles)
    return role == SpaceRole.OWNER


def can_join(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    return (
        user.is_active
        and not user.is_guest
        and not space.is_organisation
        and not space.is_archived
        and space.kind == SpaceKind.OPEN
        and effective_role(user, space, roles) is None
    )


def can_request(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    return (
        user.is_active
        and not user.is_guest
        and not space.is_organisation
        and not space.is_archived
        and space.kind == SpaceKind.REQUEST
        and effective_role(user, space, roles) is None
    )


# --- Reads -------------------------------------------------------------------------------------


def visible_spaces(user: User) -> QuerySet[Space]:
    """Every space `user` may see (listed or reachable), not ordered."""
    spaces = Space.objects.all()
    if not user.is_authenticated or not user.is_active:
        return spaces.none()
    if user.is_admin:
        return spaces
    is_member = Q(pk__in=member_space_ids(user))
    invited = Q(
        pk__in=SpaceInvitation.objects.filter(user_id=user.pk, status=RequestStatus.PENDING).values(
            "space_id"
        )
    )
    if user.is_guest:
        return spaces.filter(is_member | invited)
    return spaces.filter(Q(kind__in=LISTED_KINDS) | Q(is_organisation=True) | is_member | invited)


def readable_space_ids(user: User) -> QuerySet[Space, int]:
    """A subquery of the ids of spaces whose wall `user` may read (not for organisation admins)."""
    spaces = Space.objects.all()
    is_member = Q(pk__in=member_space_ids(user))
    if user.is_guest:
        return spaces.filter(is_member).values_list("pk", flat=True)
    return spaces.filter(
        Q(kind__in=OPEN_WALL_KINDS) | Q(is_organisation=True) | is_member
    ).values_list("pk", flat=True)


def access_space(user: User, id_or_slug: int | str) -> Space:
    """The space, if `user` may see it; one NotFound for missing and not allowed."""
    key = str(id_or_slug)
    if "\x00" in key or len(key) > 200:  # no such slug, and PostgreSQL refuses NUL
        raise NotFound(_("No such space."))
    if not user.is_authenticated or not user.is_active:
        raise NotFound(_("No such space."))
    # By a query built once per person shape and lookup (`core.compiled`: building
    # `visible_spaces` cost more than twice reading the space).
    shape = (bool(user.is_active), str(user.role))
    if isinstance(id_or_slug, int) or (key.isascii() and key.isdigit()):
        pk = int(key)
        if not -(2**63) <= pk < 2**63:
            raise NotFound(_("No such space."))
        found = _VISIBLE_SPACE.instances(Space, (*shape, "pk"), user.pk, pk, texts=("",))
    else:
        found = _VISIBLE_SPACE.instances(Space, (*shape, "slug"), user.pk, 0, texts=(key,))
    if not found:
        raise NotFound(_("No such space."))
    space: Space = found[0]
    return space


def _visible_space(
    shape: tuple[bool, str, str], user_id: int, space_id: int, slug: str
) -> QuerySet[Space]:
    is_active, role, by = shape
    person = User(pk=user_id, role=role, is_active=is_active)
    lookup = Q(pk=space_id) if by == "pk" else Q(slug=slug)
    return visible_spaces(person).filter(lookup).order_by()[:1]


_VISIBLE_SPACE = ShapedQuery(_visible_space, ids=2, texts=1)


# Both languages' words, so that the organisation space is found in either.
ORGANISATION_SEARCH_TEXT = (
    "whole organisation announcements and news for everyone "
    "toute l'organisation annonces et actualites pour tout le monde"
)


def display_name(space: Space) -> str:
    """The name to show people: the organisation space's stored name is a fixed English one, so
    it is shown translated; other spaces' names are theirs. (The API's `name` stays the stored
    one; its `is_organisation` tells clients which label to show.) In templates:
    `{{ space|space_name }}` (`{% load spaces_tags %}`)."""
    return _("Whole organisation") if space.is_organisation else space.name


def organisation_space() -> Space:
    """The "whole organisation" space (made by a data migration; made again if it went missing,
    as after a test database flush)."""
    space = Space.objects.filter(is_organisation=True).first()
    if space is not None:
        return space
    try:
        with transaction.atomic():
            return Space.objects.create(
                name="Whole organisation",
                slug=_free_slug("organisation"),
                # Empty: the pages show a default description in the reader's language.
                description="",
                kind=SpaceKind.OPEN,
                is_organisation=True,
                search_text=ORGANISATION_SEARCH_TEXT,
            )
    except IntegrityError:  # made at the same moment by another request
        return Space.objects.get(is_organisation=True)


def _free_slug(base: str) -> str:
    slug, n = base, 2
    while Space.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def browse_spaces(user: User, *, query: str = "", mine_only: bool = False) -> QuerySet[Space]:
    """Spaces for the browse page, my spaces first, then by name; secret ones only if mine."""
    spaces = visible_spaces(user)
    mine = Exists(Membership.objects.filter(user_id=user.pk, space_id=OuterRef("pk")))
    whens = [When(mine, then=Value(1))]
    if not user.is_guest:
        whens.append(When(is_organisation=True, then=Value(1)))
    spaces = spaces.annotate(is_mine=Case(*whens, default=Value(0), output_field=IntegerField()))
    if not user.is_admin:
        # Secret spaces appear only to their members (and invitees, in their invitations list).
        spaces = spaces.filter(~Q(kind=SpaceKind.SECRET) | mine)
    if mine_only:
        spaces = spaces.filter(is_mine=1)
    for term in normalize(query).split(" ") if query.strip() else []:
        spaces = spaces.filter(search_text__contains=term)
    return spaces.order_by("-is_mine", "archived_at", "name", "pk")


def space_members(space: Space) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(space=space, user__is_active=True)
        .select_related("user", "user__profile")
        .order_by("-role", "user__first_name", "user__last_name", "pk")
    )


ORGANISATION_COUNT_KEY = "spaces:organisation-member-count"
ORGANISATION_COUNT_TTL = 60  # seconds: the header's "N members" may lag a minute


def member_count(space: Space) -> int:
    if space.is_organisation:
        # Everyone active but guests: a count over the whole people table (a sequential scan:
        # 40-90 ms at 100,000 people on a loaded machine), asked by every page of the
        # organisation space (its pages, wall, documents, news, agenda). Kept a minute.
        count: int | None = cache.get(ORGANISATION_COUNT_KEY)
        if count is None:
            count = User.objects.filter(is_active=True).exclude(role="guest").count()
            cache.set(ORGANISATION_COUNT_KEY, count, ORGANISATION_COUNT_TTL)
        return count
    return Membership.objects.filter(space=space, user__is_active=True).count()


def pending_join_requests(space: Space) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(space=space, status=RequestStatus.PENDING).select_related(
        "user"
    )


def join_requests_to_decide(user: User, space: Space) -> QuerySet[JoinRequest]:
    """The space's pending requests to join, oldest first, for those who decide on them (its
    admins and owners, organisation admins). Anyone else who may see the space gets
    PermissionDenied, not an empty list that would pass for "no requests"."""
    if not can_administer(user, space):
        raise PermissionDenied(_("Only the space's admins can see its requests to join."))
    return pending_join_requests(space)


def space_invitations_to_manage(user: User, space: Space) -> QuerySet[SpaceInvitation]:
    """The space's pending invitations, newest first, for its admins (as `join_requests_to_decide`:
    PermissionDenied for anyone else)."""
    if not can_administer(user, space):
        raise PermissionDenied(_("Only the space's admins can see its invitations."))
    return SpaceInvitation.objects.filter(
        space_id=space.pk, status=RequestStatus.PENDING
    ).select_related("space", "user", "invited_by")


def space_invitation_to_manage(user: User, space: Space, invitation_id: int) -> SpaceInvitation:
    """One of the space's invitations (any status), for its admins: PermissionDenied for anyone
    else who may see the space (as `space_invitations_to_manage`), NotFound when the space has no
    such invitation."""
    if not can_administer(user, space):
        raise PermissionDenied(_("Only the space's admins can manage its invitations."))
    invitation = (
        SpaceInvitation.objects.filter(pk=invitation_id, space_id=space.pk)
        .select_related("space", "user", "invited_by")
        .first()
    )
    if invitation is None:
        raise NotFound(_("No such invitation."))
    return invitation


def owner_count(space: Space) -> int:
    """The space's active owners (a space cannot lose its last one: `is_last_owner`)."""
    return Membership.objects.filter(
        space_id=space.pk, role=SpaceRole.OWNER, user__is_active=True
    ).count()


def is_last_owner(membership: Membership, *, owners: int | None = None) -> bool:
    """Whether removing or demoting this membership would leave its space without an owner:
    the actions refuse it, the members page offers no "Remove". `owners`: `owner_count` of
    the space when the caller has it already."""
    if membership.role != SpaceRole.OWNER:
        return False
    if owners is None:
        owners = Membership.objects.filter(
            space_id=membership.space_id, role=SpaceRole.OWNER, user__is_active=True
        ).count()
    return owners <= 1


@dataclass(frozen=True)
class MemberRow:
    """A line of a space's members list, with what the page shows about it."""

    membership: Membership
    is_last_owner: bool


def member_rows(space: Space, *, limit: int = 500) -> list[MemberRow]:
    """The space's active members (`space_members`) for its members page: two queries."""
    owners = owner_count(space)
    return [
        MemberRow(membership=m, is_last_owner=is_last_owner(m, owners=owners))
        for m in space_members(space)[:limit]
    ]


def may_create_space(user: User) -> bool:
    """Active people but guests create spaces (`actions.create_space`, the "New space" link)."""
    return bool(user.is_authenticated and user.is_active and not user.is_guest)


def pending_invitations_for(user: User) -> QuerySet[SpaceInvitation]:
    return SpaceInvitation.objects.filter(
        user_id=user.pk, status=RequestStatus.PENDING, space__archived_at__isnull=True
    ).select_related("space", "invited_by")


def _pending_invitation(user_id: int) -> QuerySet[SpaceInvitation, int]:
    return (
        SpaceInvitation.objects.filter(
            user_id=user_id, status=RequestStatus.PENDING, space__archived_at__isnull=True
        )
        .order_by()
        .values_list("pk", flat=True)[:1]
    )


# On every home page (most people have none): built once (`core.compiled`).
_PENDING_INVITATION = CompiledQuery(_pending_invitation)


def has_pending_invitations(user: User) -> bool:
    """Whether `pending_invitations_for(user)` has any: one query, built once."""
    return bool(_PENDING_INVITATION.rows(user.pk))


def access_invitation(user: User, invitation_id: int) -> SpaceInvitation:
    invitation = (
        SpaceInvitation.objects.filter(pk=invitation_id, user_id=user.pk)
        .select_related("space")
        .first()
    )
    if invitation is None or not user.is_active:
        raise NotFound(_("No such invitation."))
    return invitation


def access_join_request(user: User, request_id: int) -> JoinRequest:
    """A join request the viewer may decide on (an admin of its space)."""
    join_request = JoinRequest.objects.filter(pk=request_id).select_related("space", "user").first()
    if join_request is None or not can_administer(user, join_request.space):
        raise NotFound(_("No such request."))
    return join_request


def has_pending_request(user: User, space: Space) -> bool:
    return JoinRequest.objects.filter(
        user_id=user.pk, space_id=space.pk, status=RequestStatus.PENDING
    ).exists()


def is_following(user: User, space: Space) -> bool:
    return SpaceFollow.objects.filter(user_id=user.pk, space_id=space.pk).exists()


@dataclass
class SpaceView:
    """What a page about one space needs to know about the viewer, computed once."""

    space: Space
    role: str | None
    can_read: bool
    can_post: bool
    can_moderate: bool
    can_administer: bool
    can_join: bool
    can_request: bool
    has_pending_request: bool
    invitation: SpaceInvitation | None
    following: bool
    favourite: bool = False  # one of my favourite spaces (`Membership.favourite`)
    # Who is looking (a tab may depend on what they may see: the News tab).
    viewer: User | None = None
    _tabs: list[registry.ShownTab] | None = field(default=None, repr=False, compare=False)

    @property
    def tabs(self) -> list[registry.ShownTab]:
        """The header's links the viewer may follow, as the modules registered them (worked
        out once per view: a tab may cost a query)."""
        if self._tabs is None:
            self._tabs = registry.tabs_for(self)
        return self._tabs


def space_view(user: User, space: Space) -> SpaceView:
    """What `user` may do in `space`. Their membership (role, favourite), whether they follow
    the space and have asked to join come from one query built once per process (`_MY_STANDING`:
    the space page is the most opened page after the home page)."""
    role, favourite, following, asked = _my_standing(user, space)
    role = effective_role(user, space, {space.pk: role} if role else {})
    roles = {space.pk: role} if role else {}
    invitation = (
        SpaceInvitation.objects.filter(
            user_id=user.pk, space_id=space.pk, status=RequestStatus.PENDING
        ).first()
        if role is None
        else None
    )
    return SpaceView(
        space=space,
        role=role,
        can_read=can_read_wall(user, space, roles),
        can_post=can_post_in(user, space, roles),
        can_moderate=can_moderate(user, space, roles),
        can_administer=can_administer(user, space, roles),
        can_join=can_join(user, space, roles),
        can_request=can_request(user, space, roles),
        has_pending_request=role is None and asked,
        invitation=invitation,
        following=following,
        viewer=user,
        favourite=bool(role and favourite),
    )


def _my_standing(user: User, space: Space) -> tuple[str | None, bool, bool, bool]:
    """`user`'s explicit role in `space` (None: not a member), whether it is one of their
    favourites, whether they follow it, whether they have a pending request to join it."""
    if user.pk is None:
        return (None, False, False, False)
    found = _MY_STANDING.rows((), space.pk, user.pk)
    if not found:
        return (None, False, False, False)
    role, favourite, following, asked = found[0]
    return (role, bool(favourite), bool(following), bool(asked))


def _standing_query(shape: tuple[()], space_id: int, user_id: int) -> QuerySet[Space, Any]:
    mine = Membership.objects.filter(space_id=OuterRef("pk"), user_id=user_id)
    return (
        Space.objects.filter(pk=space_id)
        .annotate(
            my_role=Subquery(mine.order_by().values("role")[:1]),
            my_favourite=Exists(mine.filter(favourite=True)),
            my_follow=Exists(SpaceFollow.objects.filter(space_id=OuterRef("pk"), user_id=user_id)),
            my_request=Exists(
                JoinRequest.objects.filter(
                    space_id=OuterRef("pk"), user_id=user_id, status=RequestStatus.PENDING
                )
            ),
        )
        .values_list("my_role", "my_favourite", "my_follow", "my_request")
    )


_MY_STANDING = ShapedQuery(_standing_query, ids=2)


@dataclass(frozen=True)
class NavSpace:
    """One of my spaces in the side navigation."""

    space: Space
    favourite: bool
    new: bool  # a post went up since I last opened it


def nav_spaces(user: User, limit: int) -> list[NavSpace]:
    """My spaces (not archived), favourites first, then by name: one query, built once per
    limit (`core.compiled`: on every page, building it cost several times running it). Each
    space holds what the navigation shows (id, name, slug, whether it is the organisation's)."""
    compiled = _NAV_SPACES.get(limit)
    if compiled is None:
        compiled = _NAV_SPACES[limit] = CompiledQuery(lambda user_id: _nav_rows(user_id, limit))
    return [
        NavSpace(
            space=Space(
                pk=row["space_id"],
                name=row["space__name"],
                slug=row["space__slug"],
                is_organisation=bool(row["space__is_organisation"]),
            ),
            favourite=bool(row["favourite"]),
            new=bool(row["new"]),
        )
        for row in compiled.rows(user.pk)
    ]


def _nav_rows(user_id: int, limit: int) -> QuerySet[Any, Any]:
    # "New": a post went up since I last opened the space.
    new = Q(space__last_post_at__isnull=False) & (
        Q(last_seen_at__isnull=True) | Q(space__last_post_at__gt=F("last_seen_at"))
    )
    return (
        Membership.objects.filter(user_id=user_id, space__archived_at__isnull=True)
        .annotate(new=ExpressionWrapper(new, output_field=BooleanField()))
        .values(
            "space_id", "space__name", "space__slug", "space__is_organisation", "favourite", "new"
        )
        .order_by("-favourite", "space__name", "space_id")[:limit]
    )


_NAV_SPACES: dict[int, CompiledQuery] = {}
