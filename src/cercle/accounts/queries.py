"""Reads about people, each applying its rules for the viewing user.

Visibility (issue 2): every signed-in, active person — guests included — may read the directory,
profiles, the expert finder and the org chart (outside collaborators need to know whom they work
with); only what a profile shows is exposed, never emails of deactivated people nor settings.
Deactivated people are left out of the directory, the expert finder and every people picker, but
their profile page stays reachable (marked "deactivated") so what they wrote keeps a name.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Least
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from cercle.accounts import search
from cercle.accounts.languages import LanguageMatch, matching_languages
from cercle.accounts.languages import display_name as language_display_name
from cercle.accounts.models import (
    ApiToken,
    Department,
    Endorsement,
    Follow,
    Invitation,
    Organisation,
    Profile,
    Role,
    Site,
    Skill,
    SkillLevel,
    SpokenLanguage,
    User,
    UserSkill,
)
from cercle.accounts.search import filter_search
from cercle.accounts.tokens import hash_token
from cercle.core.kept import forget_now_and_at_commit
from cercle.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from cercle.core.text import normalize

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
TOP_SKILLS = 3
MAX_CHAIN_DEPTH = 30
SORTS = ("name", "recent", "relevance")

ORGANISATION_CACHE_KEY = "cercle:organisation:v1"


def get_organisation() -> Organisation:
    """The organisation's settings (every page shows its branding): cached for 5 minutes, and
    forgotten by `forget_organisation` whenever they change."""
    organisation: Organisation | None = cache.get(ORGANISATION_CACHE_KEY)
    if organisation is None:
        organisation = Organisation.objects.filter(pk=1).first() or Organisation(pk=1)
        cache.set(ORGANISATION_CACHE_KEY, organisation, 300)
    return organisation


def forget_organisation() -> None:
    """Drop the cached settings now and once the transaction commits (a page read in between
    must not cache the old ones again)."""
    forget_now_and_at_commit(ORGANISATION_CACHE_KEY)


class NotFound(Http404):
    """Missing or not visible: one error for both, so nothing leaks."""


def clean_param(value: str, limit: int = 200) -> str:
    """A user-given string made safe for any database: bounded, without NUL characters."""
    return value[: limit * 2].replace("\x00", "").strip()[:limit]


# --- Who may do what -------------------------------------------------------------------------


def can_view_people(viewer: User) -> bool:
    """Any signed-in active person, guests included (read-only for them)."""
    return bool(viewer.is_authenticated and viewer.is_active)


def can_edit_profile(viewer: User, person: User) -> bool:
    return bool(viewer.is_active and (viewer.pk == person.pk or viewer.is_admin))


def can_edit_hr_fields(viewer: User, person: User) -> bool:
    """Job title, department and manager: locked to admins when the organisation says so."""
    if not can_edit_profile(viewer, person):
        return False
    return viewer.is_admin or not get_organisation().lock_hr_fields


def can_interact(viewer: User, person: User) -> bool:
    """Endorse and follow: active non-guests, towards someone else who is active."""
    return bool(
        viewer.is_active and not viewer.is_guest and viewer.pk != person.pk and person.is_active
    )


# --- The administration's rights, by role ------------------------------------------------------
# One place says what each role may administer: the views, the API, the templates (the admin
# navigation) and the actions all ask these functions.

PEOPLE_MANAGERS = frozenset({Role.ADMIN, Role.STAFF})


def may_manage_people(user: Any) -> bool:
    """Invite, import, deactivate and reactivate people, edit departments and sites, give the
    roles below administrator: administrators and the communication/HR team."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.role in PEOPLE_MANAGERS
    )


def may_manage_settings(user: Any) -> bool:
    """The IT department's settings (sign-in, branding, messaging policy, the audit log, the
    Django admin) and the administrator role itself: administrators only."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.ADMIN
    )


def may_administer(user: Any) -> bool:
    """Whether the administration's pages open at all (the header's link)."""
    return may_manage_people(user) or may_manage_settings(user)


def assignable_roles(user: Any) -> list[Role]:
    """The roles this person may give (by invitation, import or a change of role)."""
    if may_manage_settings(user):
        return list(Role)
    if may_manage_people(user):
        return [role for role in Role if role != Role.ADMIN]
    return []


def may_manage_person(user: Any, person: User) -> bool:
    """Change the role of, deactivate or reactivate this person: an administrator's account is
    for administrators only."""
    if not may_manage_people(user):
        return False
    return person.role != Role.ADMIN or may_manage_settings(user)


def may_change_email(user: Any) -> bool:
    """Add, remove or change one's own sign-in email: the organisation's policy (on by default;
    off when sign-in addresses come from the company directory)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active) and bool(
        get_organisation().email_changes_allowed
    )


@dataclass(frozen=True)
class AdminRights:
    """What one person may open in the administration (the navigation shows only that)."""

    people: bool
    settings: bool

    @property
    def any(self) -> bool:
        return self.people or self.settings


