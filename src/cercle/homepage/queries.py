"""Reads of the home page's composition: the admins' links and parts, kept in the cache as one
`HomeConfig` (read once per request, no query while cached; written again by every action), and
what one viewer sees of them — their site's and department's links and parts only.

Targeting, as announcements do it: an item naming no site and no department is for everyone;
otherwise it is for the people of one of its departments or of one of its sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from weakref import WeakKeyDictionary

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Role, User
from cercle.core.panels import HomeLayout
from cercle.core.requests import current_request
from cercle.homepage.models import HomeLink, HomePart

CONFIG_CACHE_KEY = "cercle.homepage.config"
CONFIG_TIMEOUT = 300
NEW_ARRIVAL_DAYS = 30
NEW_ARRIVALS_SHOWN = 6


@dataclass(frozen=True)
class Icon:
    key: str
    emoji: str
    label: Promise  # its text alternative, read by screen readers


# The icons admins pick from: a small fixed set (an emoji and what it stands for).
ICONS: dict[str, Icon] = {
    icon.key: icon
    for icon in (
        Icon("link", "🔗", _("Link")),
        Icon("document", "📄", _("Document")),
        Icon("expenses", "🧾", _("Expenses")),
        Icon("directory", "📇", _("Directory")),
        Icon("support", "🛠️", _("IT support")),
        Icon("calendar", "📅", _("Calendar")),
        Icon("leave", "🏖️", _("Time off")),
        Icon("hr", "💼", _("Human resources")),
        Icon("training", "🎓", _("Training")),
        Icon("canteen", "🍽️", _("Canteen")),
        Icon("travel", "🚆", _("Travel")),
        Icon("help", "💬", _("Help")),
    )
}


@dataclass(frozen=True)
class Part:
    key: str
    label: Promise
    position: int  # its default place, from 1
    shown: bool  # shown by default


# The home's parts admins arrange (the feed is always last). Their keys are those of the panels
# (`cercle.core.panels`) and of the feed's home sections (announcements) that draw them.
PARTS: dict[str, Part] = {
    part.key: part
    for part in (
        Part("quick_links", _("Quick links"), 1, True),
        Part("news", _("Featured news"), 2, True),
        Part("announcements", _("Announcements"), 3, True),
        Part("agenda", _("Upcoming events"), 4, True),
        # Off until admins turn it on: a query more on the busiest page.
        Part("new_arrivals", _("New arrivals"), 5, False),
    )
}


FEED_LABEL = _("Feed")


@dataclass(frozen=True)
class Targets:
    site_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()

    @property
    def everyone(self) -> bool:
        return not self.site_ids and not self.department_ids

    def reach(self, place: tuple[int | None, int | None]) -> bool:
        site_id, department_id = place
        return self.everyone or site_id in self.site_ids or department_id in self.department_ids


@dataclass(frozen=True)
class LinkEntry:
    pk: int
    place: str
    label_fr: str
    label_en: str
    url: str
    icon: str
    targets: Targets

    def label(self, language: str | None = None) -> str:
        """The label in the viewer's language, else in the other one."""
        language = (language or translation.get_language() or "fr")[:2]
        if language == "en":
            return self.label_en or self.label_fr
        return self.label_fr or self.label_en

    @property
    def icon_info(self) -> Icon:
        return ICONS.get(self.icon, ICONS["link"])


@dataclass(frozen=True)
class PartEntry:
    key: str
    shown: bool
    position: int
    targets: Targets


@dataclass(frozen=True)
class HomeConfig:
    links: tuple[LinkEntry, ...]
    parts: dict[str, PartEntry]  # only the parts admins have set

    @property
    def targeted(self) -> bool:
        """Whether anything is for some people only (then the viewer's profile is read)."""
        return any(not link.targets.everyone for link in self.links) or any(
            not part.targets.everyone for part in self.parts.values()
        )


def _targets(item: HomeLink | HomePart) -> Targets:
    return Targets(
        site_ids=frozenset(site.pk for site in item.sites.all()),
        department_ids=frozenset(d.pk for d in item.departments.all()),
    )


def load_config() -> HomeConfig:
    """Read from the database (at most six queries: two when nothing is set)."""
    links = HomeLink.objects.prefetch_related("sites", "departments").order_by(
        "place", "position", "pk"
    )
    parts = HomePart.objects.prefetch_related("sites", "departments")
    return HomeConfig(
        links=tuple(
            LinkEntry(
                pk=link.pk,
                place=link.place,
                label_fr=link.label_fr,
                label_en=link.label_en,
                url=link.url,
                icon=link.icon,
                targets=_targets(link),
            )
            for link in links
        ),
        parts={
            part.key: PartEntry(
                key=part.key, shown=part.shown, position=part.position, targets=_targets(part)
            )
            for part in parts
            if part.key in PARTS
        },
    )


