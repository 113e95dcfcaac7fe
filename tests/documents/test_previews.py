"""Previews and content: each extractor on real files made by the libraries that read them,
hostile files ending with a clear state, thumbnails once per content, the file's page showing
each kind, and files found by a word inside them (accents ignored) only by who may see them."""

from __future__ import annotations

import io
import resource
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from cercle.core import uploads
from cercle.documents import actions, extraction, tasks
from cercle.documents.models import Blob, BlobText, Document
from cercle.search import queries as search_queries
from tests.factories import make_space, make_user
from tests.helpers import samples
from tests.helpers.clients import client_for
from tests.helpers.documents import add_file, root_for
from tests.helpers.files import huge_pixels_png, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> Any:
    return make_user()


@pytest.fixture
def root(owner: Any) -> Any:
    return root_for(make_space(owner=owner, kind="private"))


def analysed(document: Document) -> Blob:
    current = Document.objects.select_related("current").get(pk=document.pk).current
    assert current is not None
    blob = Blob.objects.get(pk=current.blob_id)
    actions.analyse_blob(blob_id=blob.pk)
    blob.refresh_from_db()
    return blob


def text_of(blob: Blob) -> str:
    return BlobText.objects.get(blob=blob).text


SAMPLES = [
    ("rapport.pdf", lambda: samples.pdf("Rapport annuel ornithorynque"), "pdf", "ornithorynque"),
    ("budget.docx", lambda: samples.docx("Le budget prévisionnel"), "docx", "prévisionnel"),
    ("comptes.xlsx", lambda: samples.xlsx("Trésorerie mensuelle"), "xlsx", "Trésorerie"),
    ("plan.pptx", lambda: samples.pptx("Stratégie éléphant"), "pptx", "éléphant"),
    ("cr.odt", lambda: samples.odt("Compte rendu girafe"), "odt", "girafe"),
    ("stock.ods", lambda: samples.ods("Inventaire zèbre"), "ods", "zèbre"),
    ("vision.odp", lambda: samples.odp("Présentation koala"), "odp", "koala"),
    ("notes.txt", lambda: "Réunion du lundi: castor\n".encode(), "text", "castor"),
    ("lisez-moi.md", lambda: b"# Titre\n\nLe **hibou** chante", "text", "hibou"),
    ("liste.csv", lambda: b"nom;ville\nMarmotte;Gap\n", "text", "Marmotte"),
    ("page.html", lambda: samples.html("Le lynx boréal"), "markup", "lynx boréal"),
]


