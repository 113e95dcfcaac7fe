"""The people API: me, profile patch, people list and detail, endorsements, follows, experts.
Permission matrix (anonymous, deactivated, guest, member, admin), odd inputs, query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from cercle.accounts.actions import profiles as actions
from cercle.accounts.models import ApiToken, Follow, Organisation, Profile, User, UserSkill
from cercle.accounts.tokens import generate_token_secret, hash_token
from tests.factories import make_admin, make_department, make_guest, make_site, make_user

pytestmark = pytest.mark.django_db
API = "/api/v1"


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
        "gone": make_user(username="gone", first_name="Gaston", is_active=False),
    }


def _client(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def _bearer(user: User) -> Client:
    secret = generate_token_secret()
    ApiToken.objects.create(user=user, name="t", key_hash=hash_token(secret), prefix=secret[:8])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def test_anonymous_and_deactivated_get_401_everywhere(world: dict[str, Any]) -> None:
    owner_id = world["owner"].pk
    for client in (_client(None), _client(world["gone"]), _bearer(world["gone"])):
        for method, url in [
            ("get", f"{API}/me"),
            ("get", f"{API}/people"),
            ("get", f"{API}/people/{owner_id}"),
            ("get", f"{API}/experts?skill=comptabilite"),
            ("put", f"{API}/people/{owner_id}/endorsements/comptabilite"),
            ("delete", f"{API}/people/{owner_id}/endorsements/comptabilite"),
            ("post", f"{API}/people/{owner_id}/follow"),
            ("delete", f"{API}/people/{owner_id}/follow"),
            ("patch", f"{API}/me/profile"),
        ]:
            response = getattr(client, method)(url)
            assert response.status_code == 401, (method, url)
            assert "detail" in response.json()


@pytest.mark.parametrize("who", ["guest", "member", "admin"])
def test_signed_in_people_read_people(world: dict[str, Any], who: str) -> None:
    client = _client(world[who])
    me = client.get(f"{API}/me").json()
    assert me["username"] == who
    people = client.get(f"{API}/people").json()
    usernames = [p["username"] for p in people["items"]]
    assert "owner" in usernames and "gone" not in usernames
    detail = client.get(f"{API}/people/{world['owner'].pk}").json()
    assert detail["department"]["slug"] == world["department"].slug
    assert detail["manager"]["username"] == "boss"
    assert detail["skills"][0]["name"] == "Comptabilité"
    # A deactivated person's profile is still readable, marked.
    gone = client.get(f"{API}/people/{world['gone'].pk}").json()
    assert gone["deactivated"] is True
    experts = client.get(f"{API}/experts?skill=comptabilite").json()
    assert experts["items"][0]["person"]["username"] == "owner"


def test_bearer_tokens_work(world: dict[str, Any]) -> None:
    client = _bearer(world["member"])
    assert client.get(f"{API}/me").json()["username"] == "member"
    response = client.put(f"{API}/people/{world['owner'].pk}/endorsements/comptabilite")
    assert response.status_code == 200


def test_people_search_accent_insensitive_with_filters(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    assert [p["username"] for p in client.get(f"{API}/people?q=helene").json()["items"]] == [
        "owner"
    ]
    assert [p["username"] for p in client.get(f"{API}/people?q=hel%20dup").json()["items"]] == [
        "owner"
    ]
    assert client.get(f"{API}/people?q=gaston").json()["items"] == []
    by_skill = client.get(f"{API}/people?skill=COMPTABILITE").json()["items"]
    assert [p["username"] for p in by_skill] == ["owner"]
    assert by_skill[0]["top_skills"][0]["level_label"]
    filtered = client.get(
        f"{API}/people?department={world['department'].slug}&site={world['site'].pk}"
    ).json()
    assert [p["username"] for p in filtered["items"]] == ["owner"]


def test_people_cursor_pagination(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    seen: list[str] = []
    url = f"{API}/people?limit=2"
    for _ in range(10):
        page = client.get(url).json()
        seen += [p["username"] for p in page["items"]]
        if not page["next_cursor"]:
            break
        url = f"{API}/people?limit=2&cursor={page['next_cursor']}"
    assert len(seen) == len(set(seen)) == User.objects.filter(is_active=True).count()
    response = client.get(f"{API}/people?cursor=garbage")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid cursor."}


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/people?q=" + "x" * 5000,
        f"{API}/people?q=%00%27%22*()NEAR",
        f"{API}/people?q=%F0%9F%98%80%20%E4%B8%AD%E6%96%87",
        f"{API}/people?limit=-5",
        f"{API}/people?limit=100000",
        f"{API}/people?sort=evil",
        f"{API}/people?department=99999999999999999999999",
        f"{API}/people?skill=" + "s" * 5000,
        f"{API}/people/-1",
        f"{API}/people/0",
        f"{API}/people/99999999999999999999999",
        f"{API}/people/abc",
        f"{API}/experts",
        f"{API}/experts?skill=",
        f"{API}/experts?skill=%00",
        f"{API}/experts?skill=comptabilite&cursor=xyz",
        f"{API}/experts?skill=comptabilite&limit=0",
    ],
)
def test_odd_inputs_never_500(world: dict[str, Any], url: str) -> None:
    response = _client(world["member"]).get(url)
    assert response.status_code < 500
    assert isinstance(response.json(), dict)
    if response.status_code >= 400:
        assert "detail" in response.json()


@pytest.mark.parametrize("person_id", ["-1", "0", "999999", "99999999999999999999"])
def test_unknown_people_are_404_json(world: dict[str, Any], person_id: str) -> None:
    client = _client(world["member"])
    for method, url in [
        ("get", f"{API}/people/{person_id}"),
        ("put", f"{API}/people/{person_id}/endorsements/comptabilite"),
        ("post", f"{API}/people/{person_id}/follow"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code in (404, 422), (method, url)
        assert "detail" in response.json()


def test_endorse_by_name_or_id_and_withdraw(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    owner_id, skill_id = world["owner"].pk, world["user_skill"].skill_id
    response = client.put(f"{API}/people/{owner_id}/endorsements/comptabilite")
    assert response.status_code == 200
    assert response.json()["endorsement_count"] == 1
    again = client.put(f"{API}/people/{owner_id}/endorsements/{skill_id}")
    assert again.json()["endorsement_count"] == 1  # idempotent
    detail = client.get(f"{API}/people/{owner_id}").json()
    assert detail["skills"][0]["endorsed_by_me"] is True
    gone = client.delete(f"{API}/people/{owner_id}/endorsements/Comptabilit%C3%A9")
    assert gone.json() == {
        "person_id": owner_id,
        "skill_id": skill_id,
        "skill": "Comptabilité",
        "endorsed": False,
        "endorsement_count": 0,
    }
    assert client.put(f"{API}/people/{owner_id}/endorsements/cobol").status_code == 404


def test_endorse_refusals(world: dict[str, Any]) -> None:
    owner_id = world["owner"].pk
    own = _client(world["owner"]).put(f"{API}/people/{owner_id}/endorsements/comptabilite")
    assert own.status_code == 403 and "detail" in own.json()
    guest = _client(world["guest"]).put(f"{API}/people/{owner_id}/endorsements/comptabilite")
    assert guest.status_code == 403
    assert UserSkill.objects.get(pk=world["user_skill"].pk).endorsement_count == 0


def test_follow_api(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    url = f"{API}/people/{world['owner'].pk}/follow"
    assert client.post(url).json() == {
        "person_id": world["owner"].pk,
        "following": True,
        "followers_count": 1,
    }
    assert client.delete(url).json()["following"] is False
    assert not Follow.objects.exists()
    assert _client(world["owner"]).post(url).status_code == 403
    assert _client(world["guest"]).post(url).status_code == 403
    assert (
        _client(world["member"]).post(f"{API}/people/{world['gone'].pk}/follow").status_code == 403
    )


def test_patch_my_profile(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    response = _patch(
        client,
        f"{API}/me/profile",
        {
            "job_title": "Analyste",
            "department": world["department"].slug,
            "site": world["site"].pk,
            "manager": "boss",
            "languages": ["Français"],
            "bio": "**hi**",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["job_title"] == "Analyste"
    assert body["manager"]["username"] == "boss"
    assert body["bio_html"].startswith("<p><strong>hi")
    # Partial: the other fields are kept; null clears.
    body = _patch(client, f"{API}/me/profile", {"manager": None}).json()
    assert body["manager"] is None and body["job_title"] == "Analyste"
    profile = Profile.objects.get(user=world["member"])
    assert "analyste" in profile.search_text and "finance" in profile.search_text


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"manager": "member"}, 400),
        ({"manager": "gone"}, 400),
        ({"manager": -3}, 400),
        ({"manager": 10**30}, 400),
        ({"department": "nope"}, 400),
        ({"site": 10**30}, 400),
        ({"job_title": "x" * 151}, 422),
        ({"languages": "not a list"}, 422),
        ({"unknown": 1}, 200),
        ({"bio": "\x00"}, 400),
    ],
)
def test_patch_my_profile_rejects_bad_values(
    world: dict[str, Any], payload: Any, status: int
) -> None:
    response = _patch(_client(world["member"]), f"{API}/me/profile", payload)
    assert response.status_code == status, response.content
    assert response.status_code == 200 or "detail" in response.json()


def test_patch_rejects_non_json(world: dict[str, Any]) -> None:
    client = _client(world["member"])
    response = client.patch(f"{API}/me/profile", data="{not json", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_patch_cycle_and_hr_lock(world: dict[str, Any]) -> None:
    response = _patch(_client(world["boss"]), f"{API}/me/profile", {"manager": "owner"})
    assert response.status_code == 400 and "manager" in response.json()["detail"]
    Organisation.objects.update_or_create(pk=1, defaults={"lock_hr_fields": True})
    cache.clear()
    response = _patch(_client(world["member"]), f"{API}/me/profile", {"job_title": "CEO"})
    assert response.status_code == 403
    ok = _patch(_client(world["member"]), f"{API}/me/profile", {"team": "Audit"})
    assert ok.status_code == 200


def test_experts_ranking_reason_and_suggestions(world: dict[str, Any]) -> None:
    a, b = make_user(username="a"), make_user(username="b")
    actions.add_skill(actor=a, person=a, name="Comptabilité", level=4)
    actions.add_skill(actor=b, person=b, name="Comptabilité", level=2)
    for endorser in (world["member"], world["admin"]):
        actions.endorse_skill(actor=endorser, user_skill=world["user_skill"])
    client = _client(world["member"])
    body = client.get(f"{API}/experts?skill=comptabilite").json()
    assert [i["person"]["username"] for i in body["items"]] == ["owner", "a", "b"]
    assert body["items"][0]["reason"] == "Comptabilité · expert · endorsed by 2"
    assert body["items"][1]["reason"] == "Comptabilité · expert"
    assert body["skill"]["name"] == "Comptabilité"
    # A word's beginning finds the skill (as the page does); nothing found: suggestions.
    begun = client.get(f"{API}/experts?skill=compt").json()
    assert [i["person"]["username"] for i in begun["items"]] == ["owner", "a", "b"]
    assert client.get(f"{API}/experts?skill=zzz").json()["items"] == []
    page = client.get(f"{API}/experts?skill=comptabilite&limit=2").json()
    rest = client.get(f"{API}/experts?skill=comptabilite&limit=2&cursor={page['next_cursor']}")
    assert [i["person"]["username"] for i in rest.json()["items"]] == ["b"]


def test_people_list_query_count(world: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        person = make_user(
            first_name="Comptable", last_name=f"N{i}", department=world["department"]
        )
        actions.add_skill(actor=person, person=person, name="Excel", level=2)
    client = _bearer(world["member"])
    client.get(f"{API}/me")
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/people?q=compt&department={world['department'].slug}")
    assert len(response.json()["items"]) == 20
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/experts?skill=excel")
    assert len(response.json()["items"]) == 20
