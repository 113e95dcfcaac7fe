"""The home page as admins compose it: quick links (both languages, safe addresses, an icon,
targeted to sites and departments), the home's parts (shown, order, whom for), the header's
extra links; only administrators manage them, every write is audited, bad input is a form
error, and the home page's query count stays fixed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.homepage import actions, queries
from cercle.homepage.models import HomeLink, HomePart
from tests.factories import make_admin, make_department, make_site, make_user

pytestmark = pytest.mark.django_db


def signed_in(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def old_user(**kwargs: Any) -> User:
    """Someone who joined long ago: no newcomer's checklist, not a new arrival."""
    user = make_user(**kwargs)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=400))
    user.refresh_from_db()
    return user


def add_link(admin: User, **fields: Any) -> HomeLink:
    data = {
        "place": "home",
        "label_fr": "Notes de frais",
        "label_en": "Expense claims",
        "url": "https://frais.example.org/",
        "icon": "expenses",
        **fields,
    }
    return actions.save_link(actor=admin, data=actions.LinkInput(**data))


def form(**fields: str) -> dict[str, str]:
    return {
        "place": "home",
        "label_fr": "Annuaire",
        "label_en": "Directory",
        "url": "/people/",
        "icon": "directory",
        **fields,
    }


# --- Addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://frais.example.org/", "http://intranet.local/a?b=c#d", "/people/", "/intranet/"],
)
def test_web_addresses_and_cercle_paths_are_accepted(url: str) -> None:
    assert actions.clean_url(f"  {url} ") == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "ftp://example.org/",
        "//evil.example/",
        "/\\evil.example",
        "https://",
        "https:///path",
        "example.org",
        "https://exa mple.org/",
        "https://example.org/\x00",
        "",
        "https://example.org/" + "a" * 500,
    ],
)
def test_other_addresses_are_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        actions.clean_url(url)


# --- Managing links ----------------------------------------------------------------------------


def test_only_administrators_manage_the_home() -> None:
    staff, member = make_user(role="staff"), make_user()
    for person in (staff, member):
        with pytest.raises(PermissionDenied):
            add_link(person)
        assert signed_in(person).get("/manage/home/").status_code == 403
        assert signed_in(person).post("/manage/home/", form()).status_code == 403
    assert not HomeLink.objects.exists()
    assert Client().get("/manage/home/").status_code == 302  # to the login page
    link = add_link(make_admin())
    for person in (staff, member):
        client = signed_in(person)
        assert client.get(f"/manage/home/links/{link.pk}/").status_code == 403
        assert client.post(f"/manage/home/links/{link.pk}/remove/").status_code == 403
        assert client.post(f"/manage/home/links/{link.pk}/move/").status_code == 403
    assert HomeLink.objects.filter(pk=link.pk).exists()


