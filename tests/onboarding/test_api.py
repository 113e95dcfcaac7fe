"""`/api/v1/onboarding`: the checklist as the pages show it, and the same buttons; bad input is a
4xx that changes nothing; guests have none; the page and the API agree."""

from __future__ import annotations

import pytest

from cercle.onboarding import actions
from cercle.onboarding.models import OnboardingState
from tests.factories import make_admin, make_department, make_guest, make_space, make_user
from tests.helpers.api import api, assert_4xx, call

pytestmark = pytest.mark.django_db


def test_the_checklist_and_its_buttons() -> None:
    sales = make_department("Ventes")
    admin = make_admin(username="rh", email="rh@example.org")
    team = make_space(owner=admin, name="Équipe Ventes")
    actions.suggest_space(actor=admin, space=team, department=sales, site=None)
    colleague = make_user(username="hugo", department=sales)
    nina = make_user(username="nina", department=sales)
    client = api(nina)

    got = client.get("/api/v1/onboarding").json()
    assert [s["key"] for s in got["steps"]] == [
        "photo",
        "skills",
        "preferences",
        "spaces",
        "colleagues",
        "app",
    ]
    assert (got["finished"], got["total"], got["complete"], got["hidden"]) == (0, 6, False, False)
    assert [s["name"] for s in got["suggested_spaces"]] == ["Équipe Ventes"]
    assert got["team_space"]["id"] == team.pk
    assert [p["username"] for p in got["colleagues"]] == [colleague.username]

    skipped = call(client, "post", "/api/v1/onboarding/steps/photo/skip").json()
    assert next(s for s in skipped["steps"] if s["key"] == "photo")["skipped"] is True
    assert skipped["finished"] == 1
    back = call(client, "delete", "/api/v1/onboarding/steps/photo/skip").json()
    assert back["finished"] == 0
    done = call(client, "post", "/api/v1/onboarding/steps/app/done").json()
    assert next(s for s in done["steps"] if s["key"] == "app")["done"] is True
    assert call(client, "post", "/api/v1/onboarding/hide").json()["hidden"] is True
    assert call(client, "post", "/api/v1/onboarding/show").json()["hidden"] is False
    off = call(client, "put", "/api/v1/onboarding/welcome-post", {"publish": False}).json()
    assert off["welcome_post"] is False


def test_bad_input_is_a_4xx_and_changes_nothing() -> None:
    nina = make_user(username="nina")
    client = api(nina)
    client.get("/api/v1/onboarding")
    before = OnboardingState.objects.values().get(user=nina)
    for method, url, payload in (
        ("post", "/api/v1/onboarding/steps/nothing/skip", None),
        ("post", "/api/v1/onboarding/steps/" + "x" * 300 + "/skip", None),
        ("post", "/api/v1/onboarding/steps/photo/done", None),  # done by doing it
        ("put", "/api/v1/onboarding/welcome-post", {"publish": "maybe"}),
        ("put", "/api/v1/onboarding/welcome-post", "not json"),
    ):
        assert_4xx(call(client, method, url, payload))
    assert OnboardingState.objects.values().get(user=nina) == before


def test_guests_and_strangers_have_no_checklist() -> None:
    guest = api(make_guest(username="guest"))
    empty = guest.get("/api/v1/onboarding").json()
    assert (empty["total"], empty["steps"], empty["complete"]) == (0, [], True)
    assert call(guest, "post", "/api/v1/onboarding/hide").status_code == 403
    assert not OnboardingState.objects.exists()
    assert api().get("/api/v1/onboarding").status_code == 401
