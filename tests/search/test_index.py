"""The index follows every kind of write (in the writer's transaction), and the rebuild command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cercle.search import queries
from cercle.search.models import SearchDocument
from tests.factories import make_direct, make_event, make_message, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def found(user: Any, text: str) -> set[tuple[str, int]]:
    return {(h.kind.key, h.document.object_id) for h in queries.search(user, text, limit=50).hits}


def test_posts_and_comments_follow_edits_moves_and_deletions() -> None:
    from cercle.feed.actions import add_comment, delete_comment, delete_post, edit_post

    anne = make_user(first_name="Anne")
    space = make_space(owner=anne, name="Atelier")
    other = make_space(owner=anne, name="Autre", kind="secret")
    post = make_post(author=anne, space=space, body="Le perroquet vert")
    assert ("post", post.pk) in found(anne, "perroquet")
    edit_post(actor=anne, post=post, body="Le toucan jaune")
    assert ("post", post.pk) not in found(anne, "perroquet")
    assert ("post", post.pk) in found(anne, "toucan")
    comment = add_comment(actor=anne, post=post, body="Quel plumage magnifique")
    assert ("comment", comment.pk) in found(anne, "plumage")
    delete_comment(actor=anne, comment=comment)
    assert ("comment", comment.pk) not in found(anne, "plumage")
    # A move between spaces (no action moves posts yet: a row update, then a save).
    post.space = other
    post.save(update_fields=["space"])
    assert SearchDocument.objects.get(kind="post", object_id=post.pk).space_id == other.pk
    delete_post(actor=anne, post=post)
    assert not SearchDocument.objects.filter(kind="post", object_id=post.pk).exists()


def test_people_spaces_messages_pages_events_and_files_follow_writes() -> None:
    from cercle.accounts.actions.people import deactivate_person
    from cercle.chat.actions import delete_message, edit_message
    from cercle.pages.actions import create_page, delete_page, edit_page
    from cercle.spaces.actions import update_space
    from tests.factories import make_admin
    from tests.search.conftest import _document

    admin = make_admin()
    anne = make_user(first_name="Anne", last_name="Zébulon")
    bob = make_user(first_name="Bob")
    assert ("person", anne.pk) in found(bob, "zebulon")
    deactivate_person(actor=admin, person=anne)
    assert ("person", anne.pk) not in found(bob, "zebulon")

    space = make_space(owner=bob, name="Jardinage")
    update_space(
        actor=bob, space=space, name="Botanique", description="", kind="open", modules=space.modules
    )
    assert ("space", space.pk) in found(bob, "botanique")
    assert ("space", space.pk) not in found(bob, "jardinage")

    direct = make_direct(bob, admin)
    message = make_message(bob, direct, body="Le colis arrive demain")
    assert ("message", message.pk) in found(admin, "colis")
    edit_message(actor=bob, message_id=message.pk, body="Le paquet arrive demain")
    assert ("message", message.pk) in found(admin, "paquet")
    delete_message(actor=bob, message_id=message.pk)
    assert ("message", message.pk) not in found(admin, "paquet")

    page = create_page(actor=bob, space=space, title="Semis", body="Les tomates en mars")
    edit_page(
        actor=bob,
        page=page,
        title="Semis de printemps",
        body="Les courgettes",
        base_revision=page.revision,
    )
    assert ("page", page.pk) in found(bob, "courgettes")
    assert ("page", page.pk) not in found(bob, "tomates")
    delete_page(actor=bob, page=page)
    assert ("page", page.pk) not in found(bob, "courgettes")

    event = make_event(organiser=bob, space=space, title="Atelier rempotage")
    assert ("event", event.pk) in found(bob, "rempotage")

    document = _document(bob, space, "plan-des-parcelles.pdf")
    assert ("document", document.pk) in found(bob, "parcelles")


def test_the_rebuild_command_rebuilds_and_resumes(tmp_path: Path) -> None:
    anne = make_user(first_name="Anne")
    post = make_post(author=anne, space=make_space(owner=anne), body="Un ornithorynque")
    SearchDocument.objects.filter(kind="post").update(title="stale")
    state = tmp_path / "state.json"
    out = io.StringIO()
    call_command("rebuild_search_index", "--batch", "1", "--state", str(state), stdout=out)
    assert "post: 1/1 (100%)" in out.getvalue()
    assert SearchDocument.objects.get(kind="post", object_id=post.pk).title != "stale"
    assert ("post", post.pk) in found(anne, "ornithorynque")
    assert not state.exists()
    # Resuming skips the kinds already finished.
    state.write_text(
        '{"person": {"started": "2026-01-01T00:00:00+00:00", "last": 0, "finished": true}}'
    )
    out = io.StringIO()
    call_command("rebuild_search_index", "--resume", "--state", str(state), stdout=out)
    assert "person: done before" in out.getvalue()


def suggested(user: Any, text: str) -> set[tuple[str, int]]:
    return {(h.kind.key, h.document.object_id) for h in queries.suggest(user, text, limit=50)}


def test_suggestions_read_their_own_titles_table_and_follow_writes() -> None:
    """Suggestions read the suggested kinds' titles only (a small table of their own): a rename,
    a deletion, a space turned secret and a deactivated person show at once; posts and comments
    (their titles are their authors' names) are never in it."""
    from django.db import connection

    from cercle.accounts.actions.people import deactivate_person
    from cercle.pages.actions import create_page, delete_page
    from cercle.spaces.actions import update_space
    from tests.factories import make_admin

    admin = make_admin()
    bob = make_user(first_name="Bob", last_name="Quaternion")
    anne = make_user(first_name="Anne", last_name="Quasimodo")
    carl = make_user(first_name="Carl")  # a member of nothing
    space = make_space(owner=bob, name="Quadrature", kind="open")
    post = make_post(author=anne, space=space, body="Un texte")
    assert ("space", space.pk) in suggested(anne, "quadr")
    assert ("person", anne.pk) in suggested(bob, "quasi")
    # Posts and comments are not in the titles' table: the author's name suggests the person.
    sql = {
        "postgresql": "SELECT DISTINCT kind FROM search_searchdocument"
        " JOIN search_title ON search_title.doc_id = search_searchdocument.id",
        "sqlite": "SELECT DISTINCT kind FROM search_searchdocument"
        " JOIN search_titles ON search_titles.rowid = search_searchdocument.id",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        kinds = {row[0] for row in cursor.fetchall()}
    assert kinds and kinds <= {"person", "space", "page", "document", "news"}
    assert ("post", post.pk) not in suggested(bob, "quasi")

    # A rename: the new name is suggested, the old one no longer.
    update_space(
        actor=bob, space=space, name="Quintette", description="", kind="open", modules=space.modules
    )
    assert ("space", space.pk) in suggested(carl, "quint")
    assert ("space", space.pk) not in suggested(carl, "quadr")
    # Turned secret: never suggested to a non-member, still to its member.
    update_space(
        actor=bob,
        space=space,
        name="Quintette",
        description="",
        kind="secret",
        modules=space.modules,
    )
    assert ("space", space.pk) not in suggested(carl, "quint")
    assert ("space", space.pk) in suggested(bob, "quint")
    # A page deleted leaves the suggestions.
    page = create_page(actor=bob, space=space, title="Quiétude du lundi", body="Texte.")
    assert ("page", page.pk) in suggested(bob, "quiet")
    delete_page(actor=bob, page=page)
    assert ("page", page.pk) not in suggested(bob, "quiet")
    # A deactivated person is no longer suggested.
    deactivate_person(actor=admin, person=anne)
    assert ("person", anne.pk) not in suggested(bob, "quasi")


def test_a_title_left_of_a_kind_not_suggested_is_never_suggested() -> None:
    """The titles' table holds the suggested kinds alone; a row of another kind left there (a
    kind no longer suggested, until `rebuild_search_index`) is not offered."""
    from django.db import connection

    from cercle.search.models import SearchDocument

    anne = make_user(first_name="Anne")
    post = make_post(author=anne, space=make_space(owner=anne), body="Un texte")
    document = SearchDocument.objects.get(kind="post", object_id=post.pk)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO search_title (doc_id, vector) VALUES (%s, to_tsvector('simple', %s))",
                [document.pk, "zorglub"],
            )
        else:
            cursor.execute(
                "INSERT INTO search_titles (rowid, title_words, title_stems) VALUES (%s, %s, %s)",
                [document.pk, "zorglub", "zorglub"],
            )
    assert ("post", post.pk) not in suggested(anne, "zorgl")
    assert suggested(anne, "zorgl") == set()
