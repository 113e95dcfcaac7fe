"""The demo organisation's news (`seed_demo`), written through the news' actions: three
categories and four articles by the internal communication team — one featured for everyone, one
for the Nantes site, one for Production, and one scheduled for the coming days — and the reads of
the demo people who opened them. Each step is dated with `cercle.core.demo.backdated`."""

from __future__ import annotations

import datetime
from typing import NamedTuple

from cercle.accounts.hooks import DemoContentWanted
from cercle.accounts.models import Department, Site, User
from cercle.core.demo import backdated, demo_time
from cercle.news import actions
from cercle.news.actions import ArticleInput
from cercle.news.models import Category

AUTHOR = "julie.fournier"
# Each category's name in French, then in English.
CATEGORIES = {
    "Vie de l'entreprise": "Company life",
    "Sécurité": "Safety",
    "Ressources humaines": "Human resources",
}


class DemoArticle(NamedTuple):
    title: str
    summary: str
    body: str
    category: str
    days_ago: int  # negative: scheduled in the future
    featured: bool = False
    site: str = ""
    department: str = ""
    readers: int = 0


ARTICLES = (
    DemoArticle(
        "Lumen remporte le prix de l'éclairage durable",
        "Notre gamme Aurora est primée au salon Light+Building : merci à toutes les équipes.",
        "Le jury a salué la **durée de vie** des luminaires Aurora et leur recyclabilité.\n\n"
        "- 40 % d'énergie en moins que la gamme précédente\n"
        "- des pièces remplaçables, réparables sur nos sites\n\n"
        "Un pot est organisé vendredi à 16 h sur chaque site.",
        "Vie de l'entreprise",
        3,
        featured=True,
        readers=24,
    ),
    DemoArticle(
        "Nantes : exercice d'évacuation le 12",
        "Un exercice incendie a lieu à l'usine de Nantes : voici comment il se déroule.",
        "L'alarme sonnera vers 10 h. Rejoignez le **point de rassemblement** du parking B et "
        "suivez les serre-files (gilets orange).",
        "Sécurité",
        6,
        site="nantes",
        readers=8,
    ),
    DemoArticle(
        "Production : nouveaux horaires d'équipe",
        "Les équipes de production passent en 2×8 à partir du mois prochain.",
        "Les plannings détaillés sont affichés dans chaque atelier. Vos chefs d'équipe "
        "répondent à vos questions.",
        "Ressources humaines",
        10,
        department="production",
        readers=6,
    ),
    DemoArticle(
        "Campagne d'entretiens annuels",
        "Les entretiens annuels commencent : le calendrier et le guide de préparation.",
        "Le guide est sur l'intranet, page *Ressources humaines*. Prévoyez une heure.",
        "Ressources humaines",
        -2,
    ),
)


def seed_news(happening: DemoContentWanted) -> None:
    author = User.objects.filter(username=AUTHOR, is_active=True).first()
    if author is None:
        return
    now = happening.now
    with backdated(demo_time(now, 20, 9, 0)):
        categories = {
            name: actions.create_category(actor=author, name=name, name_en=english)
            for name, english in CATEGORIES.items()
        }
    readers = list(
        User.objects.filter(is_active=True)
        .exclude(role="guest")
        .exclude(username__startswith="scale-")
        .select_related("profile")
        .order_by("username")
    )
    written = 0
    for demo in ARTICLES:
        site = Site.objects.filter(slug=demo.site).first() if demo.site else None
        department = (
            Department.objects.filter(slug=demo.department).first() if demo.department else None
        )
        if demo.days_ago >= 0:
            published = demo_time(now, demo.days_ago, 8, 30)
        else:
            published = now + datetime.timedelta(days=-demo.days_ago)
        with backdated(
            demo_time(now, max(demo.days_ago, 0) + 1, 16, 0) if demo.days_ago >= 0 else now
        ):
            article = actions.create_article(
                actor=author,
                data=ArticleInput(
                    title=demo.title,
                    summary=demo.summary,
                    body=demo.body,
                    category=categories.get(demo.category) or Category.objects.first(),
                    featured=demo.featured,
                    published_at=published,
                    sites=[site] if site else [],
                    departments=[department] if department else [],
                ),
            )
        written += 1
        if demo.days_ago < 0:
            continue
        with backdated(published + datetime.timedelta(minutes=1)):
            actions.announce_live(now=published + datetime.timedelta(minutes=1))
        audience = [
            person
            for person in readers
            if person.pk != author.pk
            and (site is None or person.profile.site_id == site.pk)
            and (department is None or person.profile.department_id == department.pk)
        ]
        for n, person in enumerate(audience[: demo.readers]):
            with backdated(published + datetime.timedelta(hours=1, minutes=n * 7)):
                actions.record_read(reader=person, article=article)
    happening.counts["news articles"] = happening.counts.get("news articles", 0) + written
