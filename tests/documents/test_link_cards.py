"""A document linked in a post shows as a card (name, type, size) to those who may read it; the
others see the plain link; a link to another site with the same path is no card."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercle.chat import actions as chat_actions
from cercle.chat import events as chat_events
from cercle.core import link_cards
from cercle.documents import actions
from cercle.feed import actions as feed_actions
from tests.factories import make_user
from tests.helpers.api import api
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


def _conversation_page(client: Client, conversation_id: int) -> tuple[str, int]:
    url = reverse("chat_conversation", args=[conversation_id])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_a_document_linked_in_a_chat_message_is_a_card_for_members_who_may_read_it() -> None:
    anne, bruno, carla = make_user(), make_user(), make_user()
    budget = add_file(anne, root_for(owner=anne), "budget-2027.csv", b"a,b\n1,2\n")
    actions.share(actor=anne, item=budget, access="read", user=bruno)
    url = reverse("documents_file", args=[budget.pk])
    group = chat_actions.create_group_conversation(
        actor=anne, name="Projet", members=[bruno, carla]
    )
    message, _created = chat_actions.send_message(
        actor=anne, conversation_id=group.pk, body=f"Voici le [budget]({url})", client_id="c1"
    )
    seen, _n = _conversation_page(_client(bruno), group.pk)
    assert seen.count('class="link-card"') == 1
    assert "budget-2027.csv" in seen and "text/csv" in seen
    # Carla, a member of the conversation, may not read the file: the plain link only.
    hidden, _n = _conversation_page(_client(carla), group.pk)
    assert 'class="link-card"' not in hidden and "budget-2027.csv" not in hidden
    assert f'href="{url}"' in hidden
    # The API's history gives each reader their cards; a socket's payload (the same for every
    # member) says null, and the client asks for its own.
    history = f"/api/v1/conversations/{group.pk}/messages"
    [item] = api(bruno).get(history).json()["items"]
    assert [(c["kind"], c["name"], c["url"]) for c in item["link_cards"]] == [
        ("documents.file", "budget-2027.csv", url)
    ]
    assert api(carla).get(history).json()["items"][0]["link_cards"] == []
    assert chat_events.MessageNew.of(message).payload()["message"]["link_cards"] is None
    cards_url = f"/api/v1/messages/{message.pk}/cards"
    assert [c["name"] for c in api(bruno).get(cards_url).json()] == ["budget-2027.csv"]
    assert api(carla).get(cards_url).json() == []
    assert api(make_user()).get(cards_url).status_code == 404  # not a member
    plain, _c = chat_actions.send_message(
        actor=anne, conversation_id=group.pk, body="Sans lien", client_id="c2"
    )
    assert chat_events.MessageNew.of(plain).payload()["message"]["link_cards"] == []
    # Revoked: the card goes.
    actions.revoke_share(actor=anne, share=budget.shares.get())
    assert 'class="link-card"' not in _conversation_page(_client(bruno), group.pk)[0]


def test_a_conversation_page_costs_the_same_queries_for_few_or_many_linked_messages() -> None:
    anne, bruno = make_user(), make_user()
    root = root_for(owner=anne)
    group = chat_actions.create_group_conversation(actor=anne, name="Liens", members=[bruno])

    def send_links(count: int, start: int) -> None:
        for n in range(start, start + count):
            document = add_file(anne, root, f"doc-{n}.txt")
            actions.share(actor=anne, item=document, access="read", user=bruno)
            url = reverse("documents_file", args=[document.pk])
            chat_actions.send_message(
                actor=anne, conversation_id=group.pk, body=f"[doc {n}]({url})", client_id=f"m{n}"
            )

    send_links(2, 0)
    client = _client(bruno)
    _conversation_page(client, group.pk)  # caches warmed
    page, few = _conversation_page(client, group.pk)
    assert page.count('class="link-card"') == 2
    send_links(10, 2)
    page, many = _conversation_page(client, group.pk)
    assert page.count('class="link-card"') == 12
    assert many == few
    with CaptureQueriesContext(connection) as captured:
        items = api(bruno).get(f"/api/v1/conversations/{group.pk}/messages").json()["items"]
    assert sum(len(i["link_cards"]) for i in items) == 12
    few_api = len(captured)
    send_links(3, 12)
    with CaptureQueriesContext(connection) as captured:
        api(bruno).get(f"/api/v1/conversations/{group.pk}/messages")
    assert len(captured) == few_api
