"""Who reaches the sign-in, security and settings pages: anonymous, guest, deactivated, member,
admin; and every allauth page renders inside Cercle's layout."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from cercle.accounts.actions.auth import create_api_token
from cercle.accounts.models import ApiToken, User
from tests.factories import PASSWORD, make_admin, make_guest, make_invitation, make_user

pytestmark = pytest.mark.django_db

PERSONAL_PAGES = [
    "settings",
    "security",
    "usersessions_list",
    "mfa_index",
    "account_change_password",
    "account_email",
]
ANONYMOUS_PAGES = [
    "account_login",
    "account_reset_password",
    "account_reset_password_done",
    "account_request_login_code",
    "account_inactive",
    "account_signup",
]


def as_who(who: str) -> tuple[Client, User | None]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    makers: dict[str, Callable[..., User]] = {
        "guest": make_guest,
        "member": make_user,
        "admin": make_admin,
    }
    if who == "anonymous":
        return client, None
    maker: Callable[..., User] = makers.get(who, make_user)
    user = maker()
    client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    if who == "deactivated":
        user.is_active = False
        user.save(update_fields=["is_active"])
    return client, user


@pytest.mark.parametrize("who", ["anonymous", "deactivated"])
@pytest.mark.parametrize("name", PERSONAL_PAGES)
def test_personal_pages_send_strangers_to_the_login_page(who: str, name: str) -> None:
    client, _user = as_who(who)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["guest", "member", "admin"])
@pytest.mark.parametrize("name", PERSONAL_PAGES)
def test_personal_pages_for_every_role(who: str, name: str) -> None:
    client, _user = as_who(who)
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<main id="main"' in html
    # Signed in, the language is chosen in the settings, not in every page's footer.
    assert 'id="language-select"' not in html


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_entrance_pages_render_in_the_layout(name: str) -> None:
    client, _user = as_who("anonymous")
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<main id="main"' in html and "<h1>" in html
    assert 'id="language-select"' in html


@pytest.mark.parametrize("who", ["anonymous", "deactivated"])
def test_token_forms_refuse_strangers(who: str) -> None:
    owner = make_user()
    token, _secret = create_api_token(user=owner, name="owner's")
    client, _user = as_who(who)
    response = client.post(reverse("api_token_create"), {"name": "sneaky"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["owner's"]


@pytest.mark.parametrize("who", ["member", "admin"])
def test_nobody_revokes_anothers_token_not_even_an_admin(who: str) -> None:
    token, _secret = create_api_token(user=make_user(), name="theirs")
    client, _user = as_who(who)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_invitation_page_answers_the_link_not_the_visitor(who: str) -> None:
    _invitation, secret = make_invitation()
    client, _user = as_who(who)
    assert client.get(reverse("accept_invitation", args=[secret])).status_code == 200
    assert client.get(reverse("accept_invitation", args=["crc_forged"])).status_code == 404


def test_logged_in_views_do_not_answer_get_for_writes() -> None:
    client, _user = as_who("member")
    assert client.get(reverse("api_token_create")).status_code == 405
    assert client.get(reverse("set_language")).status_code == 405


def test_guest_and_admin_security_pages_show_only_their_own_tokens() -> None:
    guest = make_guest()
    admin = make_admin()
    create_api_token(user=guest, name="guest-token")
    create_api_token(user=admin, name="admin-token")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    html = client.get(reverse("security")).content.decode()
    assert "admin-token" in html and "guest-token" not in html