def admin_rights(user: Any) -> AdminRights:
    return AdminRights(people=may_manage_people(user), settings=may_manage_settings(user))


# --- Profiles ----------------------------------------------------------------------------------


def _profiles() -> QuerySet[Profile]:
    return Profile.objects.select_related("user", "department", "site")


# What a person's card shows (directory, pickers, the API's summaries): reading only these
# columns spares the database and Python the long ones (bio, search text, password...).
CARD_FIELDS = (
    "sort_name",
    "photo",
    "job_title",
    "department__slug",
    "department__name",
    "site__slug",
    "site__name",
    "user__username",
    "user__first_name",
    "user__last_name",
    "user__role",
    "user__is_active",
)


def listed_profiles(viewer: User) -> QuerySet[Profile]:
    """Profiles of active people, for the directory and pickers."""
    if not can_view_people(viewer):
        return Profile.objects.none()
    return _profiles().filter(user__is_active=True)


def access_profile(viewer: User, username: str) -> Profile:
    """One person's profile by username (deactivated people's too), or NotFound."""
    if not can_view_people(viewer):
        raise NotFound
    profile = (
        _profiles()
        .select_related("manager")
        .filter(user__username=clean_param(username, 150))
        .first()
    )
    if profile is None:
        raise NotFound
    return profile


def access_profile_by_id(viewer: User, user_id: int) -> Profile:
    if not can_view_people(viewer) or not 0 < user_id < 2**63:
        raise NotFound
    profile = _profiles().select_related("manager").filter(user_id=user_id).first()
    if profile is None:
        raise NotFound
    return profile


@dataclass(frozen=True)
class SkillCard:
    """One of a person's skills as a viewer sees it: whether they endorsed it."""

    user_skill: UserSkill
    endorsed_by_viewer: bool


def profile_skills(person: User, viewer: User | None = None) -> list[SkillCard]:
    """A person's skills, best first, with whether the viewer endorsed each (two queries)."""
    skills = list(
        UserSkill.objects.filter(user=person)
        .select_related("skill")
        .order_by("-level", "-endorsement_count", "skill__name")
    )
    endorsed: set[int] = set()
    if viewer is not None and viewer.is_authenticated:
        endorsed = set(
            Endorsement.objects.filter(endorser=viewer, user_skill__user=person).values_list(
                "user_skill_id", flat=True
            )
        )
    return [SkillCard(user_skill=s, endorsed_by_viewer=s.pk in endorsed) for s in skills]


def is_following(viewer: User, person: User) -> bool:
    return Follow.objects.filter(follower=viewer, followed=person).exists()


def follower_count(person: User) -> int:
    return Follow.objects.filter(followed=person, follower__is_active=True).count()


def direct_reports(viewer: User, person: User) -> list[Profile]:
    """The active people whose manager is `person`, by name."""
    return list(listed_profiles(viewer).filter(manager=person).order_by("sort_name", "user_id"))


def manager_chain(viewer: User, profile: Profile) -> list[Profile]:
    """`profile`'s managers from the nearest up to the top, at most MAX_CHAIN_DEPTH, no cycle.

    One query per level (an indexed primary-key lookup), so a chain costs its depth in queries.
    """
    if not can_view_people(viewer):
        return []
    chain: list[Profile] = []
    seen = {profile.user_id}
    manager_id = profile.manager_id
    while manager_id is not None and manager_id not in seen and len(chain) < MAX_CHAIN_DEPTH:
        manager = _profiles().filter(user_id=manager_id).first()
        if manager is None:
            break
        chain.append(manager)
        seen.add(manager.user_id)
        manager_id = manager.manager_id
    return chain


def would_create_cycle(person: User, manager: User) -> bool:
    """True when making `manager` the manager of `person` closes a loop (or is `person`)."""
    if manager.pk == person.pk:
        return True
    current: int | None = manager.pk
    seen: set[int] = set()
    for _ in range(MAX_CHAIN_DEPTH * 10):
        if current is None or current in seen:
            return False
        if current == person.pk:
            return True
        seen.add(current)
        current = (
            Profile.objects.filter(user_id=current).values_list("manager_id", flat=True).first()
        )
    return True


def access_department(viewer: User, slug: str) -> Department:
    department = (
        Department.objects.filter(slug=clean_param(slug, 140)).first()
        if can_view_people(viewer)
        else None
    )
    if department is None:
        raise NotFound
    return department


def access_site(viewer: User, slug: str) -> Site:
    site = (
        Site.objects.filter(slug=clean_param(slug, 140)).first()
        if can_view_people(viewer)
        else None
    )
    if site is None:
        raise NotFound
    return site


def departments() -> QuerySet[Department]:
    return Department.objects.order_by("name")


def sites() -> QuerySet[Site]:
    return Site.objects.order_by("name")


# --- The directory -----------------------------------------------------------------------------


