"""Each signed-in person's language and time zone apply to their requests."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation

from cercle.core.middleware import UserPreferencesMiddleware
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def seen_by_view(user: Any) -> tuple[str, str]:
    seen: dict[str, str] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["zone"] = timezone.get_current_timezone_name()
        seen["language"] = translation.get_language()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user
    with translation.override("fr"):
        UserPreferencesMiddleware(view)(request)
    return seen["zone"], seen["language"]


def test_person_preferences_apply() -> None:
    user = make_user()
    user.language = "en"
    user.time_zone = "America/Montreal"
    assert seen_by_view(user) == ("America/Montreal", "en")


def test_no_language_preference_keeps_the_browser_choice() -> None:
    user = make_user()
    user.language = ""
    assert seen_by_view(user)[1] == "fr"


def test_unknown_time_zone_falls_back_to_the_default() -> None:
    user = make_user()
    user.time_zone = "Mars/Olympus_Mons"
    assert seen_by_view(user)[0] == "Europe/Paris"


def test_anonymous_visitor_gets_the_default_zone() -> None:
    assert seen_by_view(AnonymousUser())[0] == "Europe/Paris"
