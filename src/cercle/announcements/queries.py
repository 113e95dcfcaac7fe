"""Announcements: who may announce and follow up, their audience, the home page's banners, the
composer's targets, what a post card shows of them, the read confirmations, and who a live
announcement reaches (the socket's rules, on the fields of its message)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Site, User
from cercle.announcements.events import AnnouncementRemoval, AnnouncementRoute
from cercle.announcements.models import Announcement, AnnouncementReceipt
from cercle.core.compiled import IdsQuery, InstancesQuery, ShapedQuery
from cercle.feed.models import Post
from cercle.feed.queries import (
    Audience,
    NotFound,
    Viewer,
    may_see,
    person_shape,
    post_files,
    sees_post,
    shaped_person,
)
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Membership, Space, SpaceKind

# The home page shows at most this many banners.
ACTIVE_ANNOUNCEMENTS = 5


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


def organisation_to_announce_in(user: User) -> Space | None:
    """The organisation space, when `user` may announce there (`can_announce_in`); read only
    for admins and staff, the only ones who may (no query for everyone else)."""
    if not user.is_active or not (user.is_admin or user.is_org_staff):
        return None
    org = space_queries.organisation_space()
    return org if can_announce_in(user, org) else None


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
        space_queries.spaces_with_module("wall"),
        pk__in=list(roles),
        archived_at__isnull=True,
        is_organisation=False,
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


def targets_person(user: User) -> Q:
    """Announcements for `user`'s department or site, or for everyone (a filter of
    `Announcement`s; who may see the post is `sees_post`'s part)."""
    profile = getattr(user, "profile", None)
    department_id = profile.department_id if profile else None
    site_id = profile.site_id if profile else None
    return _targets(department_id, site_id)


def _targets(department_id: int | None, site_id: int | None) -> Q:
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
    return targeted


@dataclass(frozen=True)
class Banner:
    """An announcement as the home page's banner shows it: its post's files, and its audience in
    words ("Production, Lyon"; empty: everyone who sees the post)."""

    announcement: Announcement
    audience: list[str]
    files: list[Any]

    @property
    def pk(self) -> int:
        return self.announcement.pk


def shown_announcements(user: User) -> list[Banner]:
    """`active_announcements` as banners: with their audience and their post's files (three
    queries more whatever their number, none when there is no banner)."""
    found = active_announcements(user)
    if not found:
        return []
    files = post_files([a.post_id for a in found])
    audiences = audience_names([a.pk for a in found])
    return [
        Banner(announcement=a, audience=audiences.get(a.pk, []), files=files.get(a.post_id, []))
        for a in found
    ]


