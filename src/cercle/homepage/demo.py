"""The demo organisation's home page (`seed_demo`): quick links to its tools — expense claims,
the directory, IT support, leave — one of them for the Nantes site only, and a link to the
intranet's HR procedures in the header's menu."""

from __future__ import annotations

from django.urls import reverse

from cercle.accounts.hooks import DemoContentWanted
from cercle.accounts.models import Site, User
from cercle.core.demo import backdated
from cercle.core.hooks import listen
from cercle.homepage import actions
from cercle.homepage.models import HomeLink


def seed_demo_home(happening: DemoContentWanted) -> None:
    admin = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
    if admin is None:
        return
    nantes = list(Site.objects.filter(slug__startswith="nantes")[:1])
    links = [
        (
            "Notes de frais",
            "Expense claims",
            "https://frais.atelier-lumen.example/",
            "expenses",
            [],
        ),
        ("Annuaire", "Directory", reverse("directory"), "directory", []),
        (
            "Support informatique",
            "IT support",
            reverse("space", args=["entraide-informatique"]),
            "support",
            [],
        ),
        ("Congés", "Leave", "https://conges.atelier-lumen.example/", "leave", []),
        (
            "Cantine de Nantes",
            "Nantes canteen",
            "https://cantine-nantes.example/",
            "canteen",
            nantes,
        ),
    ]
    with backdated(happening.now):
        for label_fr, label_en, url, icon, sites in links:
            actions.save_link(
                actor=admin,
                data=actions.LinkInput(
                    place=HomeLink.Place.HOME,
                    label_fr=label_fr,
                    label_en=label_en,
                    url=url,
                    icon=icon,
                    sites=sites,
                ),
            )
        actions.save_link(
            actor=admin,
            data=actions.LinkInput(
                place=HomeLink.Place.MENU,
                label_fr="Procédures RH",
                label_en="HR procedures",
                url=reverse("intranet"),
            ),
        )
    happening.counts["home links"] = len(links) + 1


def register() -> None:
    listen(DemoContentWanted, seed_demo_home)
