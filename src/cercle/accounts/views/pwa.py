"""The installable app (PWA): the web app manifest and its icons, in the organisation's
branding (the service worker itself is site-wide: `cercle.core.views.service_worker`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cercle.accounts import icons
from cercle.accounts.queries import get_organisation


def short_name(name: str, limit: int = 12) -> str:
    """The name under the home screen's icon: whole words, `limit` characters at most."""
    if len(name) <= limit:
        return name
    words: list[str] = []
    for word in name.split():
        if len(" ".join([*words, word])) > limit:
            break
        words.append(word)
    return " ".join(words) or name[:limit]


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest (https://www.w3.org/TR/appmanifest/)."""
    organisation = get_organisation()
    version = icons.icon_version(organisation)

    def icon(name: str) -> str:
        return f"{reverse('pwa_icon', args=[name])}?v={version}"

    data = {
        "id": "/",
        "name": organisation.name,
        "short_name": short_name(organisation.name),
        "description": _("%(name)s's enterprise social network") % {"name": organisation.name},
        "lang": get_language() or "fr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": organisation.primary_colour,
        "icons": [
            {"src": icon("192"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": icon("512"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": icon("maskable-512"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def icon(request: HttpRequest, name: str) -> HttpResponse:
    """One of the app's icons (PNG)."""
    if name not in icons.ICONS:
        raise Http404(_("No such icon."))
    response = HttpResponse(icons.icon_png(get_organisation(), name), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
