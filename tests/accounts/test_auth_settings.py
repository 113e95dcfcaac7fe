"""Personal preferences (language, time zone) and the footer's language switcher."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cercle.accounts.actions.auth import update_preferences
from tests.factories import make_guest, make_user

pytestmark = pytest.mark.django_db


def html_lang(client: Client, url: str = "/") -> str:
    match = re.search(r'<html lang="([^"]+)"', client.get(url).content.decode())
    assert match is not None
    return match.group(1)


def test_settings_page_saves_language_and_time_zone() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    user = make_user()
    client.force_login(user)
    page = client.get(reverse("settings"))
    assert page.status_code == 200
    assert 'value="America/Montreal"' in page.content.decode()
    response = client.post(reverse("settings"), {"language": "en", "time_zone": "America/Montreal"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("en", "America/Montreal")
    assert html_lang(client, reverse("settings")) == "en"


def test_the_browsers_language_when_no_preference() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = make_user()
    update_preferences(user=user, language="", time_zone="Europe/Paris")
    client.force_login(user)
    assert html_lang(client, reverse("settings")) == "en"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"language": "en", "time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"language": "de", "time_zone": "Europe/Paris"}, "language"),
        ({"language": "en"}, "time_zone"),
    ],
)
def test_bad_preferences_are_refused_at_the_field(data: dict[str, str], field: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = make_user()
    client.force_login(user)
    response = client.post(reverse("settings"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html or "errorlist" in html
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("", "Europe/Paris")


def test_update_preferences_validates_itself() -> None:
    user = make_user()
    with pytest.raises(ValidationError) as error:
        update_preferences(user=user, language="xx", time_zone="Nowhere/City")
    assert set(error.value.message_dict) == {"language", "time_zone"}


def test_footer_switcher_changes_a_signed_in_persons_saved_language() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    user = make_guest()
    update_preferences(user=user, language="fr", time_zone="Europe/Paris")
    client.force_login(user)
    assert html_lang(client) == "fr"
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    assert html_lang(client) == "en"
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert html_lang(client) == "fr"


def test_footer_switcher_for_anonymous_visitors_and_bad_values() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert html_lang(client, "/accounts/login/") == "en"
    assert client.post(reverse("set_language"), {"language": "klingon"}).status_code == 302
    assert client.get(reverse("set_language")).status_code == 405
    user = make_user()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "klingon"})
    user.refresh_from_db()
    assert user.language == ""


def test_settings_page_needs_a_signed_in_active_person() -> None:
    client = Client()
    assert client.get(reverse("settings")).status_code == 302
    user = make_user()
    client.force_login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert (
        client.post(reverse("settings"), {"language": "en", "time_zone": "UTC"}).status_code == 302
    )
    user.refresh_from_db()
    assert user.language == ""