@dataclass
class DirectoryFilters:
    q: str = ""
    department: str = ""
    site: str = ""
    skill: str = ""
    sort: str = "name"


def find_record(model: type[Department] | type[Site], value: str) -> Any:
    """A department or site by slug, else by id."""
    value = clean_param(value, 140)
    if not value:
        return None
    found = model.objects.filter(slug=value).first()
    if found is None and value.isdigit() and len(value) < 19:
        found = model.objects.filter(pk=int(value)).first()
    return found


def find_skill(value: str) -> Skill | None:
    """A skill by id or by name (accent- and case-insensitive)."""
    value = clean_param(value)
    if not value:
        return None
    if value.isdigit() and len(value) < 19:
        skill = Skill.objects.filter(pk=int(value)).first()
        if skill is not None:
            return skill
    return Skill.objects.filter(normalized_name=normalize(value)[:80]).first()


def skill_suggestions(prefix: str, *, limit: int = 10) -> list[Skill]:
    """Skills whose normalised name starts with `prefix`, most held first."""
    key = normalize(clean_param(prefix))[:80]
    if not key:
        return []
    return list(
        Skill.objects.filter(normalized_name__startswith=key).order_by("normalized_name")[:limit]
    )


@functools.lru_cache(maxsize=32)
def _level_labels(language: str | None) -> dict[int, str]:
    return {level.value: str(level.label) for level in SkillLevel}


def level_labels() -> dict[int, str]:
    """The skill levels' names in the active language, translated once per language.

    A page of people or experts shows a level per skill: `get_level_display()` on each row
    rebuilds the lazily translated choices and calls gettext for every one of them.
    """
    return _level_labels(translation.get_language())


@dataclass(frozen=True)
class TopSkill:
    """A skill shown on a directory card (plain values: cheaper than model instances)."""

    skill_id: int
    name: str
    level: int
    endorsement_count: int

    @property
    def level_label(self) -> str:
        return level_labels()[self.level]


def _top_skills(user_ids: list[int]) -> dict[int, list[TopSkill]]:
    """One query for the top skills of a page of people (level, then endorsements)."""
    by_user: dict[int, list[TopSkill]] = defaultdict(list)
    if user_ids:
        rows = (
            UserSkill.objects.filter(user_id__in=user_ids)
            .order_by("user_id", "-level", "-endorsement_count", "skill__name")
            .values_list("user_id", "skill_id", "skill__name", "level", "endorsement_count")
        )
        for user_id, skill_id, name, level, count in rows:
            if len(by_user[user_id]) < TOP_SKILLS:
                by_user[user_id].append(TopSkill(skill_id, name, level, count))
    return by_user


@dataclass(frozen=True)
class ProfileCard:
    """A person in a list of people (directory, a department's or a site's page): the profile,
    with its user and records loaded, and their best skills."""

    profile: Profile
    top_skills: list[TopSkill]


@dataclass(frozen=True)
class RecordCard:
    id: int
    slug: str
    name: str


@dataclass
class PersonCard:
    """What a person's card shows, as plain values: the API's lists read these rather than
    model instances (building four models per row cost more than the query)."""

    user_id: int
    username: str
    first_name: str
    last_name: str
    role: str
    job_title: str
    photo: str
    sort_name: str
    department: RecordCard | None
    site: RecordCard | None
    top_skills: list[TopSkill] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        # As User.display_name (get_full_name, else the username).
        return f"{self.first_name} {self.last_name}".strip() or self.username

    @property
    def is_guest(self) -> bool:
        return self.role == Role.GUEST

    @property
    def photo_url(self) -> str | None:
        return str(Profile._meta.get_field("photo").storage.url(self.photo)) if self.photo else None


# The card's columns, from Profile; a prefix ("user__profile__") reads them from elsewhere.
_CARD_VALUES = (
    "user_id",
    "user__username",
    "user__first_name",
    "user__last_name",
    "user__role",
    "job_title",
    "photo",
    "sort_name",
    "department_id",
    "department__slug",
    "department__name",
    "site_id",
    "site__slug",
    "site__name",
)


def _card(row: tuple[Any, ...]) -> PersonCard:
    (user_id, username, first, last, role, job, photo, sort_name) = row[:8]
    dep_id, dep_slug, dep_name, site_id, site_slug, site_name = row[8:14]
    return PersonCard(
        user_id=user_id,
        username=username,
        first_name=first,
        last_name=last,
        role=role,
        job_title=job,
        photo=photo or "",
        sort_name=sort_name,
        department=RecordCard(dep_id, dep_slug, dep_name) if dep_id is not None else None,
        site=RecordCard(site_id, site_slug, site_name) if site_id is not None else None,
    )


@dataclass
class DirectoryPage(Page[ProfileCard]):
    # The order the items are in: "name", "relevance" (a search), or "recent" (newest first)
    # also for a search too broad to sort (see cercle.accounts.search.DENSE_MATCHES).
    sort: str = "name"
    # How many people match, when asked for (`with_count`) or known anyway; `total_is_floor`:
    # more than `total` match (a search too broad to count).
    total: int | None = None
    total_is_floor: bool = False


