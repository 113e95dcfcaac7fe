"""Presence is shown in the reader's words, not as the code the socket uses."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from cercle.chat.templatetags.chat import presence_label
from tests.factories import make_direct, make_user

pytestmark = pytest.mark.django_db


def test_presence_codes_are_translated() -> None:
    with translation.override("fr"):
        assert presence_label("offline") == "hors ligne"
        assert presence_label("online") == "en ligne"
    with translation.override("en"):
        assert presence_label("away") == "away"


def test_conversation_pages_show_the_translated_presence() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(anne)
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    assert 'title="hors ligne"' in page
    assert 'title="offline"' not in page
