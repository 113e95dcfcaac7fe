"""Site-wide pages of no app: the service worker and the offline page (the home
page is the feed's: see `cercle.urls`; the health probes are `cercle.core.operations`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the site's root so that its scope is the whole site
    (`Service-Worker-Allowed: /` says so too); never cached by the browser's HTTP cache, so a new
    version is picked up at the next visit."""
    response = render(
        request,
        "core/sw.js",
        {"offline_url": reverse("offline")},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it has no copy of while the device is offline:
    kept in its cache at install, so it holds nothing personal."""
    return render(request, "core/offline.html")
