"""Browser (issue 12), in French, on a phone and a desktop: a communication manager writes an
article, previews it, schedules it as featured for one site; a member of that site sees nothing
on the home page until it goes live (its publication time is moved, not waited for), then finds
it in the home page's "À la une" panel and opens it; someone of another site never sees it."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, make_site, make_user
from tests.helpers.browser import log_in

WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}


@pytest.mark.parametrize("device", list(WIDTHS))
def test_a_manager_schedules_a_featured_article_for_one_site(
    new_page: Any, transactional_db: Any, device: str
) -> None:
    from cercle.news import actions
    from cercle.news.models import Article

    width, height = WIDTHS[device]
    nantes, lyon = make_site("Nantes"), make_site("Lyon")
    manager = make_user(username="claire", first_name="Claire", role="staff")
    make_user(username="paul", first_name="Paul", site=nantes)
    make_user(username="lea", first_name="Léa", site=lyon)

    page = new_page(locale="fr-FR", width=width, height=height)
    log_in(page, "claire", PASSWORD)
    page.goto("/news/write/")
    assert page.get_by_role("heading", level=1).inner_text() == "Écrire un article"
    page.get_by_label("Titre").fill("Portes ouvertes à l'usine")
    page.get_by_label("Résumé").fill("Les familles sont invitées samedi.")
    page.get_by_label("Texte").fill("Rendez-vous **à 10 h** devant l'accueil.")
    page.get_by_label("Nantes").check()
    page.get_by_label("Planifier").check()
    later = timezone.now().astimezone(ZoneInfo(manager.time_zone)) + datetime.timedelta(hours=2)
    page.get_by_label("Date et heure de publication (si planifiée)").fill(
        later.strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("À la une sur la page d'accueil").check()
    page.get_by_role("button", name="Aperçu").click()
    preview = page.locator(".news-preview")
    assert preview.locator("strong").inner_text() == "à 10 h"
    # The preview keeps what was typed and chosen.
    assert page.get_by_label("Nantes").is_checked()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/news/*/")
    assert "Planifié" in page.locator(".news-article").inner_text()
    article = Article.objects.get()
    assert article.featured and list(article.sites.all()) == [nantes]

    reader = new_page(locale="fr-FR", width=width, height=height)
    log_in(reader, "paul", PASSWORD)
    reader.goto("/")
    assert reader.locator(".news-home").count() == 0
    assert reader.goto(f"/news/{article.pk}/").status == 404

    # It goes live: its time is moved rather than waited for; the periodic job notifies.
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert actions.announce_live() == 1
    reader.goto("/")
    panel = reader.locator(".news-home")
    # Folded to a chip on a phone (the feed's first post stays on the first screen).
    if device == "phone":
        panel.locator("summary").click()
    assert panel.get_by_role("heading").inner_text() == "À la une"
    panel.get_by_role("link", name="Portes ouvertes à l'usine").click()
    reader.wait_for_url(f"**/news/{article.pk}/")
    assert reader.locator(".news-body strong").inner_text() == "à 10 h"

    other = new_page(locale="fr-FR", width=width, height=height)
    log_in(other, "lea", PASSWORD)
    other.goto("/")
    assert other.locator(".news-home").count() == 0
    assert other.goto(f"/news/{article.pk}/").status == 404
