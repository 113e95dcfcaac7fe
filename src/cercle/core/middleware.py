"""Activates each signed-in person's language and time zone for the request; answers the API's
errors as JSON."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # No preference: the browser's language, already chosen by LocaleMiddleware.
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class ApiJsonErrorsMiddleware:
    """Under `/api/`, every error is JSON `{"detail": …}`, whoever answered it.

    The API's own errors (and its 500s) are JSON already (`cercle.api`'s exception handlers). This
    catches the rest, answered by Django as HTML pages: an unknown URL (404), a method an endpoint
    does not have (405, its `Allow` header kept), an error raised outside the API's views. Its
    place in `MIDDLEWARE`: below the middleware that may answer errors themselves, so it sees them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
            or getattr(response, "streaming", False)
        ):
            return response
        status = response.status_code
        json = JsonResponse({"detail": _error_text(status)}, status=status)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                json[header] = response[header]
        return json


def _error_text(status: int) -> str:
    if status == 404:
        return _("Not found.")
    if status == 405:
        return _("This method is not allowed here.")
    if status >= 500:
        return _("Something went wrong on the server: the error has been logged.")
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _("The request could not be served.")
