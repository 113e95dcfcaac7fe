"""The expert finder: ranking by level then endorsements, the reason, visibility."""

from __future__ import annotations

import pytest
from django.utils import translation

from cercle.accounts import queries
from cercle.accounts.actions import profiles as actions
from cercle.accounts.models import User
from tests.factories import make_guest, make_skill, make_user

pytestmark = pytest.mark.django_db


def test_ranked_by_level_then_endorsements_and_deactivated_left_out() -> None:
    viewer = make_guest()
    endorsers = [make_user() for _ in range(3)]
    people = {name: make_user(username=name) for name in ("low", "mid", "top", "top2", "gone")}
    levels = {"low": 1, "mid": 3, "top": 4, "top2": 4, "gone": 4}
    skills = {
        name: actions.add_skill(actor=person, person=person, name="Python", level=levels[name])
        for name, person in people.items()
    }
    for endorser in endorsers:
        actions.endorse_skill(actor=endorser, user_skill=skills["top2"])
    actions.endorse_skill(actor=endorsers[0], user_skill=skills["top"])
    User.objects.filter(username="gone").update(is_active=False)
    page = queries.experts_page(viewer, make_skill("python"))
    assert [u.user.username for u in page.items] == ["top2", "top", "mid", "low"]
    with translation.override("en"):
        reasons = [queries.expert_reason(u) for u in page.items]
    assert reasons == [
        "Python · expert · endorsed by 3",
        "Python · expert · endorsed by 1",
        "Python · advanced",
        "Python · beginner",
    ]