# Read once per request (the home's layout, its panel, the header's menu all ask for it).
_READ: WeakKeyDictionary[HttpRequest, HomeConfig] = WeakKeyDictionary()


def home_config() -> HomeConfig:
    """The composition, from this request's first read, the cache (no query) or the database."""
    request = current_request()
    if request is not None and (known := _READ.get(request)) is not None:
        return known
    found = cache.get(CONFIG_CACHE_KEY)
    if not isinstance(found, HomeConfig):
        found = load_config()
        cache.set(CONFIG_CACHE_KEY, found, CONFIG_TIMEOUT)
    if request is not None:
        _READ[request] = found
    return found


def forget_config() -> None:
    cache.delete(CONFIG_CACHE_KEY)
    if (request := current_request()) is not None:
        _READ.pop(request, None)


def viewer_place(user: Any) -> tuple[int | None, int | None]:
    """(site id, department id) of the viewer's profile (a query, unless already loaded)."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return None, None
    return profile.site_id, profile.department_id


def _place_if_needed(user: Any, config: HomeConfig) -> tuple[int | None, int | None]:
    return viewer_place(user) if config.targeted else (None, None)


def links_for(user: Any, place: str, config: HomeConfig | None = None) -> list[LinkEntry]:
    """The links of `place` ("home", "menu") for `user`, in their order."""
    config = config or home_config()
    links = [link for link in config.links if link.place == place]
    if not links:
        return []
    where = _place_if_needed(user, config)
    return [link for link in links if link.targets.reach(where)]


@dataclass(frozen=True)
class ShownPart:
    key: str
    label: Promise
    position: int


def parts_for(user: Any, config: HomeConfig | None = None) -> list[ShownPart]:
    """The home's parts shown to `user`, in order (the feed, always last, is not one of them)."""
    config = config or home_config()
    where = _place_if_needed(user, config)
    shown: list[tuple[tuple[int, int, int], ShownPart]] = []
    for key, part in PARTS.items():
        entry = config.parts.get(key)
        if entry is None:
            if part.shown:  # its default place; a part admins placed there comes first
                shown.append(
                    ((part.position, 1, part.position), ShownPart(key, part.label, part.position))
                )
        elif entry.shown and entry.targets.reach(where):
            shown.append(
                ((entry.position, 0, part.position), ShownPart(key, part.label, entry.position))
            )
    return [part for _rank, part in sorted(shown, key=lambda item: item[0])]


def layout_for(user: User) -> HomeLayout:
    """The `cercle.core.panels.HomeLayout` of `user`: the parts' places, the others hidden."""
    config = home_config()
    shown = parts_for(user, config)
    # Positions 1, 2… become 10, 20… in the panels' scale: the newcomer's checklist (5) stays
    # first, the modules' panels no part names keep their own order.
    positions = {part.key: (index + 1) * 10 for index, part in enumerate(shown)}
    hidden = frozenset(PARTS) - {part.key for part in shown}
    return HomeLayout(positions=positions, hidden=hidden)


def new_arrivals(limit: int = NEW_ARRIVALS_SHOWN) -> list[User]:
    """People who joined in the last 30 days, newest first (guests aside): one query."""
    since = timezone.now() - timedelta(days=NEW_ARRIVAL_DAYS)
    return list(
        User.objects.filter(is_active=True, date_joined__gte=since)
        # Invited but not yet arrived: not shown.
        .filter(Q(invitation__isnull=True) | Q(invitation__accepted_at__isnull=False))
        .exclude(role=Role.GUEST)
        .select_related("profile")
        .order_by("-date_joined", "-pk")[:limit]
    )


# --- The administrators' page ------------------------------------------------------------------


def all_links(place: str) -> QuerySet[HomeLink]:
    return (
        HomeLink.objects.filter(place=place)
        .prefetch_related("sites", "departments")
        .order_by("position", "pk")
    )


def access_link(link_id: int) -> HomeLink:
    link = HomeLink.objects.filter(pk=link_id).first()
    if link is None:
        raise Http404(_("No such link."))
    return link


def part_settings() -> dict[str, HomePart]:
    """The parts' rows admins have saved, by key."""
    return {part.key: part for part in HomePart.objects.prefetch_related("sites", "departments")}
