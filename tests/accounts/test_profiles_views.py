"""People pages: the permission matrix (anonymous, deactivated, guest, member, admin) and
what each page shows and does, with and without htmx."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from PIL import Image

from cercle.accounts.actions import profiles as actions
from cercle.accounts.models import Endorsement, Follow, Organisation, Profile, User, UserSkill
from cercle.audit.models import AuditEntry
from tests.factories import make_admin, make_department, make_guest, make_site, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    department, site = make_department("Finance"), make_site("Lyon")
    boss = make_user(username="boss", first_name="Bérénice", last_name="Chef")
    owner = make_user(
        username="owner", first_name="Hélène", last_name="Dupont", department=department, site=site
    )
    actions.update_profile(actor=owner, person=owner, changes={"manager": boss})
    skill = actions.add_skill(actor=owner, person=owner, name="Comptabilité", level=4)
    return {
        "department": department,
        "site": site,
        "boss": boss,
        "owner": owner,
        "user_skill": skill,
        "member": make_user(username="member"),
        "guest": make_guest(username="guest"),
        "admin": make_admin(username="admin"),
        "gone": make_user(username="gone", is_active=False),
    }


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _read_urls(world: dict[str, Any]) -> list[str]:
    return [
        reverse("directory"),
        reverse("directory") + "?q=helene",
        reverse("experts") + "?skill=comptabilite",
        reverse("profile", args=["owner"]),
        reverse("profile", args=["gone"]),
        reverse("orgchart", args=["owner"]),
        reverse("department", args=[world["department"].slug]),
        reverse("site", args=[world["site"].slug]),
        reverse("people_autocomplete") + "?q=hel",
        reverse("skill_autocomplete") + "?q=compt",
    ]


@pytest.mark.parametrize("who", [None, "gone"])
def test_anonymous_and_deactivated_people_are_sent_to_log_in(
    world: dict[str, Any], who: str | None
) -> None:
    client = _client(world[who] if who else None)
    for url in [*_read_urls(world), reverse("profile_edit", args=["owner"])]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]
    for url in [
        reverse("follow", args=["owner"]),
        reverse("endorse", args=["owner", world["user_skill"].skill_id]),
        reverse("skill_add", args=["owner"]),
    ]:
        assert client.post(url).status_code == 302
    assert not Follow.objects.exists() and not Endorsement.objects.exists()


@pytest.mark.parametrize("who", ["guest", "member", "admin", "owner"])
def test_signed_in_people_including_guests_read_every_people_page(
    world: dict[str, Any], who: str
) -> None:
    client = _client(world[who])
    for url in _read_urls(world):
        assert client.get(url).status_code == 200, url


def test_missing_things_are_404(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    assert client.get(reverse("profile", args=["nobody"])).status_code == 404
    assert client.get(reverse("orgchart", args=["nobody"])).status_code == 404
    assert client.get(reverse("department", args=["nope"])).status_code == 404
    assert client.get(reverse("site", args=["nope"])).status_code == 404
    assert client.post(reverse("endorse", args=["owner", 999999])).status_code == 404


def test_profile_page_shows_everything(world: dict[str, Any]) -> None:
    actions.update_profile(
        actor=world["owner"],
        person=world["owner"],
        changes={
            "job_title": "Comptable",
            "team": "Clôture",
            "phone": "+33 1 23 45 67 89",
            "languages": ["Français", "English"],
            "bio": "Hello *world*",
            "ask_me_about": ["IFRS"],
        },
    )
    html = _client(world["member"]).get(reverse("profile", args=["owner"])).content.decode()
    for text in (
        "Hélène Dupont",
        "Comptable",
        "Finance",
        "Lyon",
        "Clôture",
        "+33 1 23 45 67 89",
        "Bérénice Chef",
        "Français, English",
        "<em>world</em>",
        "IFRS",
        "Comptabilité",
        reverse("department", args=[world["department"].slug]),
        reverse("profile", args=["boss"]),
        reverse("endorse", args=["owner", world["user_skill"].skill_id]),
        reverse("follow", args=["owner"]),
    ):
        assert text in html, text
    # The boss's page lists the direct report.
    boss_html = _client(world["member"]).get(reverse("profile", args=["boss"])).content.decode()
    assert "Hélène Dupont" in boss_html


def test_guest_sees_no_endorse_nor_follow_button_and_cannot_post(world: dict[str, Any]) -> None:
    client = _client(world["guest"])
    html = client.get(reverse("profile", args=["owner"])).content.decode()
    assert reverse("endorse", args=["owner", world["user_skill"].skill_id]) not in html
    assert 'name="follow"' not in html
    assert client.post(reverse("follow", args=["owner"])).status_code == 403
    response = client.post(reverse("endorse", args=["owner", world["user_skill"].skill_id]))
    assert response.status_code == 403
    assert not Follow.objects.exists() and not Endorsement.objects.exists()


def test_deactivated_profile_is_marked(world: dict[str, Any]) -> None:
    html = _client(world["member"]).get(reverse("profile", args=["gone"])).content.decode()
    assert "deactivated" in html or "désactivé" in html


def test_endorse_and_withdraw_without_javascript(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    url = reverse("endorse", args=["owner", world["user_skill"].skill_id])
    response = client.post(url, {"endorse": "1"})
    assert response.status_code == 302
    assert UserSkill.objects.get(pk=world["user_skill"].pk).endorsement_count == 1
    client.post(url, {"withdraw": "1"})
    assert UserSkill.objects.get(pk=world["user_skill"].pk).endorsement_count == 0


def test_endorse_with_htmx_returns_the_skill_row(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    url = reverse("endorse", args=["owner", world["user_skill"].skill_id])
    response = client.post(url, {"endorse": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<li")
    assert 'name="withdraw"' in html


def test_cannot_endorse_own_skill(world: dict[str, Any]) -> None:
    client = _client(world["owner"])
    url = reverse("endorse", args=["owner", world["user_skill"].skill_id])
    assert client.post(url).status_code == 403


def test_follow_and_unfollow_with_and_without_htmx(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    url = reverse("follow", args=["owner"])
    assert client.post(url, {"follow": "1"}).status_code == 302
    assert Follow.objects.filter(follower=world["member"], followed=world["owner"]).exists()
    response = client.post(url, {"unfollow": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'name="follow"' in response.content.decode()
    assert not Follow.objects.exists()
    assert _client(world["owner"]).post(url).status_code == 403


def test_edit_page_permissions(world: dict[str, Any]) -> None:
    url = reverse("profile_edit", args=["owner"])
    assert _client(world["owner"]).get(url).status_code == 200
    assert _client(world["admin"]).get(url).status_code == 200
    assert _client(world["member"]).get(url).status_code == 403
    assert _client(world["guest"]).get(url).status_code == 403
    assert _client(world["member"]).post(url, {"team": "hack"}).status_code == 403
    assert Profile.objects.get(user=world["owner"]).team == ""
    # A guest edits their own profile.
    assert _client(world["guest"]).get(reverse("profile_edit", args=["guest"])).status_code == 200


def _form(world: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = {
        "first_name": "Hélène",
        "last_name": "Dupont",
        "job_title": "Comptable",
        "department": world["department"].pk,
        "team": "",
        "site": world["site"].pk,
        "phone": "",
        "manager": "boss",
        "languages": "",
        "ask_me_about": "",
        "bio": "",
    }
    data.update(overrides)
    return data


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (700, 700), (0, 128, 0)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "me.png"
    return buffer


def test_edit_own_profile_with_photo(world: dict[str, Any], settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    client = _client(world["owner"])
    response = client.post(
        reverse("profile_edit", args=["owner"]), {**_form(world, team="Clôture"), "photo": _png()}
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=world["owner"])
    assert profile.team == "Clôture" and profile.photo
    html = client.get(reverse("profile", args=["owner"])).content.decode()
    assert profile.photo.url in html


def test_edit_with_a_fake_image_shows_a_field_error(
    world: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    fake = io.BytesIO(b"I am a text file")
    fake.name = "photo.png"
    response = _client(world["owner"]).post(
        reverse("profile_edit", args=["owner"]), {**_form(world, team="X"), "photo": fake}
    )
    assert response.status_code == 400
    assert "photo" in response.context["form"].errors
    assert Profile.objects.get(user=world["owner"]).team == ""


def test_edit_manager_errors_are_at_the_field(world: dict[str, Any]) -> None:
    client = _client(world["boss"])
    url = reverse("profile_edit", args=["boss"])
    response = client.post(url, _form(world, first_name="B", last_name="C", manager="owner"))
    assert response.status_code == 400
    assert "manager" in response.context["form"].errors  # a cycle
    response = client.post(url, _form(world, first_name="B", last_name="C", manager="gone"))
    assert "manager" in response.context["form"].errors  # deactivated
    response = client.post(url, _form(world, first_name="B", last_name="C", manager="boss"))
    assert "manager" in response.context["form"].errors  # oneself


def test_admin_edit_is_audited(world: dict[str, Any]) -> None:
    response = _client(world["admin"]).post(
        reverse("profile_edit", args=["owner"]), _form(world, job_title="Directrice")
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="accounts.profile_changed")
    assert entry.old_value == {"job_title": ""} and entry.new_value == {"job_title": "Directrice"}


def test_hr_lock_shows_read_only_fields_and_ignores_posted_values(world: dict[str, Any]) -> None:
    Organisation.objects.update_or_create(pk=1, defaults={"lock_hr_fields": True})
    cache.clear()
    client = _client(world["owner"])
    url = reverse("profile_edit", args=["owner"])
    html = client.get(url).content.decode()
    assert 'name="job_title"' in html and "disabled" in html
    response = client.post(url, _form(world, job_title="CEO", team="Nouvelle"))
    assert response.status_code == 302
    profile = Profile.objects.get(user=world["owner"])
    assert profile.job_title == "" and profile.team == "Nouvelle"


def test_add_change_and_remove_a_skill_from_the_page(world: dict[str, Any]) -> None:
    client = _client(world["owner"])
    response = client.post(reverse("skill_add", args=["owner"]), {"name": "Python", "level": 3})
    assert response.status_code == 302
    user_skill = UserSkill.objects.get(user=world["owner"], skill__normalized_name="python")
    assert user_skill.level == 3
    url = reverse("skill_update", args=["owner", user_skill.skill_id])
    client.post(url, {"level": 1})
    assert UserSkill.objects.get(pk=user_skill.pk).level == 1
    bad = client.post(reverse("skill_add", args=["owner"]), {"name": "", "level": 9})
    assert bad.status_code == 400
    assert _client(world["member"]).post(url, {"remove": "1"}).status_code == 403
    client.post(url, {"remove": "1"})
    assert not UserSkill.objects.filter(pk=user_skill.pk).exists()


def test_directory_finds_unaccented_and_excludes_deactivated(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    html = client.get(reverse("directory") + "?q=helene").content.decode()
    assert "Hélène Dupont" in html and "Comptabilité" in html
    html = client.get(reverse("directory")).content.decode()
    assert reverse("profile", args=["gone"]) not in html
    assert client.get(reverse("directory") + "?cursor=garbage").status_code == 400


def test_directory_page_queries_do_not_grow_with_people(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world["member"])
    url = reverse("directory") + f"?department={world['department'].slug}&q=p"
    client.get(url)  # warm the session and the organisation cache
    counts = []
    for _ in range(2):
        for i in range(12):
            person = make_user(first_name=f"P{i}", department=world["department"])
            actions.add_skill(actor=person, person=person, name="Excel", level=2)
        with CaptureQueriesContext(connection) as queries_done:
            assert client.get(url).status_code == 200
        counts.append(len(queries_done))
    assert counts[0] == counts[1]
    # The layout's own queries (session, organisation, other modules' badges) come on top.
    with django_assert_max_num_queries(20):
        client.get(url)


def test_experts_page_ranks_and_explains(world: dict[str, Any]) -> None:
    other = make_user(first_name="Zed")
    actions.add_skill(actor=other, person=other, name="comptabilite", level=2)
    actions.endorse_skill(actor=world["member"], user_skill=world["user_skill"])
    html = _client(world["member"]).get(reverse("experts") + "?skill=COMPTABILITE").content.decode()
    assert html.index("Hélène Dupont") < html.index("Zed")
    assert "Comptabilité · expert · endorsed by 1" in html or "Comptabilité · expert" in html
    suggestions = _client(world["member"]).get(reverse("experts") + "?skill=compt").content.decode()
    assert "Comptabilité" in suggestions


def test_directory_ranks_a_search_counts_people_and_folds_its_filters(
    world: dict[str, Any],
) -> None:
    make_user(username="sapin", first_name="Anne", last_name="Sapin")
    make_user(username="sap", first_name="Zoé", last_name="Zola", job_title="Consultant SAP")
    client = _client(world["member"])
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("directory") + "?q=sap", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert html.index("Consultant SAP") < html.index("Anne Sapin")
    assert "2 personnes" in html
    assert '<option value="relevance" selected>' in html
    # The form is folded (people.js opens it on a wide screen) and comes with its summary.
    assert '<details class="filters-panel" id="directory-filters" data-open-wide>' in html
    html = client.get(
        reverse("directory") + "?q=helene", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "1 personne<" in html


def test_experts_page_finds_words_of_skills_and_languages(world: dict[str, Any]) -> None:
    fi = make_user(first_name="Fiona", last_name="Ifi")
    actions.add_skill(actor=fi, person=fi, name="SAP FI", level=3)
    actions.update_profile(actor=fi, person=fi, changes={"languages": ["Anglais"]})
    client = _client(world["member"])
    html = client.get(reverse("experts") + "?skill=sap").content.decode()
    assert "Fiona Ifi" in html
    assert "SAP FI" in html
    html = client.get(reverse("experts") + "?skill=english").content.decode()
    assert "Fiona Ifi" in html


def test_orgchart_shows_chain_and_reports(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    html = client.get(reverse("orgchart", args=["owner"])).content.decode().split("<nav")[-1]
    assert html.index("Bérénice Chef") < html.index("Hélène Dupont")
    assert reverse("orgchart", args=["boss"]) in html
    html = client.get(reverse("orgchart", args=["boss"])).content.decode()
    assert reverse("orgchart", args=["owner"]) in html


def test_autocomplete_leaves_deactivated_people_out(world: dict[str, Any]) -> None:
    make_user(username="gina", first_name="Gina", is_active=False)
    make_user(username="gino", first_name="Gino")
    html = _client(world["member"]).get(reverse("people_autocomplete") + "?q=gin").content.decode()
    assert 'value="gino"' in html and 'value="gina"' not in html
