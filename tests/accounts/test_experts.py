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