def test_an_admin_adds_edits_moves_and_removes_links_audited() -> None:
    admin = make_admin()
    client = signed_in(admin)
    page = client.get("/manage/home/")
    assert page.status_code == 200
    assert "Quick links" in page.content.decode()

    for label in ("Annuaire", "Support", "Congés"):
        response = client.post("/manage/home/", form(label_fr=label, label_en=""))
        assert response.status_code == 302
    links = list(queries.all_links("home"))
    assert [link.label_fr for link in links] == ["Annuaire", "Support", "Congés"]
    assert AuditEntry.objects.filter(action="homepage.link_added").count() == 3

    last = links[-1]
    client.post(f"/manage/home/links/{last.pk}/move/", {"direction": "up"})
    assert [link.label_fr for link in queries.all_links("home")] == [
        "Annuaire",
        "Congés",
        "Support",
    ]
    client.post(f"/manage/home/links/{links[0].pk}/move/", {"direction": "up"})  # already first
    assert [link.label_fr for link in queries.all_links("home")] == [
        "Annuaire",
        "Congés",
        "Support",
    ]
    client.post(f"/manage/home/links/{links[0].pk}/move/", {"direction": "down"})
    assert [link.label_fr for link in queries.all_links("home")] == [
        "Congés",
        "Annuaire",
        "Support",
    ]
    assert AuditEntry.objects.filter(action="homepage.link_moved").count() == 2

    edit = client.get(f"/manage/home/links/{last.pk}/")
    assert edit.status_code == 200 and "Congés" in edit.content.decode()
    response = client.post(
        f"/manage/home/links/{last.pk}/",
        form(label_fr="Congés et absences", url="https://conges.example.org/", icon="leave"),
    )
    assert response.status_code == 302
    last.refresh_from_db()
    assert (last.label_fr, last.url, last.icon) == (
        "Congés et absences",
        "https://conges.example.org/",
        "leave",
    )
    entry = AuditEntry.objects.get(action="homepage.link_changed")
    assert entry.old_value["label_fr"] == "Congés"
    assert entry.new_value["label_fr"] == "Congés et absences"

    client.post(f"/manage/home/links/{last.pk}/remove/")
    assert not HomeLink.objects.filter(pk=last.pk).exists()
    assert AuditEntry.objects.filter(action="homepage.link_removed").count() == 1
    assert client.get(f"/manage/home/links/{last.pk}/").status_code == 404
    assert client.get("/manage/home/links/99999999999/").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": "javascript:alert(1)"}, "url", "https://"),
        ({"url": "//evil.example/"}, "url", "full address"),
        ({"url": ""}, "url", "required"),
        ({"label_fr": "", "label_en": ""}, "label_fr", "French or in English"),
        ({"label_fr": "x" * 61}, "label_fr", "at most"),
        ({"icon": "skull"}, "icon", "valid choice"),
        ({"place": "footer"}, "place", "valid choice"),
        ({"sites": "999999"}, "sites", "valid choice"),
    ],
)
def test_bad_links_are_form_errors_and_change_nothing(
    fields: dict[str, str], field: str, message: str
) -> None:
    client = signed_in(make_admin())
    response = client.post("/manage/home/", form(**fields))
    assert response.status_code == 400
    errors = response.context["link_form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not HomeLink.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="homepage.").exists()


def test_a_bad_edit_keeps_the_link() -> None:
    admin = make_admin()
    link = add_link(admin)
    response = signed_in(admin).post(
        f"/manage/home/links/{link.pk}/", form(url="javascript:alert(document.cookie)")
    )
    assert response.status_code == 400
    link.refresh_from_db()
    assert link.url == "https://frais.example.org/"


# --- The home page -----------------------------------------------------------------------------


def test_quick_links_show_on_the_home_in_the_persons_language() -> None:
    admin = make_admin()
    add_link(admin)
    add_link(admin, label_fr="Annuaire", label_en="", url="/people/", icon="directory")
    add_link(admin, label_fr="", label_en="Helpdesk", url="https://help.example.org/")
    me = old_user()
    english = signed_in(me, "en").get("/").content.decode()
    assert 'class="card quick-links-home"' in english
    assert "Expense claims" in english and "Notes de frais" not in english
    assert "Annuaire" in english  # no English label: the French one
    assert "Helpdesk" in english
    assert 'href="https://frais.example.org/"' in english
    assert 'aria-label="Expenses"' in english  # the icon's text alternative
    me.language = "fr"
    me.save(update_fields=["language"])
    french = signed_in(me, "fr").get("/").content.decode()
    assert "Notes de frais" in french and "Expense claims" not in french
    assert "Helpdesk" in french


def test_no_links_no_panel() -> None:
    content = signed_in(old_user()).get("/").content.decode()
    assert "quick-links-home" not in content


def test_links_target_sites_and_departments() -> None:
    admin = make_admin()
    lyon, nantes = make_site("Lyon"), make_site("Nantes")
    sales = make_department("Ventes")
    add_link(admin, label_en="For everyone")
    add_link(admin, label_en="Lyon only", sites=[lyon])
    add_link(admin, label_en="Sales only", departments=[sales])
    add_link(admin, label_en="Nantes or sales", sites=[nantes], departments=[sales])

    def seen(user: User) -> list[str]:
        return [link.label("en") for link in queries.links_for(user, "home")]

    assert seen(old_user(site=lyon)) == ["For everyone", "Lyon only"]
    assert seen(old_user(site=nantes)) == ["For everyone", "Nantes or sales"]
    assert seen(old_user(department=sales, site=lyon)) == [
        "For everyone",
        "Lyon only",
        "Sales only",
        "Nantes or sales",
    ]
    assert seen(old_user()) == ["For everyone"]
    page = signed_in(old_user(site=nantes)).get("/").content.decode()
    assert "Nantes or sales" in page and "Lyon only" not in page


def test_menu_links_show_in_the_header_wide_and_in_the_account_menu_on_phones() -> None:
    admin = make_admin()
    add_link(
        admin, place="menu", label_fr="Procédures RH", label_en="HR procedures", url="/intranet/"
    )
    content = signed_in(old_user()).get("/").content.decode()
    main = content.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    account = content.split('class="user-menu"', 1)[1].split("</details>", 1)[0]
    assert '<li class="nav-wide-only"><a class="" href="/intranet/"' in main
    assert '<li class="nav-phone-only"><a href="/intranet/"' in account
    assert "HR procedures" in main and "HR procedures" in account
    assert "quick-links-home" not in content  # a menu link is no quick link


# --- The parts ---------------------------------------------------------------------------------


def parts_form(**changes: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"parts": "1"}
    for index, part in enumerate(queries.PARTS.values(), start=1):
        values = {"shown": part.shown, "position": index, **changes.get(part.key, {})}
        if values.pop("shown"):
            data[f"{part.key}-shown"] = "on"
        for name, value in values.items():
            data[f"{part.key}-{name}"] = value
    return data


def test_admins_choose_the_parts_their_order_and_audience() -> None:
    admin = make_admin()
    sales = make_department("Ventes")
    add_link(admin)
    client = signed_in(admin)
    response = client.post(
        "/manage/home/",
        parts_form(
            quick_links={"position": 3},
            news={"position": 1},
            new_arrivals={"shown": True, "position": 2},
            agenda={"shown": False},
            announcements={"departments": [str(sales.pk)]},
        ),
    )
    assert response.status_code == 302
    assert HomePart.objects.count() == len(queries.PARTS)
    entry = AuditEntry.objects.get(action="homepage.parts_changed")
    assert entry.new_value["agenda"]["shown"] is False
    assert entry.new_value["announcements"]["departments"] == ["Ventes"]

    me, seller = old_user(), old_user(department=sales)
    assert [p.key for p in queries.parts_for(me)] == ["news", "new_arrivals", "quick_links"]
    assert [p.key for p in queries.parts_for(seller)] == [
        "news",
        "new_arrivals",
        "quick_links",
        "announcements",
    ]
    layout = queries.layout_for(me)
    assert layout.hidden == {"agenda", "announcements"}
    newcomer = make_user(first_name="Zoé", last_name="Nouvelle")
    content = signed_in(me).get("/").content.decode()
    assert "agenda-home" not in content
    assert "Zoé Nouvelle" in content
    assert content.index("new-arrivals-home") < content.index("quick-links-home")
    assert newcomer.pk  # she is a new arrival, and so is anyone who joined this month

    # Saved again as they are: nothing to audit.
    page = client.get("/manage/home/")
    assert page.status_code == 200
    client.post(
        "/manage/home/",
        parts_form(
            quick_links={"position": 3},
            news={"position": 1},
            new_arrivals={"shown": True, "position": 2},
            agenda={"shown": False},
            announcements={"departments": [str(sales.pk)]},
        ),
    )
    assert AuditEntry.objects.filter(action="homepage.parts_changed").count() == 1


def test_hidden_announcements_leave_the_home_but_stay_in_the_feed() -> None:
    from cercle.announcements.models import Announcement
    from cercle.feed.actions import create_post
    from cercle.spaces import queries as space_queries

    admin = make_admin()
    post = create_post(actor=admin, space=space_queries.organisation_space(), body="Fermeture")
    Announcement.objects.create(post=post, created_by=admin)
    me = old_user()
    assert 'id="announcements"' in signed_in(me).get("/").content.decode()
    signed_in(admin).post("/manage/home/", parts_form(announcements={"shown": False}))
    content = signed_in(me).get("/").content.decode()
    assert 'id="announcements"' not in content
    assert "Fermeture" in content  # the post itself stays in the feed


@pytest.mark.parametrize(
    "changes",
    [
        {"news": {"position": 0}},
        {"news": {"position": 99}},
        {"news": {"position": "first"}},
        {"agenda": {"sites": ["999999"]}},
    ],
)
def test_bad_parts_are_form_errors_and_change_nothing(changes: dict[str, Any]) -> None:
    response = signed_in(make_admin()).post("/manage/home/", parts_form(**changes))
    assert response.status_code == 400
    assert any(form.errors for _part, form in response.context["part_forms"])
    assert not HomePart.objects.exists()


def test_parts_default_without_settings() -> None:
    assert [p.key for p in queries.parts_for(old_user())] == [
        "quick_links",
        "news",
        "announcements",
        "agenda",
    ]


def test_new_arrivals_are_people_of_the_last_30_days_not_guests_nor_invited() -> None:
    from cercle.accounts.models import Invitation

    old = old_user(first_name="Ancien")
    recent = make_user(first_name="Récent")
    guest = make_user(first_name="Invité", role="guest")
    invited = make_user(first_name="Attendu")
    Invitation.objects.create(
        user=invited, token_hash="t" * 64, expires_at=timezone.now() + timedelta(days=3)
    )
    found = queries.new_arrivals()
    assert recent in found
    assert old not in found and guest not in found and invited not in found


# --- Cost --------------------------------------------------------------------------------------


def _home_queries(client: Client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured.captured_queries)


def test_home_query_count_stays_fixed_with_links_and_parts() -> None:
    """The composition is read once, from the cache: links and menu links cost nothing more
    whatever their number; a targeted one costs the viewer's profile, which the announcements
    read anyway; the new arrivals' panel, once turned on, one query."""
    admin = make_admin()
    site = make_site("Lyon")
    me = old_user(site=site)
    client = signed_in(me)
    bare = _home_queries(client)
    add_link(admin, label_en="Link", sites=[site])
    add_link(admin, place="menu", label_en="Menu")
    one = _home_queries(client)
    for i in range(12):
        add_link(admin, label_en=f"Link {i}", sites=[site] if i % 2 else [])
        add_link(admin, place="menu", label_en=f"Menu {i}", departments=[make_department()])
    many = _home_queries(client)
    assert bare == one == many
    assert client.get("/").content.decode().count('class="quick-link"') == 13
    actions.save_parts(
        actor=admin, parts=[actions.PartInput(key="new_arrivals", shown=True, position=5)]
    )
    assert _home_queries(client) == bare + 1
    # Hiding featured news and upcoming events spares their queries.
    actions.save_parts(
        actor=admin,
        parts=[
            actions.PartInput(key="news", shown=False, position=2),
            actions.PartInput(key="agenda", shown=False, position=4),
        ],
    )
    assert _home_queries(client) < bare + 1


def test_no_composition_costs_no_query_once_cached(django_assert_num_queries: Any) -> None:
    queries.home_config()
    me = old_user()
    with django_assert_num_queries(0):
        assert queries.links_for(me, "home") == []
        assert queries.links_for(me, "menu") == []
        queries.layout_for(me)


def test_a_write_drops_the_cached_composition() -> None:
    admin = make_admin()
    me = old_user()
    assert queries.links_for(me, "home") == []
    link = add_link(admin)
    assert [entry.pk for entry in queries.links_for(me, "home")] == [link.pk]
    actions.remove_link(actor=admin, link=link)
    assert queries.links_for(me, "home") == []
