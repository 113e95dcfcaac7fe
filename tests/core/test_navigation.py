"""The side navigation's registry (`cercle.core.navigation`): sections in their order, the
current page marked, computed once per request, nothing for someone signed out; the page shows
the spaces' and chat's sections at a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from cercle.accounts.models import Role
from cercle.core import navigation
from cercle.core.navigation import NavLink, NavSection
from tests.factories import add_member, make_direct, make_message, make_space, make_user
from tests.helpers.clients import client_for

pytestmark = pytest.mark.django_db


def test_sections_come_in_their_order_once_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def links(key: str) -> object:
        def listed(user: object, limit: int) -> list[NavLink]:
            calls.append(key)
            return [NavLink(label=f"{key} {n}", url=f"/{key}/{n}/") for n in range(limit + 5)][
                :limit
            ]

        return listed

    monkeypatch.setattr(navigation, "SECTIONS", {})
    for key, order in (("b", 20), ("a", 10)):
        navigation.register_section(
            NavSection(
                key=key,
                title=gettext_lazy("Title"),
                links=links(key),  # type: ignore[arg-type]
                more_label=gettext_lazy("More"),
                more_url=lambda key=key: f"/{key}/",  # type: ignore[misc]
                order=order,
                limit=2,
            )
        )
    request = RequestFactory().get("/b/1/")
    request.user = make_user()
    shown = navigation.sections_for(request)
    assert [s.key for s in shown] == ["a", "b"]
    assert [len(s.links) for s in shown] == [2, 2]
    assert [link.current for link in shown[1].links] == [False, True]
    assert navigation.sections_for(request) is shown
    assert calls == ["a", "b"]
    # Another request asks again; someone signed out gets nothing.
    other = RequestFactory().get("/")
    other.user = AnonymousUser()
    assert navigation.sections_for(other) == []


def test_the_pages_show_my_spaces_and_conversations_at_a_fixed_cost() -> None:
    anne, bob = make_user(first_name="Anne"), make_user(first_name="Bob", last_name="Martin")
    make_space(owner=anne, name="Atelier")
    direct = make_direct(anne, bob)
    make_message(bob, direct, "Bonjour")
    client = client_for(anne)
    page = client.get("/people/").content.decode()
    assert 'class="sidenav"' in page and "Atelier" in page and "Bob Martin" in page
    with CaptureQueriesContext(connection) as small:
        client.get("/people/")
    for n in range(5):
        space = make_space(owner=anne, name=f"Espace {n}")
        add_member(space, bob)
        conversation = make_direct(anne, make_user(first_name=f"P{n}"))
        make_message(anne, conversation, "Salut")
    with CaptureQueriesContext(connection) as large:
        page = client.get("/people/").content.decode()
    assert "Espace 4" in page
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


def test_signed_out_pages_have_no_side_navigation() -> None:
    from django.test import Client

    assert 'class="sidenav"' not in Client().get("/accounts/login/").content.decode()


# --- The main navigation and the account menu ---------------------------------------------------


def test_the_modules_fill_the_main_navigation_and_the_account_menu() -> None:
    anne = make_user(first_name="Anne")
    request = RequestFactory().get("/people/someone/")
    request.user = anne
    main = navigation.menu_links(request, "main")
    # Each registered by its own module (feed, accounts, spaces, chat, pages, news, agenda), in
    # their order; on phones, the bar holds the first four and "More" the others.
    assert [link.key for link in main] == [
        "home",
        "people",
        "spaces",
        "messages",
        "intranet",
        "news",
        "agenda",
    ]
    assert [link.key for link in navigation.more_links(main)] == ["intranet", "news", "agenda"]
    assert {link.screens for link in main[:4]} == {""}
    assert {link.screens for link in main[4:]} == {"wide"}
    assert [link.key for link in main if link.current] == ["people"]
    # Messages draws itself, with its live unread badge.
    messages = next(link for link in main if link.key == "messages")
    assert messages.html is not None and 'id="messages-badge"' in messages.html
    account = navigation.menu_links(request, "account")
    assert [link.key for link in account] == [
        "profile",
        "onboarding",
        "documents",
        "settings",
        "my_data",
        "security",
    ]
    assert account[0].url == f"/people/{anne.username}/"
    # The Administration link: to those with an administration right only.
    request.user = make_user(role=Role.ADMIN)
    assert "administration" in [link.key for link in navigation.menu_links(request, "account")]
    signed_out = RequestFactory().get("/")
    signed_out.user = AnonymousUser()
    assert navigation.menu_links(signed_out, "main") == []


def test_a_registered_link_shows_in_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        navigation.MENU_LINKS,
        "handbook",
        navigation.MenuLink(
            key="handbook",
            label=gettext_lazy("Handbook"),
            url=lambda user: "/handbook/",
            place="account",
            order=85,
        ),
    )
    page = client_for(make_user()).get("/").content.decode()
    menu = page.split('class="user-menu"', 1)[1].split("</details>", 1)[0]
    assert '<a href="/handbook/">Handbook</a>' in menu
    assert menu.index("/handbook/") < menu.index("logout")


def test_a_menu_source_adds_links_known_at_request_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module's links read per request (the admins' own, `cercle.homepage`): a tab from 48rem,
    an item of the account menu below it."""

    def source(request: Any, place: str) -> list[navigation.ShownMenuLink]:
        return [
            navigation.ShownMenuLink(
                key="tools",
                label="Outils",
                url="/tools/",
                current=False,
                css_class="",
                html=None,
                screens="wide" if place == "main" else "phone",
            )
        ]

    monkeypatch.setattr(navigation, "MENU_SOURCES", [source])
    page = client_for(make_user()).get("/").content.decode()
    main = page.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    menu = page.split('class="user-menu"', 1)[1].split("</details>", 1)[0]
    assert '<li class="nav-wide-only"><a class="" href="/tools/">Outils</a></li>' in main
    assert '<li class="nav-phone-only"><a href="/tools/">Outils</a></li>' in menu


def test_the_phone_bar_opens_the_other_links_from_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the phone bar's room, the links are tabs from 48rem and the items of a "More"
    disclosure on phones, which marks itself when the current page is one of them."""
    client = client_for(make_user())
    page = client.get("/agenda/").content.decode()
    main = page.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert (
        '<li class="nav-wide-only"><a class="nav-agenda" href="/agenda/" aria-current="page">'
        in main
    )
    more = main.split('<details class="nav-more">', 1)[1].split("</details>", 1)[0]
    assert '<summary class="nav-more-toggle nav-more-current">' in more
    for url in ("/intranet/", "/news/", "/agenda/"):
        assert f'href="{url}"' in more
    assert 'href="/people/"' not in more
    # With one link too many only, it takes the "More" entry's place: no menu of one item.
    for key in ("news", "agenda"):
        monkeypatch.delitem(navigation.MENU_LINKS, key)
    main = client.get("/").content.decode().split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert "nav-more" not in main and '<li><a class="nav-intranet" href="/intranet/"' in main