@pytest.mark.parametrize(("name", "make", "kind", "word"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_extractor_on_a_real_file(
    owner: Any, root: Any, name: str, make: Any, kind: str, word: str
) -> None:
    blob = analysed(add_file(owner, root, name, make()))
    assert blob.kind == kind
    assert blob.text_state == extraction.DONE
    assert word in text_of(blob)
    assert blob.analysed_at is not None


def test_details_of_the_extractors(owner: Any, root: Any) -> None:
    docx = text_of(analysed(add_file(owner, root, "t.docx", samples.docx("x"))))
    assert "cellule\ttableau" in docx and "Titre" in docx  # tables and headings
    pptx = text_of(analysed(add_file(owner, root, "t.pptx", samples.pptx("x"))))
    assert "notes de l'orateur" in pptx  # the speaker's notes
    xlsx = text_of(analysed(add_file(owner, root, "t.xlsx", samples.xlsx("x"))))
    assert "Budget" in xlsx and "1234" in xlsx  # sheet names and numbers
    page = text_of(analysed(add_file(owner, root, "t.html", samples.html("x"))))
    assert "script-words" not in page and "color" not in page and "café" in page


def test_text_is_cut_at_the_cap(owner: Any, root: Any, settings: Any) -> None:
    settings.DOCUMENTS_TEXT_MAX_CHARS = 1000
    text = blob_text = analysed(add_file(owner, root, "long.txt", b"mot " * 5000))
    assert text.text_state == extraction.TRUNCATED
    assert len(text_of(blob_text)) == 1000
    pdf = analysed(add_file(owner, root, "long.pdf", samples.pdf("mot " * 30, pages=60)))
    assert pdf.text_state == extraction.TRUNCATED and len(text_of(pdf)) <= 1000


def test_unsupported_and_too_large(owner: Any, root: Any, settings: Any) -> None:
    assert analysed(add_file(owner, root, "x.zip", _zip())).text_state == extraction.UNSUPPORTED
    settings.DOCUMENTS_EXTRACT_MAX_MB = 0
    assert analysed(add_file(owner, root, "y.txt", b"trop")).text_state == extraction.TOO_LARGE


def _zip() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "bonjour")
    return buffer.getvalue()


def _still_fine(owner: Any, root: Any) -> None:
    """After a hostile file, the worker (this process) analyses the next file as usual."""
    blob = analysed(add_file(owner, root, "after.docx", samples.docx("toujours debout")))
    assert blob.text_state == extraction.DONE and "toujours debout" in text_of(blob)


def test_a_zip_bomb_dressed_as_docx_is_too_large(owner: Any, root: Any) -> None:
    bomb = samples.zip_bomb_docx(400)
    assert len(bomb) < 2_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    blob = analysed(add_file(owner, root, "bombe.docx", bomb))
    assert blob.kind == "docx"
    assert blob.text_state == extraction.TOO_LARGE
    assert not BlobText.objects.filter(blob=blob).exists()
    # The bytes were never unpacked here: this process did not grow by the bomb's size.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # kB
    _still_fine(owner, root)


@pytest.mark.parametrize("kind", ["odt", "docx"])
def test_a_billion_laughs_ends_unreadable(owner: Any, root: Any, kind: str) -> None:
    blob = analysed(add_file(owner, root, f"rires.{kind}", samples.billion_laughs(kind)))
    assert blob.text_state in (extraction.UNREADABLE, extraction.EMPTY)
    if BlobText.objects.filter(blob=blob).exists():
        assert "lollol" not in text_of(blob)
    _still_fine(owner, root)


def test_a_pdf_of_ten_thousand_pages(owner: Any, root: Any, settings: Any) -> None:
    settings.DOCUMENTS_EXTRACT_SECONDS = 20
    blob = analysed(add_file(owner, root, "annuaire.pdf", samples.pdf("page", pages=10_000)))
    # Read up to the page cap (2,000 pages), or stopped by the time limit: a clear state.
    assert blob.text_state in (extraction.TRUNCATED, extraction.TIMED_OUT)
    if blob.text_state == extraction.TRUNCATED:
        text = text_of(blob)
        assert "page 2000" in text and "page 2001" not in text
    _still_fine(owner, root)


def test_a_time_limit_ends_in_timed_out(owner: Any, root: Any, settings: Any) -> None:
    settings.DOCUMENTS_EXTRACT_SECONDS = 0  # RLIMIT_CPU of 0 s: the child is stopped at once
    blob = analysed(add_file(owner, root, "lent.pdf", samples.pdf("lent", pages=3000)))
    assert blob.text_state == extraction.TIMED_OUT
    settings.DOCUMENTS_EXTRACT_SECONDS = 30
    _still_fine(owner, root)


def test_a_memory_limit_ends_in_a_clear_state(owner: Any, root: Any, settings: Any) -> None:
    settings.DOCUMENTS_EXTRACT_MEMORY_MB = 20  # less than python-docx and lxml need
    blob = analysed(add_file(owner, root, "gros.docx", samples.docx("mémoire")))
    assert blob.text_state == extraction.MEMORY
    settings.DOCUMENTS_EXTRACT_MEMORY_MB = 1024
    _still_fine(owner, root)


# --- Thumbnails --------------------------------------------------------------------------------


def test_thumbnails_of_an_image_and_a_pdf_once_per_content(
    owner: Any, root: Any, documents_storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    picture = image_bytes("PNG", size=(1200, 800))
    first = add_file(owner, root, "photo.png", picture)
    blob = analysed(first)
    assert blob.kind == "png" and blob.thumbnail_key
    with Image.open(documents_storage / blob.thumbnail_key) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 320
    # The same bytes under another name: one blob, one thumbnail.
    second = add_file(owner, root, "copie.png", picture)
    assert Blob.objects.get(versions__document=second) == blob
    assert actions.analyse_blob(blob_id=blob.pk) == extraction.UNSUPPORTED  # already done
    pdf_blob = analysed(add_file(owner, root, "r.pdf", samples.pdf("Première page")))
    assert pdf_blob.thumbnail_key
    with Image.open(documents_storage / pdf_blob.thumbnail_key) as thumb:
        assert thumb.height == 320 and thumb.width < 320  # a portrait page
    thumbnails = sorted((documents_storage / "thumbnails").rglob("*.jpg"))
    assert len(thumbnails) == 2
    # The blob gone (no version left), its thumbnail goes too.
    for document in (first, second):
        Document.objects.filter(pk=document.pk).update(current=None)
        document.versions.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        actions.collect_blobs()
    assert len(sorted((documents_storage / "thumbnails").rglob("*.jpg"))) == 1


def test_a_decompression_bomb_gets_no_thumbnail(owner: Any, root: Any) -> None:
    blob = analysed(add_file(owner, root, "bombe.png", huge_pixels_png()))
    assert blob.thumbnail_key == ""
    assert blob.text_state == extraction.UNSUPPORTED
    _still_fine(owner, root)


def test_the_task_runs_after_an_upload(
    owner: Any, root: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        document = add_file(owner, root, "tâche.odt", samples.odt("Ouverture du castor"))
    blob = Blob.objects.get(versions__document=document)
    assert blob.text_state == extraction.DONE and "castor" in text_of(blob)
    assert tasks.analyse_blob.call(blob.pk) == extraction.DONE  # nothing done twice


def test_the_command_analyses_older_contents(owner: Any, root: Any) -> None:
    document = add_file(owner, root, "ancien.txt", b"archives anciennes")
    out = io.StringIO()
    call_command("analyse_documents", stdout=out)
    assert "1 content(s) analysed" in out.getvalue()
    blob = Blob.objects.get(versions__document=document)
    assert blob.text_state == extraction.DONE
    call_command("analyse_documents", "--again", "done", stdout=out)
    assert "1 content(s) to analyse again" in out.getvalue()


# --- The pages ---------------------------------------------------------------------------------


def page_of(client: Client, document: Document) -> str:
    response = client.get(reverse("documents_file", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_file_page_shows_each_kind(owner: Any, root: Any) -> None:
    client = client_for(owner)
    markdown = add_file(owner, root, "doc.md", b"# Titre\n\n**gras** <script>alert(1)</script>")
    analysed(markdown)
    html = page_of(client, markdown)
    assert "<strong>gras</strong>" in html and "<script>alert(1)" not in html

    table = add_file(owner, root, "t.csv", "nom;ville\nÉlodie;Nîmes\n".encode())
    analysed(table)
    html = page_of(client, table)
    assert '<th scope="col">nom</th>' in html and "<td>Nîmes</td>" in html

    text = add_file(owner, root, "t.txt", b"si a < b & c > d")
    analysed(text)
    assert "si a &lt; b &amp; c &gt; d" in page_of(client, text)

    office = add_file(owner, root, "t.docx", samples.docx("Contenu du document"))
    analysed(office)
    html = page_of(client, office)
    assert '<pre class="documents-text" tabindex="0">Titre' in html
    assert "Contenu du document" in html

    pdf = add_file(owner, root, "t.pdf", samples.pdf("Rapport"))
    analysed(pdf)
    html = page_of(client, pdf)
    view = reverse("documents_view", args=[pdf.pk])
    assert f'<iframe class="documents-pdf-frame" src="{view}"' in html
    assert reverse("documents_thumbnail", args=[pdf.pk]) in html

    image = add_file(owner, root, "p.png", image_bytes("PNG"))
    analysed(image)
    assert f'src="{reverse("documents_view", args=[image.pk])}"' in page_of(client, image)


def test_the_folder_lists_thumbnails(owner: Any, root: Any) -> None:
    client = client_for(owner)
    for number in range(3):
        analysed(
            add_file(owner, root, f"p{number}.png", image_bytes("PNG", size=(50 + number, 40)))
        )
    space = root.library.space
    html = client.get(reverse("documents_space", args=[space.slug])).content.decode()
    assert html.count('class="documents-thumb"') == 3


def said(html: str, state: str, english: str, french: str) -> bool:
    """The page tells the state, in the viewer's language."""
    return f'data-text-state="{state}"' in html and (english in html or french in html)


def test_the_state_is_told_on_the_page(owner: Any, root: Any, settings: Any) -> None:
    client = client_for(owner)
    document = add_file(owner, root, "en-attente.txt", b"bientot")
    assert 'data-text-state="pending"' in page_of(client, document)
    settings.DOCUMENTS_EXTRACT_MAX_MB = 0
    analysed(document)
    assert said(page_of(client, document), "too_large", "file too large", "trop volumineux")
    bomb = add_file(owner, root, "bombe.docx", samples.zip_bomb_docx(400))
    analysed(bomb)
    assert said(page_of(client, bomb), "too_large", "file too large", "trop volumineux")
    archive = add_file(owner, root, "a.zip", _zip())
    analysed(archive)
    assert said(page_of(client, archive), "unsupported", "unsupported type", "non pris en charge")


def test_view_and_thumbnail_are_served_safely(owner: Any, root: Any) -> None:
    client = client_for(owner)
    pdf = add_file(owner, root, "t.pdf", samples.pdf("Rapport"))
    analysed(pdf)
    response = client.get(reverse("documents_view", args=[pdf.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == uploads.PDF_VIEWER_POLICY
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"

    image = add_file(owner, root, "p.png", image_bytes("PNG"))
    analysed(image)
    response = client.get(reverse("documents_view", args=[image.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == uploads.SANDBOX

    thumb = client.get(reverse("documents_thumbnail", args=[image.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert (
        client.get(
            reverse("documents_thumbnail", args=[image.pk]), HTTP_IF_NONE_MATCH=thumb["ETag"]
        ).status_code
        == 304
    )

    # HTML is never shown: a download, under the sandbox.
    page = add_file(owner, root, "p.html", samples.html("x"))
    analysed(page)
    response = client.get(reverse("documents_view", args=[page.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == uploads.SANDBOX
    assert client.get(reverse("documents_thumbnail", args=[page.pk])).status_code == 404

    # Someone outside the private space: not found, for both.
    stranger = client_for(make_user())
    assert stranger.get(reverse("documents_view", args=[pdf.pk])).status_code == 404
    assert stranger.get(reverse("documents_thumbnail", args=[image.pk])).status_code == 404


# --- Search inside files -------------------------------------------------------------------------


def hits(user: Any, text: str) -> dict[int, str]:
    found = search_queries.search(user, text, limit=20, kinds=["document"])
    return {hit.document.object_id: str(hit.excerpt) for hit in found.hits}


def test_a_file_is_found_by_a_word_inside_it_only_by_who_may_see_it(owner: Any) -> None:
    member = make_user()
    outsider = make_user()
    secret = make_space(owner=owner, kind="secret", members=(member,))
    document = add_file(
        owner, root_for(secret), "compte-rendu.docx", samples.docx("La réunion budgétaire du CSE")
    )
    assert not hits(owner, "budgetaire")  # not extracted yet
    analysed(document)
    for user in (owner, member):
        found = hits(user, "budgetaire")  # no accent typed
        assert document.pk in found
        assert "<mark>budgétaire</mark>" in found[document.pk]  # the excerpt is the content
    assert document.pk not in hits(outsider, "budgetaire")
    # A new version with other words: the old ones are no longer found.
    actions.add_version(
        actor=owner, document=document, upload=io.BytesIO(samples.docx("Autre sujet: la cantine"))
    )
    analysed(Document.objects.get(pk=document.pk))
    assert document.pk not in hits(member, "budgetaire")
    assert document.pk in hits(member, "cantine")
    # In the trash: found by nobody.
    actions.trash(actor=owner, item=Document.objects.get(pk=document.pk))
    assert document.pk not in hits(owner, "cantine")
