"""The demo organisation's onboarding (`seed_demo`): spaces suggested to every newcomer and to
those of the Nantes site, the intranet's welcome page as the page to read first, and the welcome
post on. Listens to `DemoContentWanted` after the feed's spaces and the pages exist (onboarding
comes after them in `INSTALLED_APPS`)."""

from __future__ import annotations

from django.urls import reverse

from cercle.accounts.hooks import DemoContentWanted
from cercle.accounts.models import Site, User
from cercle.core.demo import backdated
from cercle.core.hooks import listen
from cercle.onboarding import actions
from cercle.pages.models import Page
from cercle.spaces.models import Space

FOR_EVERYONE = ("entraide-informatique", "idees-innovation")
FOR_SITES = {"nantes": ("site-de-nantes",)}
WELCOME_PAGE = "Bienvenue chez Atelier Lumen"


def seed_demo_onboarding(happening: DemoContentWanted) -> None:
    admin = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
    if admin is None:
        return
    with backdated(happening.now):
        for slug in FOR_EVERYONE:
            if space := Space.objects.filter(slug=slug).first():
                actions.suggest_space(actor=admin, space=space, department=None, site=None)
        for site_key, slugs in FOR_SITES.items():
            site = Site.objects.filter(slug__startswith=site_key).first()
            for slug in slugs:
                if site is not None and (space := Space.objects.filter(slug=slug).first()):
                    actions.suggest_space(actor=admin, space=space, department=None, site=site)
        page = Page.objects.filter(title=WELCOME_PAGE).select_related("space").first()
        url = reverse("page_detail", args=[page.space.slug, page.slug]) if page is not None else ""
        actions.update_settings(
            actor=admin,
            welcome_page_url=url,
            welcome_posts=True,
            welcome_delay_hours=24,
            newcomer_days=30,
        )
    happening.counts["suggested spaces"] = len(FOR_EVERYONE) + sum(map(len, FOR_SITES.values()))


def register() -> None:
    listen(DemoContentWanted, seed_demo_onboarding)