def _decode_directory_cursor(cursor: str) -> tuple[str, str, int, int]:
    """("recent", "", id, 0), ("name", sort_name, id, 0) or ("relevance", sort_name, id, score)."""
    score: Any = 0
    try:
        (last_id,) = decode_cursor(cursor, length=1)
        last_name: Any = ""
        kind = "recent"
    except InvalidCursor:
        try:
            last_name, last_id = decode_cursor(cursor, length=2)
            kind = "name"
        except InvalidCursor:
            score, last_name, last_id = decode_cursor(cursor, length=3)
            kind = "relevance"
        if not isinstance(last_name, str) or "\x00" in last_name:
            raise InvalidCursor("invalid cursor") from None
    for number in (last_id, score):
        if not isinstance(number, int) or not -(2**63) < number < 2**63:
            raise InvalidCursor("invalid cursor")
    return kind, last_name, last_id, score


@dataclass
class DirectoryCards(Page[PersonCard]):
    sort: str = "name"


def _directory_cursor(sort: str, sort_name: str, user_id: int, score: int = 0) -> str:
    if sort == "recent":
        return encode_cursor([user_id])
    if sort == "relevance":
        return encode_cursor([score, sort_name, user_id])
    return encode_cursor([sort_name, user_id])


@dataclass
class _DirectoryIds:
    ids: list[int]
    has_more: bool
    sort: str
    # The relevance of each id (sort "relevance"), for the next cursor.
    scores: dict[int, int] = field(default_factory=dict)
    total: int | None = None
    total_is_floor: bool = False


def directory_page(
    viewer: User,
    filters: DirectoryFilters,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    with_count: bool = False,
) -> DirectoryPage:
    """A page of active people matching the filters, as cards with their top skills.

    Costs a fixed number of queries: the filters' records (department, site, skill and a
    bounded probe of its holders: one each when given), a bounded probe of the search index
    when searching, the page's ids, their profiles, and the top skills (and with `with_count`,
    one count unless the search counted its matches already). Raises InvalidCursor for a
    cursor we did not make. Sorted by name, newest first, or by relevance (a search); a search
    matching more than DENSE_MATCHES people is served newest first (the page says which in
    `sort`).
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    found = _directory_ids(viewer, filters, cursor=cursor, limit=limit, with_count=with_count)
    ids = found.ids
    by_id = (
        {p.user_id: p for p in _profiles().only(*CARD_FIELDS).filter(user_id__in=ids)}
        if ids
        else {}
    )
    profiles = [by_id[user_id] for user_id in ids if user_id in by_id]
    next_cursor = None
    if found.has_more and profiles:
        last = profiles[-1]
        next_cursor = _directory_cursor(
            found.sort, last.sort_name, last.user_id, found.scores.get(last.user_id, 0)
        )
    top = _top_skills([p.user_id for p in profiles])
    items = [ProfileCard(profile=p, top_skills=top.get(p.user_id, [])) for p in profiles]
    return DirectoryPage(
        items=items,
        next_cursor=next_cursor,
        sort=found.sort,
        total=found.total,
        total_is_floor=found.total_is_floor,
    )


def directory_cards(
    viewer: User,
    filters: DirectoryFilters,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> DirectoryCards:
    """directory_page as plain cards (same queries, same order and cursors), for the API."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    found = _directory_ids(viewer, filters, cursor=cursor, limit=limit)
    ids, sort = found.ids, found.sort
    rows = Profile.objects.filter(user_id__in=ids).values_list(*_CARD_VALUES) if ids else []
    by_id = {card.user_id: card for card in map(_card, rows)}
    items = [by_id[user_id] for user_id in ids if user_id in by_id]
    next_cursor = None
    if found.has_more and items:
        last = items[-1]
        next_cursor = _directory_cursor(
            sort, last.sort_name, last.user_id, found.scores.get(last.user_id, 0)
        )
    top = _top_skills([card.user_id for card in items])
    for card in items:
        card.top_skills = top.get(card.user_id, [])
    return DirectoryCards(items=items, next_cursor=next_cursor, sort=sort)


