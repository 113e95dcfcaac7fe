"""The editor's `[[` link suggestions: pages one may read, same space first, bounded and
escaped; bad input is a 400 with a JSON error, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from cercle.accounts.models import User
from cercle.pages import actions, queries
from cercle.spaces.queries import organisation_space
from tests.factories import make_guest, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_suggestions_rank_the_space_first_then_the_intranet_and_hide_the_rest() -> None:
    anne = make_user()
    mine = make_space(owner=anne, kind="private")
    secret = make_space(kind="private")
    other_open = make_space(kind="open")
    actions.create_page(
        actor=make_user(role="staff"), space=organisation_space(), title="Congés payés"
    )
    actions.create_page(actor=anne, space=mine, title="Les congés de l'équipe")
    owner = secret.memberships.get(role="owner").user
    actions.create_page(actor=owner, space=secret, title="Congés secrets")
    open_owner = other_open.memberships.get(role="owner").user
    actions.create_page(actor=open_owner, space=other_open, title="Congés ouverts")
    found = [page.title for page in queries.suggest_pages(anne, "CONGES", space=mine)]
    assert found == ["Les congés de l'équipe", "Congés payés", "Congés ouverts"]
    assert queries.suggest_pages(anne, "  ", space=mine) == []
    assert [p.title for p in queries.suggest_pages(make_guest(), "conges")] == []


def test_the_endpoint_answers_json_with_escaped_markdown_links() -> None:
    anne = make_user()
    space = make_space(owner=anne)
    page = actions.create_page(actor=anne, space=space, title="Tarifs [2026] *promo* <b>")
    for n in range(12):
        actions.create_page(actor=anne, space=space, title=f"Tarif {n}")
    client = client_for(anne)
    response = client.get("/pages/suggest/", {"q": "tarifs [", "space": space.slug})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    (result,) = response.json()["results"]
    assert result["title"] == "Tarifs [2026] *promo* <b>" and result["id"] == page.pk
    assert result["url"] == f"/pages/{page.pk}/" and result["space"] == space.name
    assert result["markdown"] == f"[Tarifs \\[2026\\] \\*promo\\* \\<b\\>](/pages/{page.pk}/)"
    many = client.get("/pages/suggest/", {"q": "tarif"}).json()["results"]
    assert len(many) == queries.SUGGESTIONS


@pytest.mark.parametrize(
    "params",
    [{"q": "a" * 101}, {"q": "a\x00"}],
)
def test_bad_input_is_a_json_400(params: dict[str, str]) -> None:
    response = client_for(make_user()).get("/pages/suggest/", params)
    assert response.status_code == 400 and "error" in response.json()


def test_an_unknown_or_hidden_space_only_loses_its_rank() -> None:
    anne = make_user()
    actions.create_page(actor=make_user(role="staff"), space=organisation_space(), title="Accueil")
    client = client_for(anne)
    for slug in ("nope", "x" * 500, make_space(kind="secret").slug, "\x00"):
        response = client.get("/pages/suggest/", {"q": "accueil", "space": slug})
        assert response.status_code == 200
        assert [r["title"] for r in response.json()["results"]] == ["Accueil"]
    assert client.get("/pages/suggest/").json() == {"results": []}
    assert Client().get("/pages/suggest/", {"q": "accueil"}).status_code == 302  # signed out
    assert client.post("/pages/suggest/", {"q": "accueil"}).status_code == 405
