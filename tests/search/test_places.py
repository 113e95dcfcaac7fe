"""Where results open, what they show after renames, the file-type filter, and the relevance's
weights (recent activity, the searcher's own spaces)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from cercle.search import queries
from cercle.search.engines import Candidate
from tests.factories import make_direct, make_message, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _hit(user: Any, text: str, kind: str, **kwargs: Any) -> queries.Hit:
    hits = [h for h in queries.search(user, text, kinds=[kind], **kwargs).hits]
    assert len(hits) == 1, hits
    return hits[0]


def test_a_page_opens_at_the_heading_of_the_matching_section_by_its_number() -> None:
    from cercle.pages.actions import create_page

    anne = make_user()
    space = make_space(owner=anne)
    page = create_page(
        actor=anne,
        space=space,
        title="Guide",
        body="Intro.\n\n## Arrivée\nLe badge.\n\n```\n# pas un titre\n```\n\n"
        "## Départ\nRendre la clé.",
    )
    assert _hit(anne, "clé", "page").url == f"/pages/{page.pk}/#depart"
    assert _hit(anne, "badge", "page").url == f"/pages/{page.pk}/#arrivee"
    assert _hit(anne, "intro", "page").url == f"/pages/{page.pk}/"  # above every heading
    # The permanent address leads to the page, whatever its space's or its own name.
    response = Client()
    response.force_login(anne)
    assert response.get(f"/pages/{page.pk}/").status_code == 302


def test_a_message_opens_in_its_conversation_around_it() -> None:
    anne, bruno = make_user(), make_user()
    message = make_message(anne, make_direct(anne, bruno), body="Le colibri arrive")
    url = _hit(bruno, "colibri", "message").url
    assert url.endswith(f"?around={message.pk}#m-{message.pk}")


def test_titles_made_of_other_rows_are_read_when_shown() -> None:
    from cercle.chat.actions import create_group_conversation
    from cercle.chat.models import Conversation

    anne, bruno = make_user(first_name="Anne", last_name="Avant"), make_user()
    post = make_post(author=anne, body="Le pangolin dort")
    group = create_group_conversation(actor=anne, name="Ancien nom", members=[bruno])
    make_message(anne, group, body="Le pangolin mange")
    # Bulk writes (no signal, no reindex): a person's and a channel's new names.
    type(anne).objects.filter(pk=anne.pk).update(last_name="Après")
    Conversation.objects.filter(pk=group.pk).update(name="Nouveau nom")
    assert _hit(bruno, "pangolin", "post").text == "Anne Après"
    assert _hit(bruno, "pangolin", "message").text == "Nouveau nom"
    body = Client()
    body.force_login(bruno)
    items = body.get("/api/v1/search", {"q": "pangolin"}).json()["items"]
    assert {item["title"] for item in items} == {"Anne Après", "Nouveau nom"}
    assert post.pk in {item["id"] for item in items}


def _file(actor: Any, space: Any, name: str) -> Any:
    from cercle.documents import actions as documents

    library = documents.space_library(space=space)
    return documents.upload_file(
        actor=actor, folder=documents.root_of(library), upload=io.BytesIO(b"x"), name=name
    ).document


def test_the_file_type_filter() -> None:
    anne = make_user()
    space = make_space(owner=anne)
    pdf = _file(anne, space, "Budget-tatou.PDF")
    sheet = _file(anne, space, "budget-tatou.xlsx")
    make_post(author=anne, space=space, body="Le budget tatou")

    def ids(file_type: str) -> set[tuple[str, int]]:
        results = queries.search(anne, "tatou", file_type=file_type)
        return {(h.kind.key, h.document.object_id) for h in results.hits}

    assert ids("pdf") == {("document", pdf.pk)}
    assert ids("sheet") == {("document", sheet.pk)}
    assert ids("image") == set()
    assert len(queries.search(anne, "tatou").hits) == 3
    client = Client()
    client.force_login(anne)
    page = client.get("/search/", {"q": "tatou", "type": "pdf"})
    html = page.content.decode().replace("<mark>", "").replace("</mark>", "")
    assert page.status_code == 200 and "Budget-tatou.PDF" in html
    assert "budget-tatou.xlsx" not in html
    assert client.get("/search/", {"q": "tatou", "type": "exe"}).status_code == 400
    api = client.get("/api/v1/search", {"q": "tatou", "file_type": "sheet"}).json()
    assert [item["id"] for item in api["items"]] == [sheet.pk]
    assert client.get("/api/v1/search", {"q": "tatou", "file_type": "exe"}).status_code == 422


def test_recent_activity_and_one_s_own_spaces_weigh_in() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    old = Candidate(1, "post", 1, 1.0, (now - timedelta(days=400)).timestamp(), None)
    new = Candidate(2, "post", 2, 1.0, (now - timedelta(days=1)).timestamp(), None)
    mine = Candidate(3, "post", 3, 1.0, (now - timedelta(days=400)).timestamp(), 7)
    better = Candidate(4, "post", 4, 3.0, (now - timedelta(days=400)).timestamp(), None)
    inside = Candidate(5, "post", 5, None, now.timestamp(), 7)  # matched inside words only: after
    order = queries.rerank([old, new, mine, inside, better], {7}, now)
    assert [c.id for c in order] == [4, 3, 2, 1, 5]


def test_the_searcher_s_own_space_comes_first_for_the_same_words() -> None:
    anne, bruno = make_user(), make_user()
    theirs = make_space(owner=bruno, name="Ailleurs")
    mine = make_space(owner=anne, name="Chez moi", members=(bruno,))
    second = make_post(author=bruno, space=mine, body="Le wombat de la semaine")
    first = make_post(author=bruno, space=theirs, body="Le wombat de la semaine")
    # Anne is a member of `mine` only: its post first, though the other is as good a match and
    # newer (the engine alone puts it first).
    assert [h.document.object_id for h in queries.search(anne, "wombat").hits] == [
        second.pk,
        first.pk,
    ]
    outsider = make_user()
    assert len(queries.search(outsider, "wombat").hits) == 2


def test_a_page_is_found_by_its_comments_and_opens_at_them() -> None:
    from cercle.pages.actions import add_comment, create_page, delete_comment, edit_comment

    anne = make_user()
    space = make_space(owner=anne)
    page = create_page(actor=anne, space=space, title="Badges", body="# Accès\n\nLe badge.")
    comment = add_comment(actor=anne, page=page, body="Et pour les stagiaires ?")
    assert _hit(anne, "stagiaires", "page").url == f"/pages/{page.pk}/#comments"
    assert _hit(anne, "badge", "page").url == f"/pages/{page.pk}/#acces"  # its text: as before
    edit_comment(actor=anne, comment=comment, body="Et pour les alternants ?")
    assert _hit(anne, "alternants", "page").url == f"/pages/{page.pk}/#comments"
    assert not queries.search(anne, "stagiaires", kinds=["page"]).hits
    delete_comment(actor=anne, comment=comment)
    assert not queries.search(anne, "alternants", kinds=["page"]).hits
    # Those who may not read the page do not find it by its comments either.
    outsider = make_user()
    private = make_space(owner=anne, kind="private")
    hidden = create_page(actor=anne, space=private, title="Projet", body="")
    add_comment(actor=anne, page=hidden, body="Confidentiel : fusion")
    assert _hit(anne, "fusion", "page").url == f"/pages/{hidden.pk}/#comments"
    assert not queries.search(outsider, "fusion", kinds=["page"]).hits
