"""`seed_demo`'s intranet, space wiki and document libraries (issue 17): written through the
pages' and documents' actions, dated over the past month, readable by the demo's people, with
real files (a PDF that opens, CSV, Markdown) and a second version of one."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from cercle.documents import queries
from cercle.documents.models import Document, Library, Share, Version
from cercle.pages import actions as page_actions
from cercle.pages.models import Page, PageRevision, PageWatch

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def documents_storage(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/no-url/"},
        },
    }
    return root


def test_the_demo_has_an_intranet_a_wiki_and_document_libraries(client: Client) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "7 pages" in out.getvalue() and "8 documents" in out.getvalue()
    intranet = Page.objects.filter(space__is_organisation=True)
    assert set(intranet.filter(parent__isnull=True).values_list("title", flat=True)) == {
        "Bienvenue chez Atelier Lumen",
        "Ressources humaines",
        "Questions fréquentes informatique",
    }
    leave = intranet.get(title="Demander un congé")
    assert leave.parent is not None and leave.parent.title == "Ressources humaines"
    wiki = Page.objects.get(space__slug="entraide-informatique")
    assert wiki.revision == 2 and PageRevision.objects.filter(page=wiki).count() == 2
    # Libraries of the organisation and two spaces, in folders, one file in its second version.
    # ... and Antoine's "My documents", with one folder shared with the Aurora space.
    assert Library.objects.count() == 4
    shared = Share.objects.get()
    assert shared.folder is not None and shared.access == "write"
    assert shared.space is not None and shared.space.slug == "projet-aurora-nouvelle-gamme"
    booklet = Document.objects.get(name="Livret d'accueil.pdf")
    assert booklet.folder.name == "Ressources humaines"
    assert Version.objects.filter(document=booklet).count() == 2
    # Projet Aurora's library: a quota of 1 MB, about half used (its page's meter).
    aurora = Library.objects.get(space__slug="projet-aurora-nouvelle-gamme")
    quota = queries.quota_of(aurora)
    assert quota.limit == 1024 * 1024 and 45 <= quota.percent <= 60
    assert {d.current.content_type for d in Document.objects.select_related("current")} >= {
        "application/pdf",
        "text/csv",
        "text/markdown",
    }
    # A demo employee reads the leave procedure and downloads the form, a PDF.
    client.login(username="fatima.bouzid", password="cercle-demo")
    page = client.get(f"/spaces/{leave.space.slug}/pages/{leave.slug}/")
    assert page.status_code == 200 and "un mois avant" in page.content.decode()
    form = Document.objects.get(name="Demande de congé.pdf")
    download = client.get(f"/documents/files/{form.pk}/download")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith(b"%PDF-")
    # Dated over the past month, before the later version.
    assert booklet.created_at < Version.objects.filter(document=booklet).latest("number").created_at
    # The onboarding: spaces suggested to every newcomer and to Nantes', the welcome page to read
    # first — and that page opens for a demo employee.
    from cercle.onboarding.models import SuggestedSpace
    from cercle.onboarding.queries import onboarding_settings

    suggested = {
        (s.space.slug, s.site.slug if s.site else None) for s in SuggestedSpace.objects.all()
    }
    assert suggested == {
        ("entraide-informatique", None),
        ("idees-innovation", None),
        ("site-de-nantes", "nantes"),
    }
    welcome = onboarding_settings().welcome_page_url
    assert welcome and client.get(welcome).status_code == 200


def test_the_demo_has_a_page_past_its_review_date_and_a_watched_page() -> None:
    from django.utils import timezone

    call_command("seed_demo", stdout=StringIO())
    expenses = Page.objects.select_related("owner").get(title="Notes de frais")
    assert expenses.review_by is not None and expenses.review_by < timezone.localdate()
    assert expenses.owner is not None and expenses.owner.username == "francois.girard"
    assert PageWatch.objects.filter(
        page__title="Demander un congé", user__username="camille.martin"
    ).exists()
    leave = Page.objects.get(title="Demander un congé")
    comments = list(leave.comments.order_by("pk").values_list("author__username", flat=True))
    assert comments == ["camille.martin", "francois.girard"]  # a question and its answer
    assert leave.comment_count == 2 and leave.reaction_counts == {"insightful": 1, "like": 1}
    assert page_actions.remind_reviews() == 1  # its owner is reminded, once
    assert page_actions.remind_reviews() == 0
