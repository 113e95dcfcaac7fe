"""The messages pages after the UI review: the list's previews and times, "New message", the empty
state, the composer's hint, the time zone given to chat.js and the "edited" mark's context."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import pgettext

from cercle.chat import actions
from cercle.chat.models import Conversation, Message
from tests.factories import make_direct, make_group, make_guest, make_message, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def list_item(html: str, conversation_id: int) -> str:
    match = re.search(
        rf'<li data-conversation-item="{conversation_id}".*?</li>', html, flags=re.DOTALL
    )
    assert match, f"conversation {conversation_id} not in the list"
    return match.group(0)


def test_list_shows_plain_preview_time_and_unread() -> None:
    anne = make_user(first_name="Anne", last_name="Durand")
    bruno = make_user(first_name="Bruno", last_name="Martin")
    direct = make_direct(anne, bruno)
    make_message(anne, direct, "Premier")
    make_message(bruno, direct, "**Gras** et [un lien](https://example.org) <i>brut</i>\n\n- point")
    make_message(bruno, direct, "# Titre\n\n`code` & *fin* <i>x</i>")
    html = client_for(anne).get("/messages/").content.decode()
    item = list_item(html, direct.pk)
    preview = re.search(r'class="chat-list-preview"[^>]*>(.*?)</span>', item, flags=re.DOTALL)
    assert preview is not None
    # Sender and plain text: no Markdown marks, no tags (the literal "<i>" is shown as text).
    assert preview.group(1) == "Bruno Martin: Titre code &amp; fin &lt;i&gt;x&lt;/i&gt;"
    assert '<span class="badge-count">2</span>' in item
    now = timezone.localtime(timezone.now(), ZoneInfo(anne.time_zone))
    assert re.search(rf'class="chat-list-time" datetime="[^"]+">{now:%H:%M}</time>', item) or (
        # the minute may have turned between the message and the page
        re.search(r'class="chat-list-time" datetime="[^"]+">\d\d:\d\d</time>', item)
    )
    # My own newest message says "You".
    make_message(anne, direct, "Réponse")
    item = list_item(client_for(anne).get("/messages/").content.decode(), direct.pk)
    assert "You: Réponse" in item


def test_preview_shows_nothing_of_a_deleted_message() -> None:
    anne, bruno = make_user(), make_user(first_name="Bruno", last_name="Martin")
    direct = make_direct(anne, bruno)
    make_message(bruno, direct, "visible avant")
    secret = make_message(bruno, direct, "texte secret")
    actions.delete_message(actor=bruno, message_id=secret.pk)
    item = list_item(client_for(anne).get("/messages/").content.decode(), direct.pk)
    assert "secret" not in item and "Bruno Martin:" not in item
    assert "Message deleted" in item
    assert f'data-preview-id="{secret.pk}"' in item


def test_list_time_is_the_date_before_today_in_the_persons_time_zone() -> None:
    anne = make_user()
    anne.time_zone = "Pacific/Kiritimati"  # UTC+14: its day differs from the server's
    anne.save(update_fields=["time_zone"])
    bruno = make_user()
    direct = make_direct(anne, bruno)
    make_message(bruno, direct, "ancien")
    old = timezone.now() - timedelta(days=3)
    Conversation.objects.filter(pk=direct.pk).update(last_message_at=old)
    item = list_item(client_for(anne).get("/messages/").content.decode(), direct.pk)
    local = timezone.localtime(old, ZoneInfo("Pacific/Kiritimati"))
    shown = re.search(r'class="chat-list-time" datetime="[^"]+">([^<]+)</time>', item)
    assert shown is not None
    if local.year == timezone.localtime(timezone.now(), ZoneInfo("Pacific/Kiritimati")).year:
        assert shown.group(1).startswith(f"{local.day} ")
    assert ":" not in shown.group(1)
    # Today's message: its time in Anne's zone (14 hours ahead of UTC), not the server's.
    message = make_message(bruno, direct, "récent")
    item = list_item(client_for(anne).get("/messages/").content.decode(), direct.pk)
    expected = timezone.localtime(message.created_at, ZoneInfo("Pacific/Kiritimati"))
    assert f">{expected:%H:%M}</time>" in item


def test_list_query_count_does_not_grow_with_conversations(
    django_assert_max_num_queries: Any,
) -> None:
    anne = make_user()

    def add(n: int) -> None:
        for i in range(n):
            other = make_user()
            conversation = (
                make_direct(anne, other) if i % 2 else make_group(anne, [other], name=f"G{i}")
            )
            make_message(other, conversation, f"**message** {i}")

    add(2)
    client = client_for(anne)
    client.get("/messages/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/messages/")
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/messages/")
    html = response.content.decode()
    assert html.count('class="chat-list-preview"') == 32
    assert html.count("</strong>") == 0 and "message 29" in html


def test_new_message_picks_a_person_with_the_people_autocomplete() -> None:
    anne = make_user(first_name="Anne")
    bruno = make_user(first_name="Bruno", last_name="Quillard")
    client = client_for(anne)
    inbox = client.get("/messages/").content.decode()
    assert 'href="/messages/new/direct/"' in inbox and 'href="/messages/new/"' in inbox
    page = client.get("/messages/new/direct/").content.decode()
    # The site's one people autocomplete (endpoint + datalist), not a copy.
    assert 'hx-get="/people/autocomplete/"' in page and 'list="new-direct-options"' in page
    assert bruno.username in client.get("/people/autocomplete/?q=Quill").content.decode()

    response = client.post("/messages/new/direct/", {"q": bruno.username})
    conversation = Conversation.objects.get(kind="direct")
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{conversation.pk}/"
    # The same conversation again, also from a name typed in full without choosing.
    response = client.post("/messages/new/direct/", {"q": "Bruno Quillard"})
    assert response["Location"] == f"/messages/{conversation.pk}/"
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize("typed", ["", "personne-inconnue", "SELF"])
def test_new_message_errors_at_the_field(typed: str) -> None:
    anne = make_user(first_name="Anne")
    make_user(first_name="Bruno")
    response = client_for(anne).post(
        "/messages/new/direct/", {"q": anne.username if typed == "SELF" else typed}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="new-direct-error" role="alert"' in html and 'aria-invalid="true"' in html
    assert Conversation.objects.count() == 0


def test_new_message_is_not_for_guests() -> None:
    guest, bruno = make_guest(), make_user()
    client = client_for(guest)
    assert 'href="/messages/new/direct/"' not in client.get("/messages/").content.decode()
    assert client.get("/messages/new/direct/").status_code == 403
    assert client.post("/messages/new/direct/", {"q": bruno.username}).status_code == 403
    assert Conversation.objects.count() == 0


def test_empty_conversation_says_hello_and_composer_hint() -> None:
    anne, bruno = make_user(), make_user()
    direct = make_direct(anne, bruno)
    client = client_for(anne)
    html = client.get(f"/messages/{direct.pk}/").content.decode()
    assert '<p class="chat-empty-state" id="chat-empty-state">' in html
    assert "No messages yet — say hello!" in html
    # A short placeholder; the keys' hint apart (hidden on phones by chat.css).
    assert 'placeholder="Write a message"' in html
    assert 'aria-describedby="composer-hint"' in html and 'id="composer-hint"' in html
    make_message(bruno, direct, "Salut")
    html = client.get(f"/messages/{direct.pk}/").content.decode()
    assert '<p class="chat-empty-state" id="chat-empty-state" hidden>' in html


def test_pages_give_chat_js_the_persons_time_zone() -> None:
    anne = make_user()
    anne.time_zone = "Asia/Tokyo"
    anne.save(update_fields=["time_zone"])
    direct = make_direct(anne, make_user())
    client = client_for(anne)
    for url in ("/messages/", f"/messages/{direct.pk}/"):
        assert 'data-time-zone="Asia/Tokyo"' in client.get(url).content.decode()


def test_edited_mark_has_the_message_context_in_french() -> None:
    anne, bruno = make_user(), make_user()
    anne.language = "fr"
    anne.save(update_fields=["language"])
    direct = make_direct(anne, bruno)
    message = make_message(anne, direct, "avant")
    actions.edit_message(actor=anne, message_id=message.pk, body="après")
    with translation.override("fr"):
        # Without its own entry in the catalogue, a context falls back to the English msgid.
        assert pgettext("message", "edited") == "modifié"
    response = client_for(anne).get(f"/messages/{direct.pk}/")
    html = response.content.decode()
    assert "(modifié)</button>" in html
    strings = re.search(r'<script id="chat-strings" type="application/json">(.*?)</script>', html)
    assert strings is not None and json.loads(strings.group(1))["edited"] == "modifié"
    assert Message.objects.get(pk=message.pk).edited_at is not None
