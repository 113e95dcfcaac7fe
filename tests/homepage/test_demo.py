"""The demo organisation's home (`seed_demo`): quick links to its tools, one for the Nantes site
only, and a link to the HR procedures in the header's menu."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from cercle.homepage.models import HomeLink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def documents_storage(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/no-url/"},
        },
    }
    return root


def test_the_demo_home_has_quick_links_and_a_menu_link() -> None:
    call_command("seed_demo", stdout=StringIO())
    home = HomeLink.objects.filter(place="home").order_by("position")
    assert [link.label_fr for link in home] == [
        "Notes de frais",
        "Annuaire",
        "Support informatique",
        "Congés",
        "Cantine de Nantes",
    ]
    assert [link.label_fr for link in HomeLink.objects.filter(place="menu")] == ["Procédures RH"]

    def home_of(username: str) -> str:
        client = Client(HTTP_ACCEPT_LANGUAGE="fr")
        assert client.login(username=username, password="cercle-demo")
        return client.get("/").content.decode()

    head_office, nantes = home_of("camille.martin"), home_of("fatima.bouzid")
    for page in (head_office, nantes):
        assert "Notes de frais" in page and "Support informatique" in page
        assert "Procédures RH" in page
    assert "Cantine de Nantes" in nantes
    assert "Cantine de Nantes" not in head_office
