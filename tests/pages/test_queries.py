"""Who may read and write pages: the intranet (organisation space) and each space's wiki, as a
matrix of space kind × role, plus guests, deactivated people, archived spaces, the module off and
intranet section editors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cercle.pages import actions, queries
from cercle.pages.models import Page, PageEditor
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_admin, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db

# space kind → role → (may read, may write)
WIKI = {
    "open": {
        "owner": (True, True),
        "member": (True, True),
        "outsider": (True, False),
        "guest_member": (True, True),
        "guest": (False, False),
        "org_admin": (True, True),
    },
    "request": {
        "owner": (True, True),
        "member": (True, True),
        "outsider": (False, False),
        "guest_member": (True, True),
        "guest": (False, False),
        "org_admin": (True, True),
    },
    "private": {
        "owner": (True, True),
        "member": (True, True),
        "outsider": (False, False),
        "guest_member": (True, True),
        "guest": (False, False),
        "org_admin": (True, True),
    },
    "secret": {
        "owner": (True, True),
        "member": (True, True),
        "outsider": (False, False),
        "guest_member": (True, True),
        "guest": (False, False),
        "org_admin": (True, True),
    },
}


@pytest.mark.parametrize("kind", list(WIKI))
def test_space_wiki_matrix(kind: str) -> None:
    owner = make_user()
    space = make_space(owner=owner, kind=kind)
    people = {
        "owner": owner,
        "member": make_user(),
        "outsider": make_user(),
        "guest_member": make_guest(),
        "guest": make_guest(),
        "org_admin": make_admin(),
    }
    add_member(space, people["member"])
    add_member(space, people["guest_member"])
    tree = queries.PageTree.of(space)
    for role, (read, write) in WIKI[kind].items():
        person = people[role]
        assert queries.may_read(person, space) is read, (kind, role)
        assert queries.may_write(person, space, None, tree) is write, (kind, role)


def test_archived_spaces_deactivated_people_and_the_module_off() -> None:
    owner, gone = make_user(), make_user()
    space = make_space(owner=owner, members=(gone,))
    gone.is_active = False
    gone.save()
    assert not queries.may_read(gone, space)
    assert not queries.may_write_anywhere(gone, space)
    off = make_space(owner=owner, module_settings={"pages": False})
    assert not queries.may_read(owner, off) and not queries.may_write_anywhere(owner, off)
    space.archived_at = timezone.now()
    space.save()
    assert queries.may_read(owner, space) and not queries.may_write_anywhere(owner, space)


def test_intranet_is_read_by_every_employee_written_by_admins_and_staff_only() -> None:
    org = organisation_space()
    tree = queries.PageTree.of(org)
    staff, member, guest, admin = (
        make_user(role="staff"),
        make_user(),
        make_guest(),
        make_admin(),
    )
    assert [queries.may_read(p, org) for p in (staff, member, guest, admin)] == [
        True,
        True,
        False,
        True,
    ]
    assert [queries.may_write(p, org, None, tree) for p in (staff, member, guest, admin)] == [
        True,
        False,
        False,
        True,
    ]


def test_a_section_editor_writes_that_section_and_below_only() -> None:
    org = organisation_space()
    admin = make_admin()
    hr = actions.create_page(actor=admin, space=org, title="Ressources humaines")
    leave = actions.create_page(actor=admin, space=org, title="Congés", parent=hr)
    detail = actions.create_page(actor=admin, space=org, title="Congés payés", parent=leave)
    it = actions.create_page(actor=admin, space=org, title="Informatique")
    editor = make_user()
    actions.add_editor(actor=admin, page=hr, person=editor)
    tree = queries.PageTree.of(org)
    assert [queries.may_write(editor, org, p.pk, tree) for p in (hr, leave, detail, it)] == [
        True,
        True,
        True,
        False,
    ]
    assert not queries.may_write(editor, org, None, tree)  # not at the top of the intranet
    assert queries.may_write_somewhere(editor, org)
    page = actions.create_page(actor=editor, space=org, title="Télétravail", parent=hr)
    assert page.parent_id == hr.pk
    with pytest.raises(PermissionDenied):
        actions.create_page(actor=editor, space=org, title="Ailleurs", parent=it)
    actions.remove_editor(actor=admin, page=hr, person=editor)
    assert not PageEditor.objects.filter(user=editor).exists()
    assert not queries.may_write_somewhere(editor, org)


def test_only_the_organisations_admins_name_editors() -> None:
    org = organisation_space()
    admin, staff = make_admin(), make_user(role="staff")
    section = actions.create_page(actor=staff, space=org, title="Communication")
    with pytest.raises(PermissionDenied):
        actions.add_editor(actor=staff, page=section, person=make_user())
    other = make_space(owner=admin)
    wiki = actions.create_page(actor=admin, space=other, title="Wiki")
    with pytest.raises(PermissionDenied):
        actions.add_editor(actor=admin, page=wiki, person=make_user())  # spaces have members


def test_the_tree_is_read_in_one_query(django_assert_num_queries: object) -> None:
    owner = make_user()
    space = make_space(owner=owner)
    top = actions.create_page(actor=owner, space=space, title="A")
    for n in range(5):
        child = actions.create_page(actor=owner, space=space, title=f"B{n}", parent=top)
        actions.create_page(actor=owner, space=space, title=f"C{n}", parent=child)
    # Its version, then its rows; then the version only (the tree is cached by it).
    with django_assert_num_queries(2):  # type: ignore[operator]
        tree = queries.PageTree.of(space)
        rows = list(tree.walk())
    assert [depth for _node, depth in rows][:3] == [0, 1, 2]
    assert len(rows) == 11
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert len(list(queries.PageTree.of(space).walk())) == 11


def test_the_cached_tree_follows_every_change_of_the_tree() -> None:
    """Created, renamed, moved, deleted: each action gives the tree a new version, and the
    tree read next is the new one, never the cached one from before."""
    owner = make_user()
    space = make_space(owner=owner)
    top = actions.create_page(actor=owner, space=space, title="Haut")
    other = actions.create_page(actor=owner, space=space, title="Autre")

    def shape() -> list[tuple[str, int]]:
        return [(node.title, depth) for node, depth in queries.PageTree.of(space).walk()]

    assert shape() == [("Haut", 0), ("Autre", 0)]
    child = actions.create_page(actor=owner, space=space, title="Dessous", parent=top)
    assert shape() == [("Haut", 0), ("Dessous", 1), ("Autre", 0)]
    child = actions.edit_page(
        actor=owner, page=child, title="Renommée", body="", base_revision=child.revision
    )
    assert shape() == [("Haut", 0), ("Renommée", 1), ("Autre", 0)]
    assert queries.PageTree.of(space).slug_for_title("renommee") == child.slug
    actions.move_page(actor=owner, page=child, parent=other, position=0)
    assert shape() == [("Haut", 0), ("Autre", 0), ("Renommée", 1)]
    actions.delete_page(actor=owner, page=Page.objects.get(pk=child.pk))
    assert shape() == [("Haut", 0), ("Autre", 0)]
    # Another space's tree is its own.
    assert queries.PageTree.of(make_space(owner=owner)).nodes == {}
