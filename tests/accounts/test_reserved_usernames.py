"""Usernames never take the name of a page under /people/ (which would hide the profile)."""

from __future__ import annotations

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import URLPattern, resolve

from cercle.accounts.actions import people as people_actions
from cercle.accounts.urls import urlpatterns
from tests.factories import make_admin


def fixed_pages_under_people() -> set[str]:
    """`people/<word>/` routes whose word is fixed, like `people/experts/`."""
    words = set()
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        parts = route.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "people" and "<" not in parts[1]:
            words.add(parts[1])
    return words


def test_every_fixed_page_under_people_is_a_reserved_username() -> None:
    pages = fixed_pages_under_people()
    assert {"experts", "autocomplete"} <= pages
    assert pages <= set(settings.ACCOUNT_USERNAME_BLACKLIST)


@pytest.mark.django_db
def test_an_invitation_never_gets_a_reserved_username() -> None:
    person = people_actions.invite_person(
        actor=make_admin(), email="experts@example.org", first_name="Expert", last_name="Comptable"
    )
    assert person.username not in settings.ACCOUNT_USERNAME_BLACKLIST
    assert person.username.startswith("experts")
    assert resolve(f"/people/{person.username}/").url_name == "profile"


def test_sign_up_refuses_a_reserved_username() -> None:
    with pytest.raises(ValidationError):
        get_adapter().clean_username("autocomplete")
