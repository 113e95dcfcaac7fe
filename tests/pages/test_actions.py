"""Writing pages: revisions, edit conflicts, renames that keep old links, restore, moves in the
tree, deletion, backlinks; bad input changes nothing; every write is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.pages import actions, queries
from cercle.pages.models import Page, PageRevision
from cercle.spaces.models import Space
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def space() -> Space:
    return make_space(owner=make_user())


def owner_of(space: Space) -> User:
    return space.memberships.get(role="owner").user


def test_create_and_edit_keep_numbered_revisions(space: Space) -> None:
    anne, bob = owner_of(space), make_user()
    space.memberships.create(user=bob, role="member")
    page = actions.create_page(actor=anne, space=space, title="Procédure d'achat", body="v1")
    assert (page.slug, page.revision) == ("procedure-dachat", 1)
    page = actions.edit_page(
        actor=bob, page=page, title=page.title, body="v2", base_revision=1, summary="prix"
    )
    assert page.revision == 2
    assert list(page.revisions.values_list("number", "body", "summary", "author")) == [
        (2, "v2", "prix", bob.pk),
        (1, "v1", "", anne.pk),
    ]
    same = actions.edit_page(actor=bob, page=page, title=page.title, body="v2", base_revision=2)
    assert same.revision == 2  # nothing changed: no empty revision
    assert AuditEntry.objects.filter(action__startswith="pages.").count() == 2


def test_the_second_editor_gets_a_conflict_and_nothing_is_lost(space: Space) -> None:
    anne = owner_of(space)
    page = actions.create_page(actor=anne, space=space, title="Charte", body="base")
    actions.edit_page(actor=anne, page=page, title="Charte", body="first", base_revision=1)
    with pytest.raises(actions.EditConflict) as clash:
        actions.edit_page(actor=anne, page=page, title="Charte", body="second", base_revision=1)
    assert (clash.value.theirs.number, clash.value.theirs.body) == (2, "first")
    page.refresh_from_db()
    assert (page.revision, page.body) == (2, "first")
    assert PageRevision.objects.filter(page=page).count() == 2


def test_a_rename_keeps_old_addresses_and_old_title_links(space: Space) -> None:
    anne = owner_of(space)
    target = actions.create_page(actor=anne, space=space, title="Mutuelle")
    source = actions.create_page(
        actor=anne, space=space, title="Accueil", body="Voir [[mutuelle]]."
    )
    future = actions.create_page(actor=anne, space=space, title="Index", body="[[Pas encore]]")
    assert list(queries.backlinks(target)) == [source]
    renamed = actions.edit_page(
        actor=anne, page=target, title="Complémentaire santé", body="", base_revision=1
    )
    assert renamed.slug == "complementaire-sante"
    found = queries.access_page(anne, space, "mutuelle")
    assert (found.page.pk, found.moved) == (target.pk, True)
    tree = queries.PageTree.of(space)
    assert queries.resolve_titles(space, tree)["mutuelle"] == "complementaire-sante"
    assert list(queries.backlinks(renamed)) == [source]
    later = actions.create_page(actor=anne, space=space, title="Pas encore")
    assert list(queries.backlinks(later)) == [future]  # a link written before its page exists
    # A new page may take a freed address: it wins over the old one.
    again = actions.create_page(actor=anne, space=space, title="Mutuelle")
    assert queries.access_page(anne, space, "mutuelle").page.pk == again.pk


def test_restore_adds_a_revision_with_the_old_text(space: Space) -> None:
    anne = owner_of(space)
    page = actions.create_page(actor=anne, space=space, title="Note", body="un")
    page = actions.edit_page(actor=anne, page=page, title="Note bis", body="deux", base_revision=1)
    restored = actions.restore_revision(actor=anne, page=page, number=1)
    assert (restored.revision, restored.title, restored.body) == (3, "Note", "un")
    assert restored.revisions.get(number=3).summary == "Version 1 rétablie"
    with pytest.raises(Exception):  # noqa: B017 - NotFound, a 404
        actions.restore_revision(actor=anne, page=page, number=9)


def test_moves_keep_order_and_never_put_a_page_under_itself(space: Space) -> None:
    anne = owner_of(space)
    a, b, c = (actions.create_page(actor=anne, space=space, title=t) for t in "ABC")
    child = actions.create_page(actor=anne, space=space, title="A1", parent=a)
    actions.move_page(actor=anne, page=c, parent=None, position=0)
    tree = queries.PageTree.of(space)
    assert [n.title for n, depth in tree.walk() if depth == 0] == ["C", "A", "B"]
    with pytest.raises(ValidationError):
        actions.move_page(actor=anne, page=a, parent=child, position=0)
    with pytest.raises(ValidationError):
        actions.move_page(actor=anne, page=a, parent=a, position=0)
    move = actions.step(Page.objects.get(pk=b.pk), queries.PageTree.of(space), "in")
    assert move is not None and move.parent is not None and move.parent.pk == a.pk
    actions.move_page(actor=anne, page=b, parent=move.parent, position=move.position)
    tree = queries.PageTree.of(space)
    assert [(n.title, d) for n, d in tree.walk()] == [("C", 0), ("A", 0), ("A1", 1), ("B", 1)]
    out = actions.step(Page.objects.get(pk=b.pk), tree, "out")
    assert out is not None and out.parent is None and out.position == 2
    assert actions.step(Page.objects.get(pk=c.pk), tree, "up") is None


def test_a_page_with_pages_below_is_not_deleted(space: Space) -> None:
    anne = owner_of(space)
    top = actions.create_page(actor=anne, space=space, title="Haut")
    below = actions.create_page(actor=anne, space=space, title="Bas", parent=top)
    with pytest.raises(ValidationError):
        actions.delete_page(actor=anne, page=top)
    actions.delete_page(actor=anne, page=below)
    actions.delete_page(actor=anne, page=top)
    assert not Page.objects.filter(space=space).exists()


@pytest.mark.parametrize(
    ("title", "body"),
    [("", "x"), ("   ", "x"), ("x" * 201, ""), ("nul\x00", ""), ("ok", "nul\x00"), ("!!!", "")],
)
def test_bad_input_is_refused_and_changes_nothing(space: Space, title: str, body: str) -> None:
    anne = owner_of(space)
    with pytest.raises(ValidationError):
        actions.create_page(actor=anne, space=space, title=title, body=body)
    assert not Page.objects.filter(space=space).exists()


def test_outsiders_cannot_write(space: Space) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_page(actor=make_user(), space=space, title="Intrus")
