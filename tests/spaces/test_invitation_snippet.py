"""An invitation offers "See the space" where it is listed elsewhere (home, spaces list), not on the
space's own page, where the invitee already is; Accept and Decline are on all three."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from cercle.spaces import actions
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db


def test_see_the_space_is_offered_away_from_the_space_only() -> None:
    owner, invitee = make_user(), make_user()
    space = make_space(owner=owner, kind="private", name="Comité")
    actions.invite(actor=owner, space=space, users=[invitee])
    client = Client()
    client.force_login(invitee)
    with translation.override("en"):
        pages = {
            "home": client.get("/", HTTP_ACCEPT_LANGUAGE="en"),
            "list": client.get("/spaces/", HTTP_ACCEPT_LANGUAGE="en"),
            "space": client.get(f"/spaces/{space.slug}/", HTTP_ACCEPT_LANGUAGE="en"),
        }
    link = f'href="/spaces/{space.slug}/"'
    for name, page in pages.items():
        html = page.content.decode()
        assert page.status_code == 200, name
        assert "space_invitation_respond" not in html  # the URL name is resolved
        assert html.count('name="accept"') == 2, name  # Accept and Decline
        assert ("See the space" in html) is (name != "space"), name
        if name != "space":
            assert link in html