def _directory_ids(
    viewer: User,
    filters: DirectoryFilters,
    *,
    cursor: str | None,
    limit: int,
    with_count: bool = False,
) -> _DirectoryIds:
    """The ids of a directory page in order, whether more follow, and the order ("sort")."""
    sort = filters.sort if filters.sort in SORTS else "name"
    empty = _DirectoryIds(ids=[], has_more=False, sort=sort, total=0)
    queryset = listed_profiles(viewer)
    if filters.department:
        department = find_record(Department, filters.department)
        if department is None:
            return empty
        queryset = queryset.filter(department=department)
    if filters.site:
        site = find_record(Site, filters.site)
        if site is None:
            return empty
        queryset = queryset.filter(site=site)
    if filters.skill:
        skill = find_skill(filters.skill)
        if skill is None:
            return empty
        holders = UserSkill.objects.filter(skill=skill)
        if (
            len(holders.values_list("pk", flat=True)[: search.DENSE_MATCHES + 1])
            > search.DENSE_MATCHES
        ):
            # Many holders: read the directory in order and test each row (unique index).
            queryset = queryset.filter(Exists(holders.filter(user_id=OuterRef("user_id"))))
        else:
            queryset = queryset.filter(user_id__in=holders.values("user_id"))
    plan = None
    if filters.q.strip():
        plan = search.plan_search(filters.q)
        if plan is None:
            return empty
        if plan.dense:
            sort = "recent"
    if sort == "relevance" and plan is None:
        sort = "name"
    last_name, last_id, last_score = "", None, 0
    if cursor:
        kind, last_name, last_id, last_score = _decode_directory_cursor(cursor)
        if kind != sort:
            raise InvalidCursor("invalid cursor")

    if sort == "relevance" and plan is not None:
        return _relevance_ids(
            filter_search(queryset, plan),
            plan,
            after=(last_score, last_name, last_id) if last_id is not None else None,
            limit=limit,
        )
    total: int | None = None
    if with_count and not (plan is not None and plan.dense):
        counted = filter_search(queryset, plan) if plan is not None else queryset
        total = counted.count()
    if sort == "recent":
        if plan is not None:
            queryset = search.filter_search_newest_first(queryset, plan, before_id=last_id)
        else:
            if last_id is not None:
                queryset = queryset.filter(user_id__lt=last_id)
            queryset = queryset.order_by("-user_id")
    else:
        if plan is not None:
            queryset = filter_search(queryset, plan)
        if last_id is not None:
            queryset = queryset.filter(
                Q(sort_name__gt=last_name) | Q(sort_name=last_name, user_id__gt=last_id)
            )
        queryset = queryset.order_by("sort_name", "user_id")

    # Two steps: the page's ids in order (narrow rows: the database sorts or walks an index
    # without carrying whole profiles), then (the caller) those profiles with their records.
    ids = list(queryset.values_list("user_id", flat=True)[: limit + 1])
    dense = plan is not None and plan.dense
    return _DirectoryIds(
        ids=ids[:limit],
        has_more=len(ids) > limit,
        sort=sort,
        total=total if not dense else search.DENSE_MATCHES,
        total_is_floor=dense,
    )


def _relevance_ids(
    queryset: QuerySet[Profile],
    plan: search.SearchPlan,
    *,
    after: tuple[int, str, int] | None,
    limit: int,
) -> _DirectoryIds:
    """A search's matches (at most DENSE_MATCHES: the probe said so) ranked by relevance, then
    name: one query for all of them, narrow rows, ranked here (`search.relevance`)."""
    rows = queryset.values_list(
        "user_id",
        "sort_name",
        "user__first_name",
        "user__last_name",
        "user__username",
        "job_title",
        "team",
        "department__name",
        "site__name",
        "search_text",
    )[: search.DENSE_MATCHES + 1]
    ranked: list[tuple[int, str, int]] = []
    for user_id, sort_name, first, last, username, title, team, dep, site, text in rows:
        score = search.relevance(
            plan.words,
            name=f"{first} {last} {username}",
            job_title=title,
            places=f"{team} {dep or ''} {site or ''}",
            search_text=text,
        )
        ranked.append((score, sort_name, user_id))
    ranked.sort(key=lambda row: (-row[0], row[1], row[2]))
    total = len(ranked)
    if after is not None:
        a_score, a_name, a_id = after
        ranked = [r for r in ranked if (-r[0], r[1], r[2]) > (-a_score, a_name, a_id)]
    page = ranked[: limit + 1]
    return _DirectoryIds(
        ids=[user_id for _score, _name, user_id in page[:limit]],
        has_more=len(page) > limit,
        sort="relevance",
        scores={user_id: score for score, _name, user_id in page[:limit]},
        total=total,
    )


def people_picker(viewer: User, query: str, *, limit: int = 10) -> list[Profile]:
    """Active people matching `query`, for pickers (manager, mentions): never deactivated ones."""
    if not query.strip():
        return []
    return [
        card.profile
        for card in directory_page(viewer, DirectoryFilters(q=query), limit=limit).items
    ]


def pickable_person(viewer: User, username: str) -> User | None:
    """An active person by username, as a picker may choose (None when missing or deactivated)."""
    if not can_view_people(viewer):
        return None
    return User.objects.filter(username=clean_param(username, 150), is_active=True).first()


