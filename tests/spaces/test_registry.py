"""A space's header lists the tabs modules registered (`cercle.spaces.registry`), each shown by
its own rule, in order; a new module's tab appears without any edit to spaces."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy

from cercle.spaces import queries, registry
from cercle.spaces.models import Space
from tests.factories import make_admin, make_space, make_user

pytestmark = pytest.mark.django_db


def keys(user: object, space: object) -> list[str]:
    return [tab.key for tab in queries.space_view(user, space).tabs]  # type: ignore[arg-type]


def test_each_viewer_sees_the_tabs_their_rights_allow_in_order() -> None:
    owner, member, stranger = make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(member,), kind="private")
    assert keys(owner, space) == ["wall", "members", "chat", "agenda", "reports", "settings"]
    assert keys(member, space) == ["wall", "members", "chat", "agenda"]
    assert keys(stranger, space) == ["wall"]


def test_chat_off_hides_the_chat_tab() -> None:
    owner = make_user()
    space = make_space(owner=owner, module_settings={"chat": False})
    assert "chat" not in keys(owner, space)


@pytest.fixture
def documents_tab() -> Iterator[None]:
    registry.register_tab(
        registry.SpaceTab(
            key="test-documents",
            label=gettext_lazy("Documents"),
            url=lambda space: f"/test-documents/{space.slug}/",
            shown=lambda view: view.can_read,
            order=25,
        )
    )
    yield
    registry.TABS.pop("test-documents")


@pytest.mark.usefixtures("documents_tab")
def test_a_module_registers_a_tab_and_the_header_shows_it() -> None:
    admin = make_admin()
    space = make_space(owner=admin)
    assert keys(admin, space)[:3] == ["wall", "members", "test-documents"]
    client = Client()
    client.force_login(admin)
    page = client.get(f"/spaces/{space.slug}/").content.decode()
    assert f'href="/test-documents/{space.slug}/">Documents</a>' in page
    assert f'href="/spaces/{space.slug}/" aria-current="page">' in page


# --- Module switches --------------------------------------------------------------------------


@pytest.fixture
def survey_module() -> Iterator[registry.SpaceModule]:
    """A module installed after spaces were made, off by default (the others are on)."""
    module = registry.SpaceModule(key="test-survey", label=gettext_lazy("Surveys"), default=False)
    registry.register_module(module)
    yield module
    registry.MODULES.pop(module.key)


def test_the_installed_modules_are_the_registered_ones() -> None:
    assert [m.key for m in registry.space_modules()] == ["wall", "chat", "agenda"]


def test_a_space_keeps_each_choice_and_a_missing_key_reads_as_the_default() -> None:
    owner = make_user()
    chosen = make_space(owner=owner, module_settings={"wall": True, "chat": False})
    older = make_space(owner=owner, module_settings={})  # made before any module stored a key
    kept = make_space(owner=owner, module_settings={"documents": True, "wall": False})
    assert chosen.modules == ["wall", "agenda"]
    assert older.modules == ["wall", "chat", "agenda"]
    assert kept.modules == ["chat", "agenda"]  # an uninstalled module's key is kept, not shown
    assert not queries.has_module(kept, "documents")  # not installed: off, whatever is stored


@pytest.mark.usefixtures("survey_module")
def test_the_filter_agrees_with_has_module_for_every_stored_state() -> None:
    owner = make_user()
    spaces = [
        make_space(owner=owner, module_settings=settings)
        for settings in (
            {},
            {"chat": True},
            {"chat": False},
            {"test-survey": True},
            {"test-survey": False, "chat": False},
        )
    ]
    ids = [s.pk for s in spaces]
    for key in ("wall", "chat", "test-survey", "not-installed"):
        found = set(
            Space.objects.filter(queries.spaces_with_module(key), pk__in=ids).values_list(
                "pk", flat=True
            )
        )
        assert found == {s.pk for s in spaces if queries.has_module(s, key)}, key
    assert [queries.has_module(s, "test-survey") for s in spaces] == [
        False,
        False,
        False,
        True,
        False,
    ]


@pytest.mark.usefixtures("survey_module")
def test_the_settings_form_lists_the_installed_modules_and_keeps_the_others() -> None:
    owner = make_user()
    space = make_space(owner=owner, module_settings={"documents": False, "chat": True})
    client = Client()
    client.force_login(owner)
    page = client.get(f"/spaces/{space.slug}/settings/").content.decode()
    assert 'value="test-survey"' in page and 'value="chat"' in page
    assert 'value="documents"' not in page
    response = client.post(
        f"/spaces/{space.slug}/settings/",
        {"name": space.name, "kind": "open", "modules": ["wall", "test-survey"]},
    )
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.module_settings == {
        "documents": False,
        "wall": True,
        "chat": False,
        "agenda": False,
        "test-survey": True,
    }


@pytest.mark.usefixtures("survey_module")
def test_the_api_lists_the_modules_and_refuses_unknown_ones() -> None:
    owner = make_user()
    api = Client()
    api.force_login(owner)
    listed = api.get("/api/v1/space-modules").json()["items"]
    assert [(m["key"], m["default"]) for m in listed] == [
        ("wall", True),
        ("chat", True),
        ("agenda", True),
        ("test-survey", False),
    ]
    created = api.post("/api/v1/spaces", {"name": "Défauts"}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["modules"] == ["wall", "chat", "agenda"]
    refused = api.post(
        "/api/v1/spaces",
        {"name": "Inconnu", "modules": ["wall", "documents"]},
        content_type="application/json",
    )
    assert 400 <= refused.status_code < 500
    assert "documents" in str(refused.json()["detail"])
    assert not Space.objects.filter(name="Inconnu").exists()
