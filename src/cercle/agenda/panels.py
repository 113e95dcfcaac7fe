"""The agenda outside its pages: "Today and coming" on the home page (`cercle.core.panels`), the
coming events on a space's page (`cercle.spaces.registry.register_panel`), and a section of the
side navigation (`cercle.core.navigation`). Registered by `AgendaConfig.ready()`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.agenda import queries
from cercle.agenda.models import Calendar
from cercle.agenda.recurrence import Window, get_zone
from cercle.core.navigation import NavLink, NavSection, register_section
from cercle.core.panels import HomePanel, register_home_panel
from cercle.spaces.queries import SpaceView, has_module
from cercle.spaces.registry import SpacePanel, register_panel

HOME_DAYS = 7
# The key names the versions of what the panel shows (`queries.home_panel_key`,
# `queries.space_panel_key`: moved by `listeners`), the day, the zone and the person's role: the
# time limit only bounds what a raw `update()` elsewhere could leave stale. At a minute, half of
# the load test's home pages rebuilt the panel (~20 ms of CPU each; issue 15).
PANEL_SECONDS = 15 * 60
SPACE_DAYS = 14
SHOWN = 5


def _zone(user: User) -> str:
    try:
        get_zone(user.time_zone)
    except ValidationError:
        return "UTC"
    return user.time_zone


def _coming(
    user: User,
    calendars: Callable[[], list[Calendar]],
    days: int,
    *,
    invitations: bool,
    cache_key: str,
) -> Any:
    """The occurrences of the coming `days` that have not ended, at most SHOWN. The window's
    occurrences are kept in the cache for PANEL_SECONDS under `cache_key` (the versions of what
    they show), the zone and the day, so that the home page and space walls, the load test's
    busiest pages, do not build the agenda's visibility rules at every view (issue 15)."""
    zone = _zone(user)
    now = timezone.now()
    today = now.astimezone(ZoneInfo(zone)).date()
    key = f"{cache_key}:{zone}:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        window = Window(
            dt.datetime.combine(today, dt.time(), tzinfo=ZoneInfo(zone)),
            dt.datetime.combine(today + dt.timedelta(days=days), dt.time(), tzinfo=ZoneInfo(zone)),
            zone,
        )
        found = queries.occurrences_between(user, window, calendars(), with_invitations=invitations)
        cache.set(key, found, PANEL_SECONDS)
    # What has not ended yet (all-day events of today stay).
    found = [o for o in found if o.timing.all_day or (o.timing.end and o.timing.end > now)]
    return found[:SHOWN], today


def home_panel(user: User) -> Mapping[str, Any] | None:
    """My next events (mine, my spaces', those I am invited to) in the coming week; no query
    while the cache holds them and what they may show (`queries.home_panel_key`)."""
    if not user.is_active:
        return None
    items, today = _coming(
        user,
        lambda: list(queries.my_calendars(user)),
        HOME_DAYS,
        invitations=True,
        cache_key=queries.home_panel_key(user),
    )
    return {"items": items, "today": today}


def space_panel(user: User, view: SpaceView) -> Mapping[str, Any] | None:
    space = view.space
    if not view.can_read or not has_module(space, queries.MODULE):
        return None
    calendar_id, key = queries.space_panel_key(user, space.pk)
    if calendar_id is None:
        return None
    # Shared by the space's readers: a space calendar's events look the same to all of them (only
    # personal calendars have events seen as "busy").
    items, today = _coming(
        user,
        lambda: list(Calendar.objects.select_related("space").filter(pk=calendar_id)),
        SPACE_DAYS,
        invitations=False,
        cache_key=key,
    )
    if not items:
        return None
    return {"items": items, "today": today, "space": space}


def navigation_links(user: User, limit: int) -> list[NavLink]:
    """A fixed link: no query."""
    return [NavLink(label=_("The coming days"), url=reverse("agenda"))]


def register() -> None:
    register_home_panel(
        HomePanel(key="agenda", template="agenda/_home_panel.html", load=home_panel, order=40)
    )
    register_panel(
        SpacePanel(key="agenda", template="agenda/_space_panel.html", load=space_panel, order=40)
    )
    register_section(
        NavSection(
            key="agenda",
            # Not "Agenda": a space's Agenda page has a region of that name already.
            title=gettext_lazy("My agenda"),
            links=navigation_links,
            more_label=gettext_lazy("This week"),
            more_url=lambda: reverse("agenda") + "?view=week",
            order=30,
            limit=1,
        )
    )
