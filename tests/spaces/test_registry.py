"""A space's header lists the tabs modules registered (`cercle.spaces.registry`), each shown by
its own rule, in order; a new module's tab appears without any edit to spaces."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy

from cercle.spaces import queries, registry
from tests.factories import make_admin, make_space, make_user

pytestmark = pytest.mark.django_db


def keys(user: object, space: object) -> list[str]:
    return [tab.key for tab in queries.space_view(user, space).tabs]  # type: ignore[arg-type]


def test_each_viewer_sees_the_tabs_their_rights_allow_in_order() -> None:
    owner, member, stranger = make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(member,), kind="private")
    assert keys(owner, space) == ["wall", "members", "documents", "chat", "reports", "settings"]
    assert keys(member, space) == ["wall", "members", "documents", "chat"]
    assert keys(stranger, space) == ["wall"]


def test_chat_off_hides_the_chat_tab() -> None:
    owner = make_user()
    space = make_space(owner=owner, module_chat=False)
    assert "chat" not in keys(owner, space)


@pytest.fixture
def documents_tab() -> Iterator[None]:
    registry.register_tab(
        registry.SpaceTab(
            key="test-documents",
            label=gettext_lazy("Documents"),
            url=lambda space: f"/test-documents/{space.slug}/",
            shown=lambda view: view.can_read,
            order=26,
        )
    )
    yield
    registry.TABS.pop("test-documents")


@pytest.mark.usefixtures("documents_tab")
def test_a_module_registers_a_tab_and_the_header_shows_it() -> None:
    admin = make_admin()
    space = make_space(owner=admin)
    assert keys(admin, space)[:4] == ["wall", "members", "documents", "test-documents"]
    client = Client()
    client.force_login(admin)
    page = client.get(f"/spaces/{space.slug}/").content.decode()
    assert f'href="/test-documents/{space.slug}/">Documents</a>' in page
    assert f'href="/spaces/{space.slug}/" aria-current="page">' in page