def people_named(usernames: Iterable[str]) -> QuerySet[User]:
    """Active people whose username is one of `usernames`, case aside ("@Zoé" finds zoé): the
    people an @mention may name (`cercle.core.text.resolve` picks among them). Case is compared
    by the database: on SQLite, for ASCII letters only."""
    names = sorted({clean_param(name, 150) for name in usernames} - {""})
    if not names:
        return User.objects.none()
    named = Q()
    for name in names:
        named |= Q(username__iexact=name)
    return User.objects.filter(named, is_active=True).order_by("pk")


# --- The expert finder -------------------------------------------------------------------------


def _experts(viewer: User, skill: Skill, *, cursor: str | None) -> QuerySet[UserSkill] | None:
    """Active holders of `skill` after the cursor, best first (the expert_rank index)."""
    if not can_view_people(viewer):
        return None
    queryset = UserSkill.objects.filter(skill=skill, user__is_active=True)
    if cursor:
        level, count, last_user = decode_cursor(cursor, length=3)
        if not all(isinstance(v, int) and -(2**63) < v < 2**63 for v in (level, count, last_user)):
            raise InvalidCursor("invalid cursor")
        queryset = queryset.filter(
            Q(level__lt=level)
            | Q(level=level, endorsement_count__lt=count)
            | Q(level=level, endorsement_count=count, user_id__gt=last_user)
        )
    return queryset.order_by("-level", "-endorsement_count", "user_id")


