"""Home and health pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page is the home feed (issue 3)."""
    from cercle.feed.views import home as home_feed

    return home_feed(request)  # type: ignore[arg-type]


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
