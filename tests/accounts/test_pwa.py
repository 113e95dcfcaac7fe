"""The installable app's manifest and icons, in the organisation's branding: its name and colour,
icons drawn from its logo when it has one, else its initials on its colour."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from cercle.accounts import icons
from cercle.accounts.models import Organisation
from cercle.accounts.queries import forget_organisation
from tests.helpers.files import image_bytes

pytestmark = pytest.mark.django_db


def organisation(**fields: Any) -> Organisation:
    org, _ = Organisation.objects.update_or_create(pk=1, defaults=fields)
    forget_organisation()
    cache.clear()
    return org


def png(response: Any) -> Image.Image:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    return image


def test_manifest_follows_the_organisation() -> None:
    organisation(name="Mairie de Lyon", primary_colour="#7a1f5c")
    answer = Client().get("/manifest.webmanifest")  # browsers fetch it without cookies
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/manifest+json"
    data = answer.json()
    assert data["name"] == "Mairie de Lyon"
    assert data["short_name"] == "Mairie de"  # whole words, 12 characters at most
    assert data["theme_color"] == "#7a1f5c"
    assert (data["start_url"], data["scope"], data["display"]) == ("/", "/", "standalone")
    for icon in data["icons"]:
        image = png(Client().get(icon["src"]))
        assert f"{image.width}x{image.height}" == icon["sizes"]
    assert {i["purpose"] for i in data["icons"]} == {"any", "maskable"}


def test_icons_without_a_logo_are_initials_on_the_primary_colour() -> None:
    organisation(name="Mairie de Lyon", primary_colour="#7a1f5c")
    assert icons.initials("Mairie de Lyon") == "ML"
    assert icons.initials("Acme") == "AC"
    assert icons.initials("  ") == "C"
    image = png(Client().get("/icons/512.png")).convert("RGB")
    assert image.size == (512, 512)
    assert image.getpixel((5, 5)) == (0x7A, 0x1F, 0x5C)
    # The letters, in white, in the middle.
    assert (255, 255, 255) in {c for _, c in image.getcolors(512 * 512) or []}


def test_icons_from_the_logo_change_with_it() -> None:
    org = organisation(name="Acme", primary_colour="#1f5fae")
    before = Client().get("/icons/192.png").content
    logo = image_bytes("PNG", size=(300, 100))  # a wide logo, in one flat colour
    org.logo.save("logo.png", ContentFile(logo), save=True)
    forget_organisation()
    after = png(Client().get("/icons/192.png")).convert("RGB")
    assert after.size == (192, 192)
    assert after.getpixel((2, 2)) == (255, 255, 255)  # the logo fitted on white
    assert Client().get("/icons/192.png").content != before
    maskable = png(Client().get("/icons/maskable-512.png")).convert("RGB")
    assert maskable.getpixel((2, 2)) == (0x1F, 0x5F, 0xAE)  # full bleed in the brand colour
    # The manifest's icon URLs change too, so browsers fetch them again.
    version = icons.icon_version(org)
    assert f"?v={version}" in Client().get("/manifest.webmanifest").json()["icons"][0]["src"]


def test_unknown_icon_and_methods() -> None:
    assert Client().get("/icons/64.png").status_code == 404
    assert Client().get("/icons/..%2f192.png").status_code == 404
    assert Client().post("/manifest.webmanifest").status_code == 405


def test_base_page_links_the_manifest() -> None:
    page = Client().get("/accounts/login/")
    assert b'<link rel="manifest" href="/manifest.webmanifest">' in page.content
    assert b'name="theme-color"' in page.content
    assert b"cercle/js/pwa" in page.content