def experts_page(
    viewer: User,
    skill: Skill,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page[UserSkill]:
    """Active holders of `skill`, best first: level, then endorsements (the expert_rank index)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    queryset = _experts(viewer, skill, cursor=cursor)
    if queryset is None:
        return Page(items=[], next_cursor=None)
    queryset = queryset.select_related(
        "skill", "user", "user__profile", "user__profile__department", "user__profile__site"
    ).only(
        "level",
        "endorsement_count",
        "user_id",
        "skill_id",
        "skill__name",
        *(f"user__profile__{name}" for name in CARD_FIELDS if not name.startswith("user__")),
        *(name for name in CARD_FIELDS if name.startswith("user__")),
    )
    items = list(queryset[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor([last.level, last.endorsement_count, last.user_id])
    return Page(items=items, next_cursor=next_cursor)


@dataclass
class ExpertCard:
    """An expert as plain values, for the API (see PersonCard)."""

    person: PersonCard
    skill_id: int
    skill_name: str
    level: int
    endorsement_count: int

    @property
    def level_label(self) -> str:
        return level_labels()[self.level]

    @property
    def reason(self) -> str:
        return _reason(self.skill_name, self.level, self.endorsement_count)


def expert_cards(
    viewer: User,
    skill: Skill,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page[ExpertCard]:
    """experts_page as plain cards (one query, same order and cursors), for the API."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    queryset = _experts(viewer, skill, cursor=cursor)
    if queryset is None:
        return Page(items=[], next_cursor=None)
    rows = list(
        queryset.values_list(
            "level",
            "endorsement_count",
            # The card's columns: the person's own ("user_id", "user__...") are reached
            # from UserSkill by the same names, the profile's through user__profile.
            *(
                name if name.startswith("user") else f"user__profile__{name}"
                for name in _CARD_VALUES
            ),
        )[: limit + 1]
    )
    items = [
        ExpertCard(
            person=_card(row[2:]),
            skill_id=skill.pk,
            skill_name=skill.name,
            level=row[0],
            endorsement_count=row[1],
        )
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor([last.level, last.endorsement_count, last.person.user_id])
    return Page(items=items, next_cursor=next_cursor)


# --- The expert finder's search: words within skill names, and spoken languages ---------------

# How many skills a search may match (exact ones first): past that the query is too vague.
MAX_MATCHED_SKILLS = 50
# A match's score, lower first: its kind (the exact name of a skill or language, then a word
# of it), then the level (a spoken language counts as level 0: below any skill), then the
# endorsements.
_KIND_STEP = 10**8
_LEVEL_STEP = 10**7
_MAX_COUNT = _LEVEL_STEP - 1
_NO_MATCH = 10 * _KIND_STEP


@dataclass(frozen=True)
class ExpertSearch:
    """What an expert search matched: skills (exact name first) and spoken languages."""

    query: str
    exact_skills: list[Skill]
    word_skills: list[Skill]
    languages: list[LanguageMatch]

    @property
    def skills(self) -> list[Skill]:
        return [*self.exact_skills, *self.word_skills]

    @property
    def language_names(self) -> list[str]:
        return [language_display_name(match.key) for match in self.languages]

    @property
    def matched(self) -> bool:
        return bool(self.exact_skills or self.word_skills or self.languages)


def expert_search(query: str) -> ExpertSearch | None:
    """The skills and languages a search for experts matches: a skill whose normalised name is
    the query, or each of whose query words starts a word of its name ("sap" finds "SAP" and
    "SAP FI", "fi sap" finds "SAP FI"); a language by its French or English name. None when the
    query has no word."""
    words = search.query_words(clean_param(query))
    if not words:
        return None
    whole = normalize(clean_param(query))[:80]
    # Candidates hold the query's longest word somewhere (one scan of the skill names, a small
    # table), then each is checked word by word.
    longest = max(words, key=len)
    exact: list[Skill] = []
    word: list[Skill] = []
    for skill in Skill.objects.filter(normalized_name__contains=longest).order_by(
        "normalized_name"
    )[: MAX_MATCHED_SKILLS * 10]:
        if skill.normalized_name == whole:
            exact.append(skill)
        else:
            names = search.query_words(skill.normalized_name)
            if all(any(w.startswith(q) for w in names) for q in words):
                word.append(skill)
    word = word[: max(0, MAX_MATCHED_SKILLS - len(exact))]
    return ExpertSearch(
        query=whole,
        exact_skills=exact,
        word_skills=word,
        languages=matching_languages(words, whole),
    )


def expert_search_for(value: str) -> ExpertSearch | None:
    """`expert_search`, where a skill's id also names it (the API's `skill=42`): the one search
    of the expert finder's page and of `GET /api/v1/experts`."""
    value = clean_param(value)
    if value.isdigit() and len(value) < 19:
        skill = Skill.objects.filter(pk=int(value)).first()
        if skill is not None:
            return ExpertSearch(
                query=skill.normalized_name, exact_skills=[skill], word_skills=[], languages=[]
            )
    return expert_search(value)


@dataclass(frozen=True)
class ExpertResult:
    """One person found by the expert finder, with why: their best matching skill (level,
    endorsements) or the language they speak."""

    profile: Profile
    skill_name: str
    level: int
    endorsement_count: int
    language: str
    exact: bool
    skill_id: int | None = None

    @property
    def reason(self) -> str:
        if self.language and not self.skill_name:
            return gettext("Speaks %(language)s") % {"language": self.language}
        return _reason(self.skill_name, self.level, self.endorsement_count)


def _skill_score(exact_ids: list[int]) -> Any:
    kind: Any = (
        Case(When(skill_id__in=exact_ids, then=Value(0)), default=Value(_KIND_STEP))
        if exact_ids
        else Value(_KIND_STEP)
    )
    return (
        kind
        + (Value(SkillLevel.EXPERT) - F("level")) * Value(_LEVEL_STEP)
        + Value(_MAX_COUNT)
        - F("endorsement_count")
    )


def _language_score(exact: bool) -> int:
    return (0 if exact else _KIND_STEP) + int(SkillLevel.EXPERT) * _LEVEL_STEP + _MAX_COUNT


def find_experts(
    viewer: User,
    found: ExpertSearch,
    *,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page[ExpertResult]:
    """Active people holding a matched skill or speaking a matched language, once each, best
    first: exact matches, then word matches; within each, by level then endorsements (a spoken
    language after every skill). A fixed number of queries: the ranked page's ids, their
    profiles, their matching skills and (when languages matched) languages."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    empty: Page[ExpertResult] = Page(items=[], next_cursor=None)
    if not can_view_people(viewer) or not found.matched:
        return empty
    skill_ids = [s.pk for s in found.skills]
    exact_ids = [s.pk for s in found.exact_skills]
    exact_keys = [m.key for m in found.languages if m.exact]
    word_keys = [m.key for m in found.languages if not m.exact]
    holders = Q(user_id__in=UserSkill.objects.filter(skill_id__in=skill_ids).values("user_id"))
    speakers = Q(
        user_id__in=SpokenLanguage.objects.filter(key__in=exact_keys + word_keys).values("user_id")
    )
    scores: list[Any] = []
    if skill_ids:
        scores.append(
            Coalesce(
                Subquery(
                    UserSkill.objects.filter(user_id=OuterRef("user_id"), skill_id__in=skill_ids)
                    .annotate(score=_skill_score(exact_ids))
                    .order_by("score")
                    .values("score")[:1]
                ),
                Value(_NO_MATCH),
            )
        )
    if exact_keys or word_keys:
        whens = []
        for keys, exact in ((exact_keys, True), (word_keys, False)):
            if keys:
                spoken = SpokenLanguage.objects.filter(user_id=OuterRef("user_id"), key__in=keys)
                whens.append(When(Exists(spoken), then=Value(_language_score(exact))))
        scores.append(Case(*whens, default=Value(_NO_MATCH)))
    best: Any = scores[0] if len(scores) == 1 else Least(*scores)
    if skill_ids and (exact_keys or word_keys):
        wanted = holders | speakers
    else:
        wanted = holders if skill_ids else speakers
    queryset = (
        Profile.objects.filter(wanted, user__is_active=True)
        .annotate(best=best)
        .order_by("best", "user_id")
    )
    if cursor:
        last_score, last_user = decode_cursor(cursor, length=2)
        if not all(isinstance(v, int) and -(2**63) < v < 2**63 for v in (last_score, last_user)):
            raise InvalidCursor("invalid cursor")
        queryset = queryset.filter(
            Q(best__gt=last_score) | Q(best=last_score, user_id__gt=last_user)
        )
    rows = list(queryset.values_list("user_id", "best")[: limit + 1])
    page_rows = rows[:limit]
    ids = [user_id for user_id, _score in page_rows]
    profiles = (
        {p.user_id: p for p in _profiles().only(*CARD_FIELDS).filter(user_id__in=ids)}
        if ids
        else {}
    )
    best_skill: dict[int, UserSkill] = {}
    if skill_ids and ids:
        for user_skill in (
            UserSkill.objects.filter(user_id__in=ids, skill_id__in=skill_ids)
            .select_related("skill")
            .annotate(score=_skill_score(exact_ids))
            .order_by("user_id", "score")
        ):
            best_skill.setdefault(user_skill.user_id, user_skill)
    spoken_by: dict[int, str] = {}
    if (exact_keys or word_keys) and ids:
        order = {key: i for i, key in enumerate(exact_keys + word_keys)}
        for user_id, key in sorted(
            SpokenLanguage.objects.filter(
                user_id__in=ids, key__in=exact_keys + word_keys
            ).values_list("user_id", "key"),
            key=lambda row: order[row[1]],
        ):
            spoken_by.setdefault(user_id, language_display_name(key))
    items: list[ExpertResult] = []
    for user_id, score in page_rows:
        profile = profiles.get(user_id)
        if profile is None:
            continue
        held = best_skill.get(user_id)
        by_language = held is None or score > held.score  # type: ignore[attr-defined]
        items.append(
            ExpertResult(
                profile=profile,
                skill_name="" if by_language or held is None else held.skill.name,
                level=0 if by_language or held is None else held.level,
                endorsement_count=0 if by_language or held is None else held.endorsement_count,
                language=spoken_by.get(user_id, "") if by_language else "",
                exact=score < _KIND_STEP,
                skill_id=None if by_language or held is None else held.skill_id,
            )
        )
    next_cursor = None
    if len(rows) > limit and page_rows:
        next_cursor = encode_cursor([page_rows[-1][1], page_rows[-1][0]])
    return Page(items=items, next_cursor=next_cursor)


def _reason(skill_name: str, level: int, count: int) -> str:
    parts = [skill_name, level_labels()[level]]
    if count:
        parts.append(
            ngettext("endorsed by %(count)d", "endorsed by %(count)d", count) % {"count": count}
        )
    return " · ".join(parts)


def expert_reason(user_skill: UserSkill) -> str:
    """Why someone ranks: "Python · expert · endorsed by 7" (translated)."""
    return _reason(user_skill.skill.name, user_skill.level, user_skill.endorsement_count)


# --- API tokens --------------------------------------------------------------------------------


def user_for_api_token(secret: str) -> User | None:
    """The active owner of an unexpired personal access token, else None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(secret), user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None
    return token.user


# --- Personal access tokens and invitations (auth).


def api_token_for_secret(secret: str) -> ApiToken | None:
    """The unexpired token of an active person matching a secret (one query), else None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(secret), user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None
    return token


def own_api_tokens(user: User) -> QuerySet[ApiToken]:
    """One's personal access tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def access_own_api_token(user: User, token_id: int) -> ApiToken:
    """One of one's tokens; another person's and a missing one raise the same Http404."""
    if not 0 < token_id < 2**63:
        raise Http404
    token = own_api_tokens(user).filter(pk=token_id).first()
    if token is None:
        raise Http404
    return token


def valid_invitation(secret: str) -> Invitation | None:
    """The pending, unexpired invitation of an active person a link's secret designates."""
    invitation = (
        Invitation.objects.select_related("user")
        .filter(token_hash=hash_token(secret), accepted_at__isnull=True, user__is_active=True)
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now():
        return None
    return invitation


@dataclass
class SecurityStatus:
    """What one's Security page shows as on or off."""

    has_password: bool
    totp: bool
    recovery_codes_left: int | None
    security_keys: int
    passkeys: int
    sessions: int


def security_status(user: User) -> SecurityStatus:
    """One's own sign-in methods (three queries)."""
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    totp = False
    recovery_codes_left: int | None = None
    security_keys = passkeys = 0
    for authenticator in Authenticator.objects.filter(user=user):
        if authenticator.type == Authenticator.Type.TOTP:
            totp = True
        elif authenticator.type == Authenticator.Type.RECOVERY_CODES:
            recovery_codes_left = len(authenticator.wrap().get_unused_codes())
        elif authenticator.type == Authenticator.Type.WEBAUTHN:
            if authenticator.wrap().is_passwordless:
                passkeys += 1
            else:
                security_keys += 1
    return SecurityStatus(
        has_password=user.has_usable_password(),
        totp=totp,
        recovery_codes_left=recovery_codes_left,
        security_keys=security_keys,
        passkeys=passkeys,
        sessions=UserSession.objects.filter(user=user).count(),
    )
