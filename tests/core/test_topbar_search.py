"""The header's people search keeps its words on the directory only, not on other search pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _header_value(html: str) -> str:
    found = re.search(r'<input id="global-search"[^>]*value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def test_the_header_search_keeps_its_words_on_the_directory_only() -> None:
    client = Client()
    client.force_login(make_user())
    people = client.get("/people/", {"q": "anne"})
    assert people.status_code == 200 and _header_value(people.content.decode()) == "anne"
    messages = client.get("/messages/search/", {"q": "bonjour"})
    assert messages.status_code == 200 and _header_value(messages.content.decode()) == ""