def test_pages_of_experts_follow_the_ranking() -> None:
    viewer = make_user()
    for i in range(7):
        person = make_user(username=f"p{i}")
        actions.add_skill(actor=person, person=person, name="Excel", level=1 + i % 4)
    skill = make_skill("excel")
    seen, cursor = [], None
    for _ in range(10):
        page = queries.experts_page(viewer, skill, cursor=cursor, limit=2)
        seen += [(u.level, u.user.username) for u in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 7
    assert [level for level, _ in seen] == sorted((level for level, _ in seen), reverse=True)


def test_skill_found_by_normalised_name_or_prefix_suggestions() -> None:
    make_skill("Comptabilité")
    make_skill("Communication")
    assert queries.find_skill("COMPTABILITE") is not None
    assert queries.find_skill("compta") is None
    assert [s.name for s in queries.skill_suggestions("com")] == ["Communication", "Comptabilité"]
    assert [s.name for s in queries.skill_suggestions("compt")] == ["Comptabilité"]
    assert queries.skill_suggestions("") == []


# --- Issue 17: words within skill names, exact matches first, spoken languages.


def _experts(viewer: User, query: str, **kwargs: object) -> list[str]:
    found = queries.expert_search(query)
    assert found is not None
    page = queries.find_experts(viewer, found, **kwargs)  # type: ignore[arg-type]
    return [result.profile.user.username for result in page.items]


def test_a_word_finds_skills_holding_it_and_exact_matches_come_first() -> None:
    viewer = make_user()
    fi = make_user(username="fi")
    exact = make_user(username="exact")
    mm = make_user(username="mm")
    sapin = make_user(username="sapin")
    other = make_user(username="other")
    actions.add_skill(actor=fi, person=fi, name="SAP FI", level=4)
    actions.add_skill(actor=mm, person=mm, name="Module SAP MM", level=2)
    actions.add_skill(actor=exact, person=exact, name="SAP", level=1)
    actions.add_skill(actor=sapin, person=sapin, name="Sapeur-pompier", level=4)
    actions.add_skill(actor=other, person=other, name="Wasap", level=4)
    # Exact name first whatever its level; then word matches by level; never inside a word.
    assert _experts(viewer, "SAP") == ["exact", "fi", "sapin", "mm"]
    assert _experts(viewer, "sap") == _experts(viewer, "SAP")
    assert _experts(viewer, "fi sap") == ["fi"]
    assert _experts(viewer, "säp fï") == ["fi"]
    assert _experts(viewer, "sap fi") == ["fi"]


def test_a_person_is_listed_once_under_their_best_match_and_pages_follow_the_ranking() -> None:
    viewer = make_user()
    both = make_user(username="both")
    actions.add_skill(actor=both, person=both, name="SAP FI", level=2)
    actions.add_skill(actor=both, person=both, name="SAP", level=1)
    for i in range(5):
        person = make_user(username=f"p{i}")
        actions.add_skill(actor=person, person=person, name="SAP MM", level=1 + i % 4)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        found = queries.expert_search("sap")
        assert found is not None
        page = queries.find_experts(viewer, found, cursor=cursor, limit=2)
        seen += [r.profile.user.username for r in page.items]
        if page.items and page.items[0].profile.user.username == "both":
            with translation.override("en"):
                assert page.items[0].reason == "SAP · beginner"
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["both", "p3", "p2", "p1", "p0", "p4"][: len(seen)]
    assert sorted(seen) == sorted({"both", *(f"p{i}" for i in range(5))})


def test_languages_are_found_by_their_french_or_english_name() -> None:
    viewer = make_user()
    speaker = make_user(username="speaker")
    actions.update_profile(actor=speaker, person=speaker, changes={"languages": ["Anglais"]})
    english = make_user(username="english")
    actions.update_profile(actor=english, person=english, changes={"languages": ["english"]})
    french_only = make_user(username="french")
    actions.update_profile(
        actor=french_only, person=french_only, changes={"languages": ["Français"]}
    )
    for query in ("anglais", "English", "ANGL", "engl"):
        assert sorted(_experts(viewer, query)) == ["english", "speaker"], query
    assert _experts(viewer, "allemand") == []
    found = queries.expert_search("anglais")
    assert found is not None
    with translation.override("fr"):
        reasons = [r.reason for r in queries.find_experts(viewer, found).items]
    assert reasons == ["Parle Anglais", "Parle Anglais"]
    # Someone who lists the language as a skill ranks before those who only speak it.
    pro = make_user(username="pro")
    actions.add_skill(actor=pro, person=pro, name="Anglais", level=1)
    assert _experts(viewer, "anglais")[0] == "pro"
    # Removing the language takes the person out.
    actions.update_profile(actor=speaker, person=speaker, changes={"languages": []})
    assert "speaker" not in _experts(viewer, "english")


def test_the_expert_search_costs_a_fixed_number_of_queries(
    django_assert_max_num_queries: object,
) -> None:
    viewer = make_user()
    for i in range(25):
        person = make_user(languages=["Anglais"])
        actions.add_skill(
            actor=person, person=person, name=f"Anglais technique {i}", level=1 + i % 4
        )
    # The skills matched, the ranked ids, their profiles, their skills, their languages.
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        found = queries.expert_search("anglais")
        assert found is not None
        page = queries.find_experts(viewer, found)
        assert [r.reason for r in page.items]
    assert len(page.items) == 20


def test_the_api_finds_experts_as_the_page_does() -> None:
    """One search for both (`queries.expert_search_for`): "SAP" finds "SAP FI", exact first,
    languages too; the page lists the same people in the same order."""
    from django.test import Client

    from cercle.accounts.models import SpokenLanguage

    viewer = make_user()
    fi = make_user(username="fi", first_name="Fiona")
    exact = make_user(username="exact", first_name="Eric")
    mm = make_user(username="mm", first_name="Mona")
    actions.add_skill(actor=fi, person=fi, name="SAP FI", level=4)
    actions.add_skill(actor=mm, person=mm, name="Module SAP MM", level=2)
    actions.add_skill(actor=exact, person=exact, name="SAP", level=1)
    client = Client()
    client.force_login(viewer)
    body = client.get("/api/v1/experts?skill=SAP").json()
    assert [i["person"]["username"] for i in body["items"]] == ["exact", "fi", "mm"]
    assert [i["exact"] for i in body["items"]] == [True, False, False]
    assert body["items"][1]["skill"]["name"] == "SAP FI"
    assert body["items"][1]["person"]["top_skills"][0]["name"] == "SAP FI"
    assert body["skill"]["name"] == "SAP" and len(body["skills"]) == 3
    page = client.get("/people/experts/?skill=SAP").content.decode()
    assert page.index("Eric") < page.index("Fiona") < page.index("Mona")
    # A skill's id still names it; a spoken language is found by its name.
    sap_fi = body["items"][1]["skill"]["id"]
    by_id = client.get(f"/api/v1/experts?skill={sap_fi}").json()
    assert [i["person"]["username"] for i in by_id["items"]] == ["fi"]
    SpokenLanguage.objects.create(user=mm, key="en")
    with translation.override("en"):
        english = client.get("/api/v1/experts?skill=english").json()
    assert [i["person"]["username"] for i in english["items"]] == ["mm"]
    assert english["items"][0]["skill"] is None and english["items"][0]["language"]
