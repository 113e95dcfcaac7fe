"""The messages search page (/messages/search/), opening a result at its message (`?around=`),
replies' quotes and file sizes in the server-rendered messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from cercle.chat.templatetags.chat import file_size_text
from tests.factories import make_direct, make_group, make_message, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_sidebar_and_options_menu_offer_search() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    html = client_for(anne).get(f"/messages/{conversation.pk}/").content.decode()
    assert 'action="/messages/search/"' in html
    assert f'name="conversation" value="{conversation.pk}"' in html
    assert "Search in this conversation" in html


def test_search_finds_words_accent_insensitively_and_highlights_them_safely() -> None:
    anne, bruno = make_user(first_name="Anne"), make_user(first_name="Bruno", last_name="Roy")
    conversation = make_direct(anne, bruno)
    hit = make_message(bruno, conversation, "Le menu de la <b>Cantine</b> est affiché à l'accueil")
    make_message(bruno, conversation, "Rien à voir")
    response = client_for(anne).get("/messages/search/", {"q": "cantine affiche"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="search-result"') == 1
    assert f'href="/messages/{conversation.pk}/?around={hit.pk}#m-{hit.pk}"' in html
    # Both words highlighted, accents kept as written; the message's HTML is escaped, not run.
    assert "<mark>Cantine</mark>" in html and "<mark>affiché</mark>" in html
    assert "<b>" not in html.split('id="search-results"')[1].split("</ol>")[0]
    assert "Bruno Roy" in html  # the conversation's name and the author


def test_search_never_shows_other_peoples_conversations_and_escapes_the_query() -> None:
    anne, bruno, carla = make_user(), make_user(), make_user()
    make_message(bruno, make_direct(bruno, carla), "secret cantine")
    response = client_for(anne).get("/messages/search/", {"q": "cantine <script>"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "secret" not in html and "No message matches this search." in html
    assert "<script>" not in html.split("<main")[1].split("</main>")[0]


def test_filters_person_and_conversation() -> None:
    anne, bruno = make_user(), make_user(username="bruno")
    carla = make_user(username="carla")
    direct = make_direct(anne, bruno)
    group = make_group(anne, [bruno, carla], name="Projet")
    in_direct = make_message(bruno, direct, "rapport de bruno")
    in_group = make_message(bruno, group, "rapport dans le groupe")
    by_carla = make_message(carla, group, "rapport de carla")
    client = client_for(anne)
    html = client.get("/messages/search/", {"q": "rapport", "person": "@carla"}).content.decode()
    assert f"#m-{by_carla.pk}" in html and f"#m-{in_group.pk}" not in html
    html = client.get("/messages/search/", {"conversation": group.pk}).content.decode()
    assert f"#m-{in_group.pk}" in html and f"#m-{by_carla.pk}" in html
    assert f"#m-{in_direct.pk}" not in html
    assert "Search in “Projet”" in html


def test_bad_input_is_a_clear_400_never_a_500() -> None:
    anne = make_user()
    client = client_for(anne)
    response = client.get("/messages/search/", {"q": "x", "cursor": "not-a-cursor"})
    assert response.status_code == 400 and "search again" in response.content.decode()
    response = client.get("/messages/search/", {"conversation": "abc"})
    assert response.status_code == 400
    # Nothing asked: the form and a hint, no results.
    response = client.get("/messages/search/")
    assert response.status_code == 200 and "search-results" not in response.content.decode()


def test_results_are_paginated_by_cursor_in_a_fixed_number_of_queries(
    django_assert_num_queries: Any,
) -> None:
    anne = make_user()
    people = [make_user() for _ in range(3)]
    for person in people:
        direct = make_direct(anne, person)
        for i in range(9):
            make_message(person, direct, f"budget {i}")
    group = make_group(anne, people, name="Tous")
    for i in range(5):
        make_message(people[0], group, f"budget groupe {i}")
    client = client_for(anne)
    client.get("/messages/search/", {"q": "budget"})

    def count(params: dict[str, str]) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get("/messages/search/", params)
        assert response.status_code == 200
        return len(captured)

    first = client.get("/messages/search/", {"q": "budget"}).content.decode()
    assert first.count('class="search-result"') == 20
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get("/messages/search/?q=budget&cursor=" + cursor).content.decode()
    assert second.count('class="search-result"') == 12
    assert "Older results" in first and "Older results" not in second
    # The same number of queries whatever the number of results and conversations (one fewer
    # when no result is in a direct conversation: no names of people to read then).
    many = count({"q": "budget"})
    assert many == count({"q": "budget 1"}) == count({"q": "budget groupe"}) + 1
    with django_assert_num_queries(many):
        client.get("/messages/search/?q=budget&cursor=" + cursor)


def test_result_opens_its_conversation_at_the_message_even_far_back() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    old = make_message(bruno, conversation, "le vieux message")
    for i in range(60):
        make_message(bruno, conversation, f"suite {i}")
    client = client_for(anne)
    normal = client.get(f"/messages/{conversation.pk}/").content.decode()
    assert f'id="m-{old.pk}"' not in normal  # older than the first page
    html = client.get(f"/messages/{conversation.pk}/?around={old.pk}").content.decode()
    assert f'id="m-{old.pk}"' in html
    assert html.count('class="msg') >= 61  # continuous up to the newest message
    assert "data-gap" not in html
    assert client.get(f"/messages/{conversation.pk}/?around=abc").status_code == 400
    other = make_message(bruno, make_direct(bruno, make_user()), "ailleurs")
    assert client.get(f"/messages/{conversation.pk}/?around={other.pk}").status_code == 404


def test_reply_shows_the_quoted_author_and_excerpt() -> None:
    anne, bruno = make_user(first_name="Hélène", last_name="Rousseau"), make_user()
    conversation = make_direct(anne, bruno)
    quoted = make_message(anne, conversation, "Oui **bien sûr** ! " + "long " * 40)
    make_message(bruno, conversation, "Merci", reply_to_id=quoted.pk)
    html = client_for(bruno).get(f"/messages/{conversation.pk}/").content.decode()
    assert "↪ Hélène Rousseau: Oui bien sûr ! long" in html
    assert "↪ In reply to a message" not in html


def test_file_sizes_read_the_same_in_both_languages() -> None:
    with translation.override("en"):
        assert file_size_text(1) == "1 byte"
        assert file_size_text(8) == "8 bytes"
        assert file_size_text(1229) == "1.2 kB"
        assert file_size_text(3 * 1024**2) == "3 MB"
    with translation.override("fr"):
        assert file_size_text(8) == "8 o"
        assert file_size_text(1229) == "1,2 ko"


def test_far_back_message_beyond_the_newer_limit_opens_with_a_link_to_the_newest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cercle.chat import queries

    monkeypatch.setattr(queries, "AROUND_NEWER", 5)
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    before = [make_message(bruno, conversation, f"avant {i}") for i in range(3)]
    old = make_message(bruno, conversation, "le vieux message")
    after = [make_message(bruno, conversation, f"après {i}") for i in range(8)]
    html = client_for(anne).get(f"/messages/{conversation.pk}/?around={old.pk}").content.decode()
    assert "data-gap" in html and "Go to the newest messages" in html
    assert f'id="m-{old.pk}"' in html and f'id="m-{before[0].pk}"' in html
    assert f'id="m-{after[4].pk}"' in html and f'id="m-{after[5].pk}"' not in html


def test_api_messages_carry_the_reply_preview_without_extra_queries() -> None:
    anne, bruno = make_user(first_name="Anne", last_name="Roy"), make_user()
    conversation = make_direct(anne, bruno)
    quoted = make_message(anne, conversation, "Le *plan* est prêt")
    gone = make_message(anne, conversation, "à supprimer")
    make_message(bruno, conversation, "Super", reply_to_id=quoted.pk)
    make_message(bruno, conversation, "Ah", reply_to_id=gone.pk)
    from cercle.chat.actions import delete_message

    delete_message(actor=anne, message_id=gone.pk)
    client = client_for(bruno)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    client.get(url)
    before = len(_queries_of(client, url))
    for i in range(3):  # more replies, to other authors' messages: no query more
        make_message(
            anne, conversation, f"Réponse {i}", reply_to_id=make_message(bruno, conversation).pk
        )
    assert len(_queries_of(client, url)) == before
    items = client.get(url).json()["items"]
    by_body = {m["body"]: m for m in items}
    assert by_body["Super"]["reply_preview"] == {
        "id": quoted.pk,
        "author": "Anne Roy",
        "excerpt": "Le plan est prêt",
        "deleted": False,
    }
    assert by_body["Ah"]["reply_preview"]["deleted"] is True
    assert by_body["Ah"]["reply_preview"]["excerpt"] == ""
    assert by_body["Le *plan* est prêt"]["reply_preview"] is None


def _queries_of(client: Client, url: str) -> list[Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return list(captured)


def test_from_is_a_person_picker() -> None:
    """ "From" suggests people as one types (the people autocomplete, which reads the field's own
    name) and a name typed whole, naming one person, searches that person's messages."""
    anne = make_user(first_name="Anne", last_name="Roux")
    bruno = make_user(username="bruno.k", first_name="Bruno", last_name="Keller")
    conversation = make_direct(anne, bruno)
    make_message(bruno, conversation, "Le rapport est prêt")
    make_message(anne, conversation, "Merci pour le rapport")
    client = client_for(anne)
    html = client.get("/messages/search/").content.decode()
    assert 'hx-get="/people/autocomplete/"' in html and 'list="search-people"' in html
    assert '<label for="search-person">From</label>' in html
    options = client.get("/people/autocomplete/", {"person": "Kel"}).content.decode()
    assert 'value="bruno.k"' in options
    for typed in ("bruno.k", "Bruno Keller"):
        page = client.get("/messages/search/", {"q": "rapport", "person": typed})
        assert page.status_code == 200
        results = page.content.decode().split('id="search-results"')[1].split("</ol>")[0]
        assert results.count('class="search-result"') == 1, typed
        assert "Keller" in results and "Merci pour" not in results, typed
    # A name matching nobody: no result, no error.
    page = client.get("/messages/search/", {"q": "rapport", "person": "Personne Inconnue"})
    assert page.status_code == 200 and "No message matches this search." in page.content.decode()