def audience_names(announcement_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names of the departments, then sites, each announcement targets (two queries)."""
    names: dict[int, list[str]] = {}
    if not announcement_ids:
        return names
    for query in (_DEPARTMENT_NAMES, _SITE_NAMES):
        # Built once per number of announcements (`core.compiled.IdsQuery`; no person: 0).
        for announcement_id, name in query.rows(0, announcement_ids):
            names.setdefault(announcement_id, []).append(name)
    return names


def _audience_names(through: Any, field: str) -> IdsQuery:
    return IdsQuery(
        lambda _nobody, ids: (
            through.objects.filter(announcement_id__in=ids)
            .order_by(field)
            .values_list("announcement_id", field)
        )
    )


_DEPARTMENT_NAMES = _audience_names(Announcement.departments.through, "department__name")
_SITE_NAMES = _audience_names(Announcement.sites.through, "site__name")


def active_announcements(user: User) -> list[Announcement]:
    """Announcements targeting `user` that they have not dismissed (or acknowledged): their ids
    by a query built once per person shape (`_ACTIVE_IDS`: on every home page, building it cost
    ten times running it), then, when there are some, their rows by id."""
    if not user.is_active:
        return []
    profile = getattr(user, "profile", None)
    department_id = profile.department_id if profile else None
    site_id = profile.site_id if profile else None
    shape = (*person_shape(user), bool(department_id), bool(site_id))
    ids = _ACTIVE_IDS.values(shape, user.pk, department_id or 0, site_id or 0)
    if not ids:
        return []
    # The rows by a query built once per number of ids (`core.compiled.InstancesQuery`).
    found = {a.pk: a for a in _ANNOUNCEMENT_ROWS.instances(ids)}
    return [found[pk] for pk in ids if pk in found]


_ANNOUNCEMENT_ROWS = InstancesQuery(
    lambda ids: Announcement.objects.filter(pk__in=ids).select_related(
        "post", "post__author", "post__space"
    )
)


def _active_ids(
    shape: tuple[bool, str, bool, bool], user_id: int, department_id: int, site_id: int
) -> Any:
    """`active_announcements`' rule, for a person of this shape (`person_shape`, then whether
    they have a department and a site) and these ids (`ShapedQuery`)."""
    is_active, role, has_department, has_site = shape
    stand_in = shaped_person((is_active, role), user_id)
    done = AnnouncementReceipt.objects.filter(
        announcement_id=OuterRef("pk"), user_id=user_id
    ).filter(Q(acknowledged_at__isnull=False) | Q(dismissed_at__isnull=False))
    targeted = _targets(department_id if has_department else None, site_id if has_site else None)
    return (
        Announcement.objects.filter(targeted, sees_post(stand_in))
        .exclude(Exists(done))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:ACTIVE_ANNOUNCEMENTS]
    )


_ACTIVE_IDS = ShapedQuery(_active_ids, ids=3)


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
        Announcement.objects.filter(sees_post(user), pk=announcement_id)
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


@dataclass(frozen=True)
class CardAnnouncement:
    """What a post card shows of announcements (`PostCard.extras["announcement"]`): the post's
    announcement if it is one, whether it asks for "read and understood", and what the viewer
    may do."""

    # The post's announcement (None: it is not one).
    announcement_id: int | None = None
    asks_ack: bool = False
    # May make (change, withdraw) the post an announcement (`can_announce`).
    can_announce: bool = False
    # May follow the announcement up (its author, or one who may announce there).
    can_follow_up: bool = False
    # (confirmed, targeted), for those who follow up an announcement asking for confirmation.
    ack_progress: tuple[int, int] | None = None
    # Whom it is for, shown to everyone who sees it: department and site names (empty: everyone
    # who sees the post).
    audience: tuple[str, ...] = ()
    # The viewer is asked to confirm "read and understood" and has not yet.
    may_confirm: bool = False


def card_announcements(
    viewer: Viewer, posts: Sequence[Post], new: bool = False
) -> dict[int, CardAnnouncement]:
    """Each post card's `CardAnnouncement`, for a page of posts: one query (none for `new` posts,
    which cannot be announcements yet), then three per announcement asking for confirmation
    that the viewer follows up (only their authors and announcers: a page rarely holds more
    than one). Posts that are not announcements and that the viewer may not announce get
    nothing. A page holding announcements reads their audiences (two queries) and, when one asks
    for confirmation, which of them wait for the viewer's (one)."""
    found: dict[int, tuple[int, bool]] = {}
    if not new and posts:
        # Built once per number of posts (`core.compiled.IdsQuery`; no person: 0).
        found = {
            post_id: (pk, bool(requires_ack))
            for post_id, pk, requires_ack in _CARD_ANNOUNCEMENTS.rows(0, [p.pk for p in posts])
        }
    audiences = audience_names([pk for pk, _asks in found.values()])
    waiting = _waiting_for(viewer.user, [pk for pk, asks in found.values() if asks])
    cards: dict[int, CardAnnouncement] = {}
    for post in posts:
        may_announce = post.space_id is not None and can_announce(viewer.user, post, viewer.roles)
        announcement_id, asks_ack = found.get(post.pk, (None, False))
        if announcement_id is None and not may_announce:
            continue
        follows_up = announcement_id is not None and (
            post.author_id == viewer.user.pk or may_announce
        )
        progress = None
        if follows_up and asks_ack:
            assert announcement_id is not None
            progress = _progress(announcement_id, post)
        cards[post.pk] = CardAnnouncement(
            announcement_id=announcement_id,
            asks_ack=asks_ack,
            can_announce=may_announce,
            can_follow_up=follows_up,
            ack_progress=progress,
            audience=tuple(audiences.get(announcement_id, ())) if announcement_id else (),
            may_confirm=announcement_id in waiting,
        )
    return cards


_CARD_ANNOUNCEMENTS = IdsQuery(
    lambda _nobody, ids: Announcement.objects.filter(post_id__in=ids).values_list(
        "post_id", "pk", "requires_ack"
    )
)


def _waiting_for(user: User, announcement_ids: Sequence[int]) -> set[int]:
    """Those of these announcements (asking for confirmation) that target `user` and that they
    have not confirmed (one query; none without ids)."""
    if not announcement_ids or not user.is_active:
        return set()
    confirmed = AnnouncementReceipt.objects.filter(
        announcement_id=OuterRef("pk"), user_id=user.pk, acknowledged_at__isnull=False
    )
    # `announcement_audience`'s rule: members, and everyone but guests in open spaces and the
    # organisation's.
    people = Q(
        Exists(Membership.objects.filter(space_id=OuterRef("post__space_id"), user_id=user.pk))
    )
    if not user.is_guest:
        people |= Q(post__space__is_organisation=True) | Q(post__space__kind=SpaceKind.OPEN)
    return set(
        Announcement.objects.filter(targets_person(user), people, pk__in=announcement_ids)
        .exclude(Exists(confirmed))
        .values_list("pk", flat=True)
    )


def _progress(announcement_id: int, post: Post) -> tuple[int, int]:
    """(confirmed, targeted) of an announcement asking for confirmation (three queries)."""
    announcement = Announcement(pk=announcement_id, post=post)
    confirmed = AnnouncementReceipt.objects.filter(
        announcement_id=announcement_id, acknowledged_at__isnull=False
    ).values("user_id")
    counts = (
        announcement_audience(announcement)
        .order_by()
        .aggregate(total=Count("pk"), done=Count("pk", filter=Q(pk__in=confirmed)))
    )
    return counts["done"], counts["total"]


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


# --- Live announcements (the /ws/ socket) -------------------------------------------------------


def is_targeted(audience: Audience, route: AnnouncementRoute) -> bool:
    """Does this new announcement target this person? The rule of `active_announcements`
    (before any dismissal) on the fields of the route: they may see its post, and it is for
    everyone or for their department or site (tests/announcements/test_live.py checks that
    both agree for every kind of space, person and target)."""
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
