"""A document linked in a post shows as a card (name, type, size) to those who may read it; the
others see the plain link; a link to another site with the same path is no card."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercle.core import link_cards
from cercle.documents import actions
from cercle.feed import actions as feed_actions
from tests.factories import make_user
from tests.helpers.documents import add_file, root_for

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_linked_document_is_a_card_for_its_readers_only() -> None:
    anne, bruno, carla = make_user(), make_user(), make_user()
    document = add_file(anne, root_for(owner=anne), "budget-2027.csv", b"a,b\n1,2\n")
    actions.share(actor=anne, item=document, access="read", user=bruno)
    url = reverse("documents_file", args=[document.pk])
    post = feed_actions.create_post(
        actor=anne,
        body=f"Le [budget]({url}) et https://ailleurs.example{url} et [encore]({url})",
    )
    page_url = reverse("post", args=[post.pk])
    seen = _client(bruno).get(page_url).content.decode()
    assert seen.count('class="link-card"') == 1  # one card per document, not per link
    assert "budget-2027.csv" in seen and "text/csv" in seen
    hidden = _client(carla).get(page_url).content.decode()
    assert 'class="link-card"' not in hidden and "budget-2027.csv" not in hidden
    assert f'href="{url}"' in hidden  # the plain link stays
    # Revoked: the card goes.
    actions.revoke_share(actor=anne, share=document.shares.get())
    assert 'class="link-card"' not in _client(bruno).get(page_url).content.decode()


def test_links_are_read_from_the_html_and_cards_cost_one_query_per_kind() -> None:
    anne = make_user()
    files = [add_file(anne, root_for(owner=anne), f"f{n}.txt") for n in range(3)]
    texts = {
        n: f'<p><a href="/documents/files/{f.pk}/">x</a> <a href="/documents/files/999999/">y</a>'
        f'<a href="https://elsewhere.example/documents/files/{f.pk}/">z</a></p>'
        for n, f in enumerate(files)
    }
    with CaptureQueriesContext(connection) as captured:
        cards = link_cards.cards_for(anne, texts)
    assert len(captured) == 1
    names = [[getattr(card, "name", None) for _t, card in cards[n]] for n in range(3)]
    assert names == [["f0.txt"], ["f1.txt"], ["f2.txt"]]
    assert link_cards.links_in('<a href="/documents/files/0/">') == []
    assert link_cards.links_in('<a href="/documents/files/abc/">') == []
