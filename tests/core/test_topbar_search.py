"""The header's search box is the global search: it sends to /search/, keeps its words on the
results page only (the directory and chat keep theirs in their own fields), and offers
suggestions as one types."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _header(html: str) -> tuple[str, str]:
    form = re.search(r'<form class="topbar-search"[^>]*action="([^"]*)"', html)
    found = re.search(r'<input id="global-search"[^>]*value="([^"]*)"', html)
    assert form is not None and found is not None
    return form.group(1), found.group(1)


def test_the_header_search_is_the_global_search() -> None:
    client = Client()
    client.force_login(make_user())
    results = client.get("/search/", {"q": "anne"})
    assert results.status_code == 200 and _header(results.content.decode()) == ("/search/", "anne")
    people = client.get("/people/", {"q": "anne"})
    assert people.status_code == 200 and _header(people.content.decode())[1] == ""
    assert 'id="directory-q" type="search" name="q" value="anne"' in people.content.decode()
    messages = client.get("/messages/search/", {"q": "bonjour"})
    assert messages.status_code == 200 and _header(messages.content.decode())[1] == ""
    assert 'hx-get="/search/suggest/"' in messages.content.decode()
