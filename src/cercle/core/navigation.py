"""The navigation every page shows, filled by the modules: the side navigation's sections
(desktop, from 64rem: my spaces, my conversations, as Teams, Slack and Viva Engage show them), the
main navigation's links (the phone's bottom bar) and the account menu's links.

Core knows no module: each registers its section (`register_section`) from its `apps.py` — spaces
its "My spaces" (favourites first), chat its "Conversations" (with unread counts) — with a
function that lists the viewer's links in one query. `sections_for(request)` runs them once per
request (the page's template tag may ask again: the answer is kept for the request) and keeps
the sections that have links, in their `order`.

The main navigation is a row of tabs from 48rem and, on phones, a bar of icons: its first
`PHONE_BAR_LINKS` links, then "More", a disclosure listing the others (the template draws it from
`more_links`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from weakref import WeakKeyDictionary

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from cercle.accounts.models import User


@dataclass(frozen=True)
class NavLink:
    """One destination of a section: its name, address and marks."""

    label: str
    url: str
    unread: int = 0  # a count shown as a badge (conversations)
    new: bool = False  # something new, without a count (a space's new posts)
    favourite: bool = False
    current: bool = False


@dataclass(frozen=True)
class NavSection:
    key: str
    title: Promise
    # The viewer's links: one query, at most `limit` of them.
    links: Callable[[User, int], list[NavLink]]
    # "All my spaces", "All conversations": where the whole list is.
    more_label: Promise
    more_url: Callable[[], str]
    order: int = 50
    limit: int = 8


@dataclass(frozen=True)
class ShownSection:
    key: str
    title: str
    links: list[NavLink]
    more_label: str
    more_url: str


@functools.lru_cache(maxsize=16384)
def _link_url(prefix: str, urlconf: Any, name: str, args: tuple[str | int, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=args or None)


def link_url(name: str, *args: str | int) -> str:
    """`reverse(name, args=args)`, kept per script prefix and URL configuration: the menus and
    the side navigation ask for about twenty addresses on every page, ~100 Python calls each
    (issue 15)."""
    return _link_url(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, name, args)


SECTIONS: dict[str, NavSection] = {}
_SHOWN: WeakKeyDictionary[HttpRequest, list[ShownSection]] = WeakKeyDictionary()


def register_section(section: NavSection) -> None:
    SECTIONS[section.key] = section


def _mark_current(links: list[NavLink], path: str) -> list[NavLink]:
    # Only the current page's link is made anew (a frozen link costs ~8 calls to make).
    out = []
    for link in links:
        current = path == link.url or (link.url != "/" and path.startswith(link.url))
        out.append(link if link.current == current else dataclasses.replace(link, current=current))
    return out


def sections_for(request: HttpRequest) -> list[ShownSection]:
    """The sections for the signed-in viewer of `request` (none for someone signed out), computed
    once per request."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    if request in _SHOWN:
        return _SHOWN[request]
    shown = []
    for section in sorted(SECTIONS.values(), key=lambda s: (s.order, s.key)):
        links = section.links(user, section.limit)
        shown.append(
            ShownSection(
                key=section.key,
                title=str(section.title),
                links=_mark_current(links, request.path),
                more_label=str(section.more_label),
                more_url=section.more_url(),
            )
        )
    _SHOWN[request] = shown
    return shown


# --- The main navigation and the account menu ----------------------------------------------------


def _everyone(user: User) -> bool:
    return True


@dataclass(frozen=True)
class MenuLink:
    """A link of the main navigation (`place="main"`: Home, People, Spaces, Messages, Agenda…) or
    of the account menu (`place="account"`: My profile, My documents, Settings…)."""

    key: str
    label: Promise
    url: Callable[[User], str]
    place: Literal["main", "account"]
    order: int = 50
    # Whom it is shown to (the Administration link: those with an administration right).
    shown: Callable[[User], bool] = _everyone
    # The page is the link's when its path starts with this ("" : when it is the link's URL).
    current_prefix: str = ""
    # The main navigation's icon on phones (a class of cercle.css: nav-home, nav-people…).
    css_class: str = ""
    # A link that draws itself (Messages, with its unread badge kept live by realtime.js).
    render: Callable[[HttpRequest], SafeString] | None = None


@dataclass(frozen=True)
class ShownMenuLink:
    key: str
    label: str
    url: str
    current: bool
    css_class: str
    html: SafeString | None
    # "wide": shown from 48rem only (an admin's extra link in the main navigation: a sixth icon
    # would not fit the phone's bar), "phone": below 48rem only (its copy in the account menu).
    screens: Literal["", "wide", "phone"] = ""
    # On phones, in the bar's "More" menu rather than the bar itself (`PHONE_BAR_LINKS`).
    in_more: bool = False


# The phone's bar (below 48rem) holds this many of the main navigation's links, then a "More"
# entry that opens the others: five columns fit 360 px with the French labels ("Messages" is
# clipped by a sixth).
PHONE_BAR_LINKS = 4

MENU_LINKS: dict[str, MenuLink] = {}
# Links known only at request time (the admins' own links, `cercle.homepage`): a function of the
# request and the place giving the links to add after the registered ones, in a fixed number of
# queries (none once cached).
MENU_SOURCES: list[Callable[[HttpRequest, str], list[ShownMenuLink]]] = []


def register_menu_link(link: MenuLink) -> None:
    MENU_LINKS[link.key] = link


def register_menu_source(source: Callable[[HttpRequest, str], list[ShownMenuLink]]) -> None:
    if source not in MENU_SOURCES:
        MENU_SOURCES.append(source)


def menu_links(request: HttpRequest, place: str) -> list[ShownMenuLink]:
    """The links of `place` shown to the signed-in viewer of `request`, in their `order`."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    shown = []
    for link in sorted(MENU_LINKS.values(), key=lambda item: (item.order, item.key)):
        if link.place != place or not link.shown(user):
            continue
        url = link.url(user)
        if link.current_prefix:
            current = request.path.startswith(link.current_prefix)
        else:
            current = request.path == url
        shown.append(
            ShownMenuLink(
                key=link.key,
                label=str(link.label),
                url=url,
                current=current,
                css_class=link.css_class,
                html=link.render(request) if link.render is not None else None,
            )
        )
    if place == "main" and len(shown) > PHONE_BAR_LINKS + 1:
        # Past the bar's room, a link is a tab from 48rem and an item of "More" on phones (when
        # only one would go there, it takes the "More" entry's place instead).
        shown = shown[:PHONE_BAR_LINKS] + [
            dataclasses.replace(link, screens="wide", in_more=True)
            for link in shown[PHONE_BAR_LINKS:]
        ]
    for source in MENU_SOURCES:
        shown.extend(source(request, place))
    return shown


def more_links(links: list[ShownMenuLink]) -> list[ShownMenuLink]:
    """The links of the phone bar's "More" menu, among the main navigation's `links`."""
    return [link for link in links if link.in_more]
