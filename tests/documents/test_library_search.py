"""A library's own search: by name, and by the words inside a file once its text is extracted;
the current folder with or without its subfolders; never what the viewer may not see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from cercle.documents import actions, queries
from cercle.documents.models import Blob, Document
from tests.factories import add_member, make_space, make_user
from tests.helpers.clients import client_for
from tests.helpers.documents import add_file, add_folder, root_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """The assertions quote the English pages and messages (the site's default is French)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def analysed(document: Any) -> None:
    current = Document.objects.select_related("current").get(pk=document.pk).current
    assert current is not None
    actions.analyse_blob(blob_id=Blob.objects.get(pk=current.blob_id).pk)


def found(user: Any, folder: Any, text: str, subfolders: bool = True) -> list[str]:
    results = queries.search_library(user, folder, text, subfolders=subfolders)
    return sorted(hit.document.name for hit in results.hits)


@pytest.fixture
def owner() -> Any:
    return make_user()


@pytest.fixture
def space(owner: Any) -> Any:
    return make_space(owner=owner, kind="private")


def test_by_name_and_by_content_in_the_folder_and_below(owner: Any, space: Any) -> None:
    root = root_for(space)
    sub = add_folder(owner, root, "Comptes")
    add_file(owner, root, "Budget 2026.txt", b"Les chiffres de l'annee.\n")
    inside = add_file(owner, sub, "notes.txt", "La réunion du comité.\n".encode())
    add_file(owner, sub, "cantine.txt", b"Le menu de la semaine.\n")
    assert found(owner, root, "reunion") == []  # its text is not extracted yet
    analysed(inside)
    assert found(owner, root, "reunion") == ["notes.txt"]  # accents ignored
    assert found(owner, root, "BUDGET") == ["Budget 2026.txt"]  # by name, case ignored
    assert found(owner, root, "réunion") == ["notes.txt"]
    # The current folder only, without its subfolders.
    assert found(owner, root, "réunion", subfolders=False) == []
    assert found(owner, sub, "réunion", subfolders=False) == ["notes.txt"]
    assert found(owner, sub, "Budget 2026") == []  # the root's file is above this folder
    assert found(owner, root, "") == []


def test_never_what_one_may_not_see(owner: Any, space: Any) -> None:
    member, outsider = make_user(), make_user()
    add_member(space, member)
    root = root_for(space)
    hidden = add_folder(owner, root, "Confidentiel")
    secret = add_file(owner, hidden, "salaires.txt", b"Les salaires du budget.\n")
    analysed(secret)
    visible = add_file(owner, root, "budget-public.txt", b"Le budget public.\n")
    analysed(visible)
    assert found(member, root, "budget") == ["budget-public.txt", "salaires.txt"]
    # A folder in the trash hides what it holds: never found, by name or content.
    actions.trash(actor=owner, item=hidden)
    assert found(member, root, "budget") == ["budget-public.txt"]
    assert found(member, root, "salaires") == []
    # Another library's file with the same words is not in this library's results.
    other = make_space(owner=outsider, kind="private")
    elsewhere = add_file(outsider, root_for(other), "budget-autre.txt", b"Un autre budget.\n")
    analysed(elsewhere)
    assert found(member, root, "budget") == ["budget-public.txt"]
    # Someone who may not read the library finds nothing, and the page is a 404.
    assert found(outsider, root, "budget") == []
    assert (
        client_for(outsider)
        .get(reverse("documents_search", args=[root.pk]), {"q": "budget"})
        .status_code
        == 404
    )
    # "My documents" is searched alone, not the spaces' libraries.
    mine = root_for(owner=member)
    add_file(member, mine, "mon-budget.txt", b"Mon budget.\n")
    assert found(member, mine, "budget") == ["mon-budget.txt"]


def test_the_page_shows_path_type_size_date_and_escapes_what_it_marks(
    owner: Any, space: Any, django_assert_max_num_queries: Any
) -> None:
    root = root_for(space)
    sub = add_folder(owner, add_folder(owner, root, "Projets"), "2026")
    document = add_file(
        owner, sub, "compte-rendu.txt", b"Le budget <script>alert(1)</script> est vote.\n"
    )
    analysed(document)
    client = client_for(owner)
    url = reverse("documents_search", args=[root.pk])
    page = client.get(url, {"q": "budget", "subfolders": "1"}).content.decode()
    assert "Projets / 2026" in page
    assert "<mark>budget</mark>" in page.replace("<mark>Budget</mark>", "<mark>budget</mark>")
    assert "&lt;script&gt;" in page and "<script>alert(1)" not in page
    row = page[page.index("compte-rendu") : page.index("</tr>", page.index("compte-rendu"))]
    assert "text/plain" in row and re.search(r"\d+\s(bytes|octets)", row)  # type, size
    assert "<time datetime=" in page
    assert "1 file found." in page
    # Unticked: the root's own files only.
    assert "0 files found." in client.get(url, {"q": "budget"}).content.decode()
    # A name with characters that mean something in HTML is escaped, its match marked.
    add_file(owner, root, "budget & co.txt", b"x\n")
    page = client.get(url, {"q": "budget", "subfolders": "1"}).content.decode()
    assert "<mark>budget</mark> &amp; co.txt" in page
    # A bounded number of queries, whatever the number of results.
    client.get(url, {"q": "budget", "subfolders": "1"})
    with django_assert_max_num_queries(40) as few:
        client.get(url, {"q": "budget", "subfolders": "1"})
    for n in range(15):
        add_file(owner, add_folder(owner, sub, f"Lot {n}"), f"budget-{n}.txt", b"budget\n")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, {"q": "budget", "subfolders": "1"}).content.decode()
    assert "17 files found." in page
    # Odd input: never a 500.
    for text in ("\x00", "x" * 5000, '"', "-", "*", "()"):
        assert client.get(url, {"q": text}).status_code == 200
