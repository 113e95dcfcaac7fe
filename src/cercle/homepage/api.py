"""The home page over the API (`GET /api/v1/home`): what a mobile client needs to draw it — the
person's quick links and header links, the parts shown to them in order, and each part's
content in short (the feed itself is `GET /api/v1/feed`). A fixed number of queries."""

from __future__ import annotations

from django.urls import reverse
from ninja import Router

from cercle.accounts.models import User
from cercle.agenda.panels import home_panel as agenda_panel
from cercle.announcements.queries import active_announcements
from cercle.core.typing import AuthenticatedRequest
from cercle.homepage import queries
from cercle.homepage.schemas import (
    HomeAnnouncementOut,
    HomeEventOut,
    HomeIconOut,
    HomeLinkOut,
    HomeNewsOut,
    HomeOut,
    HomePartOut,
)
from cercle.news.queries import featured
from cercle.spaces.schemas import PersonRef

router = Router(tags=["home"])


def _link(link: queries.LinkEntry) -> HomeLinkOut:
    icon = link.icon_info
    return HomeLinkOut(
        id=link.pk,
        label=link.label(),
        label_fr=link.label_fr,
        label_en=link.label_en,
        url=link.url,
        icon=HomeIconOut(key=icon.key, emoji=icon.emoji, label=str(icon.label)),
    )


def _ref(user: User) -> PersonRef:
    return PersonRef(id=user.pk, username=user.username, display_name=user.display_name)


def _person(user: User | None) -> PersonRef | None:
    return _ref(user) if user is not None else None


def _events(user: User) -> list[HomeEventOut]:
    part = agenda_panel(user)
    if part is None:
        return []
    return [
        HomeEventOut(
            event_id=o.event.pk,
            title=o.title,
            all_day=o.timing.all_day,
            start=o.timing.start,
            end=o.timing.end,
            start_date=o.timing.start_date,
            url=reverse("agenda_event", args=[o.event.pk]),
        )
        for o in part["items"]
    ]


@router.get("/home", response=HomeOut)
def home(request: AuthenticatedRequest) -> HomeOut:
    """My home page: its parts in order (the feed last), my quick links and the header's links,
    the featured news, my active announcements, my coming week's events and the new arrivals —
    each filled only when its part is shown to me."""
    user = request.auth
    config = queries.home_config()
    parts = queries.parts_for(user, config)
    shown = {part.key for part in parts}
    return HomeOut(
        parts=[HomePartOut(key=p.key, label=str(p.label)) for p in parts]
        + [HomePartOut(key="feed", label=str(queries.FEED_LABEL))],
        quick_links=[_link(link) for link in queries.links_for(user, "home", config)]
        if "quick_links" in shown
        else [],
        menu_links=[_link(link) for link in queries.links_for(user, "menu", config)],
        featured_news=[
            HomeNewsOut(
                id=article.pk,
                title=article.title,
                summary=article.summary,
                url=reverse("news_article", args=[article.pk]),
            )
            for article in featured(user)
        ]
        if "news" in shown and user.is_active
        else [],
        announcements=[
            HomeAnnouncementOut(
                post_id=a.post_id,
                author=_person(a.post.author),
                excerpt=a.post.body[:200],
                requires_ack=a.requires_ack,
                created_at=a.created_at,
                url=reverse("post", args=[a.post_id]),
            )
            for a in active_announcements(user)
        ]
        if "announcements" in shown
        else [],
        upcoming_events=_events(user) if "agenda" in shown else [],
        new_arrivals=[_ref(p) for p in queries.new_arrivals()] if "new_arrivals" in shown else [],
    )
