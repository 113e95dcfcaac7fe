"""Review 2, finding 7 (second half): the feed composer's file input is a translated "Attach
files" button (the browser's own "Choose Files / No file chosen" stays hidden), with the texts of
the chips (remove, sizes) translated for composer.js; posting files still works."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cercle.feed.models import Attachment
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("where", ["home", "space", "wall"])
def test_the_file_input_is_a_translated_button_in_french(where: str) -> None:
    person = make_user(username="camille")
    person.language = "fr"
    person.save(update_fields=["language"])
    space = make_space(owner=person, name="Equipe")
    url = {"home": "/", "space": f"/spaces/{space.slug}/", "wall": "/people/camille/wall/"}[where]
    with translation.override("fr"):
        page = client_for(person).get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<input id="composer-files" class="file-input" type="file" name="attachments"' in page
    assert '<label for="composer-files" class="button button-secondary file-button">' in page
    assert "Joindre des fichiers</label>" in page
    assert 'data-remove-label="Retirer {name}"' in page
    assert 'data-unit-b="{n} o"' in page and 'data-unit-kb="{n} ko"' in page
    assert 'data-unit-mb="{n} Mo"' in page
    assert 'data-count="Fichiers joints : {n}"' in page
    assert '<ul class="file-chips" aria-live="polite"></ul>' in page
    assert "cercle/js/composer.js" in page


def test_in_english_too() -> None:
    person = make_user()
    page = client_for(person).get("/").content.decode()
    assert "Attach files</label>" in page
    assert 'data-unit-b="{n} B"' in page and 'data-remove-label="Remove {name}"' in page


def test_posting_the_files_kept() -> None:
    person = make_user()
    note = io.BytesIO(b"hello world")
    note.name = "note.txt"
    response = client_for(person).post(
        reverse("post_create"), {"body": "Voici la note", "attachments": [note], "next": "/"}
    )
    assert response.status_code == 302
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["note.txt"]
