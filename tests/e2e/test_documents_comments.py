"""Comments on a file in a browser, in French, on a phone and on a desktop, against a real server
(uvicorn): open the file, write a comment, see it, edit it, delete it; the file's page with its
comment passes axe-core (WCAG 2.1 A and AA, as the accessibility walk asks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import AXE_TAGS, RUN_AXE, describe
from tests.helpers.browser import log_in

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}

SEED = """
import io
from tests.factories import make_user, make_space, PASSWORD
from cercle.documents import actions
anne = make_user(username="anne", email="anne@example.org", first_name="Anne", last_name="Martin")
bruno = make_user(username="bruno", email="bruno@example.org", first_name="Bruno")
space = make_space(owner=anne, name="Projets", members=(bruno,))
root = actions.root_of(actions.space_library(space=space))
document = actions.upload_file(
    actor=anne, folder=root, upload=io.BytesIO(b"Bonjour\\n"), name="compte-rendu.txt"
).document
result = {"document": document.pk, "password": PASSWORD}
"""

COMMENTS = """
from cercle.documents.models import Comment
result = list(Comment.objects.filter(document_id=%(document)d).values_list("body", flat=True))
"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_write_see_edit_and_delete_a_comment_on_a_file(
    chat_server: tuple[Any, Any], chat_context: Callable[..., Any], viewport: dict[str, int]
) -> None:
    site, _server = chat_server
    facts = site.python(SEED)
    context = chat_context(locale="fr-FR", width=viewport["width"], height=viewport["height"])
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, "anne", facts["password"])
    # Bruno has the file's page open (its socket follows the file's comments).
    other = chat_context(locale="fr-FR", width=viewport["width"], height=viewport["height"])
    other.set_default_timeout(30_000)
    watcher = other.new_page()
    frames: list[str] = []
    watcher.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))),
    )
    log_in(watcher, "bruno", facts["password"])
    watcher.goto(f"/documents/files/{facts['document']}/")
    watcher.wait_for_function("() => !!window.cercleRealtime")
    _wait_for(watcher, lambda: any('"documents.subscribed"' in f for f in frames))
    page.goto(f"/documents/files/{facts['document']}/")
    expect(page.get_by_role("heading", name="0 commentaire")).to_be_visible()

    # Write one: it is shown, rendered from Markdown, under its author's name.
    page.get_by_label("Écrire un commentaire").fill("Relu, *très* clair.")
    page.get_by_role("button", name="Commenter", exact=True).click()
    comment = page.locator(".comment-list article.comment")
    expect(comment).to_have_count(1)
    expect(comment.locator(".comment-body em")).to_have_text("très")
    expect(comment.locator(".post-by a")).to_have_text("Anne Martin")
    expect(page.get_by_role("heading", name="1 commentaire")).to_be_visible()
    assert site.python(COMMENTS % facts) == ["Relu, *très* clair."]
    # It appears on Bruno's page without a reload, and the new count is said.
    expect(watcher.locator(".comment-list .comment-body em")).to_have_text("très")
    expect(watcher.locator("#comments-status")).to_have_text("1 commentaire")

    # The page with its comment passes axe-core, in French, at this width.
    page.evaluate(Path(_axe_file()).read_text())
    assert page.evaluate("document.documentElement.lang") == "fr"
    violations = page.evaluate(RUN_AXE, AXE_TAGS)
    assert not violations, describe(violations)

    # Edit it: the form opens under "Modifier ce commentaire", with the text to change.
    edit = comment.locator("details.reply-form > summary")
    expect(edit).to_have_text("Modifier ce commentaire")
    edit.click()
    field = comment.get_by_label("Votre commentaire")
    expect(field).to_have_value("Relu, *très* clair.")
    field.fill("Relu et validé.")
    comment.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".comment-list .comment-body")).to_have_text("Relu et validé.")
    expect(page.locator(".comment-list .comment-edited")).to_be_visible()
    assert site.python(COMMENTS % facts) == ["Relu et validé."]

    # Delete it: gone from the page and from the server.
    page.get_by_role("button", name="Supprimer ce commentaire").click()
    expect(page.locator(".comment-list article.comment")).to_have_count(0)
    expect(page.get_by_role("heading", name="0 commentaire")).to_be_visible()
    assert site.python(COMMENTS % facts) == []
    expect(watcher.locator(".comment-list article.comment")).to_have_count(0)
    expect(watcher.locator("#comments-status")).to_have_text("0 commentaire")


def _wait_for(page: Any, condition: Callable[[], bool], timeout: float = 20) -> None:
    """Playwright hands events over while it is called: wait in the page, not in `time.sleep`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page's socket did not subscribe"
        page.wait_for_timeout(50)


def _axe_file() -> str:
    import axe_playwright_python

    return str(Path(axe_playwright_python.__file__).with_name("axe.min.js"))


def test_an_activity_post_that_grows_shows_its_new_count_on_an_open_wall(
    chat_server: tuple[Any, Any], chat_context: Callable[..., Any], tmp_path: Path
) -> None:
    """Desktop only: the wall's live part is the same script at any width."""
    site, _server = chat_server
    facts = site.python(SEED)
    context = chat_context(locale="fr-FR", width=DESKTOP["width"], height=DESKTOP["height"])
    context.set_default_timeout(30_000)
    page = context.new_page()
    frames: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))),
    )
    log_in(page, "bruno", facts["password"])
    place = site.python(
        "from cercle.documents.models import Document\n"
        f"document = Document.objects.get(pk={facts['document']})\n"
        "result = [document.library.space.slug, document.folder_id]"
    )
    slug, folder = place
    page.goto(f"/spaces/{slug}/")
    said = page.locator("article.post .post-by", has_text="a ajouté")
    expect(said).to_contain_text("a ajouté 1 fichier dans")
    _wait_for(page, lambda: any('"feed.subscribed"' in f for f in frames))
    # Anne adds a second file within the window, from her own browser.
    anne = chat_context(locale="fr-FR").new_page()
    log_in(anne, "anne", facts["password"])
    anne.goto(f"/documents/folders/{folder}/")
    added = tmp_path / "annexe.txt"
    added.write_bytes(b"Deux\n")
    anne.set_input_files("#documents-files", [str(added)])
    anne.locator("form[data-documents-upload] button[type=submit]").click()
    expect(anne.locator(".documents-table a", has_text="annexe.txt")).to_be_visible(timeout=30_000)
    expect(said).to_contain_text("a ajouté 2 fichiers dans", timeout=20_000)
    expect(page.locator("article.post .post-activity a", has_text="annexe.txt")).to_be_visible()
    expect(page.locator("#new-posts button")).to_have_count(0)  # not a "new post"
