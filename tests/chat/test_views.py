"""The messages pages: list with unread badges, a conversation, starting one, the nav badge."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.chat import queries
from cercle.chat.models import Conversation, Message
from tests.factories import make_direct, make_group, make_guest, make_message, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_login() -> None:
    response = Client().get("/messages/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_inbox_lists_my_conversations_with_unread_badges(
    django_assert_max_num_queries: Any,
) -> None:
    anne, bruno = make_user(first_name="Anne"), make_user(first_name="Bruno", last_name="Martin")
    conversation = make_direct(anne, bruno)
    make_message(bruno, conversation, "Salut")
    make_message(bruno, conversation, "Tu es là ?")
    for i in range(5):
        make_message(anne, make_group(anne, [make_user()], name=f"Groupe {i}"))
    client = client_for(anne)
    client.get("/messages/")
    with django_assert_max_num_queries(16):
        response = client.get("/messages/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bruno Martin" in html and "Groupe 4" in html
    assert f'data-conversation-item="{conversation.pk}"' in html
    # The navigation badge: one unread conversation.
    assert 'class="nav-badge-count">1<' in html
    assert '<span class="badge-count">2</span>' in html


def test_conversation_page_shows_history_and_is_private() -> None:
    anne, bruno, stranger = make_user(), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    make_message(anne, conversation, "**gras** <script>x()</script>")
    response = client_for(bruno).get(f"/messages/{conversation.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>gras</strong>" in html and "<script>x()" not in html
    assert client_for(stranger).get(f"/messages/{conversation.pk}/").status_code == 404


def test_send_without_javascript() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    client = client_for(anne)
    response = client.post(
        f"/messages/{conversation.pk}/send/", {"body": "Hello", "client_id": "form-1"}
    )
    assert response.status_code == 302
    assert Message.objects.get().body == "Hello"
    response = client.post(
        f"/messages/{conversation.pk}/send/", {"body": "  ", "client_id": "form-2"}, follow=True
    )
    assert "message-error" in response.content.decode()
    assert Message.objects.count() == 1


def test_message_button_on_a_profile_starts_a_direct_conversation() -> None:
    anne, bruno = make_user(), make_user()
    client = client_for(anne)
    profile = client.get(f"/people/{bruno.username}/").content.decode()
    assert f'action="/messages/with/{bruno.username}/"' in profile
    response = client.post(f"/messages/with/{bruno.username}/")
    conversation = Conversation.objects.get()
    assert response["Location"] == f"/messages/{conversation.pk}/"
    client.post(f"/messages/with/{bruno.username}/")
    assert Conversation.objects.count() == 1
    own = client.get(f"/people/{anne.username}/").content.decode()
    assert "/messages/with/" not in own
    guest = client_for(make_guest())
    guest.post(f"/messages/with/{bruno.username}/")
    assert Conversation.objects.count() == 1
    assert client.post("/messages/with/nobody-here/").status_code == 404


def test_new_group_form_reports_errors_at_the_field() -> None:
    anne, bruno, chloe = make_user(), make_user(), make_user()
    client = client_for(anne)
    response = client.post(
        "/messages/new/", {"name": "Projet", "people": "ghost, " + bruno.username}
    )
    assert response.status_code == 200
    assert "ghost" in response.content.decode()
    response = client.post(
        "/messages/new/", {"name": "Projet", "people": f"@{bruno.username} {chloe.username}"}
    )
    group = Conversation.objects.get(kind="group")
    assert response["Location"] == f"/messages/{group.pk}/"


def test_unread_endpoint_for_the_badge() -> None:
    anne, bruno = make_user(), make_user()
    make_message(bruno, make_direct(anne, bruno))
    assert client_for(anne).get("/messages/unread/").json()["conversations"] == 1
    assert client_for(bruno).get("/messages/unread/").json()["conversations"] == 0


def test_mute_add_people_leave_and_settings_from_the_page() -> None:
    from cercle.chat import queries
    from cercle.chat.models import ChatSettings, Membership

    anne, bruno, chloe = make_user(), make_user(), make_user()
    group = make_group(anne, [bruno])
    client = client_for(bruno)
    page = client.get(f"/messages/{group.pk}/").content.decode()
    assert f'action="/messages/{group.pk}/leave/"' in page
    client.post(f"/messages/{group.pk}/mute/", {"muted": "1"})
    assert Membership.objects.get(conversation=group, user=bruno).muted
    response = client.post(f"/messages/{group.pk}/people/", {"people": "ghost"}, follow=True)
    assert "ghost" in response.content.decode()
    client.post(f"/messages/{group.pk}/people/", {"people": f"@{chloe.username}"})
    assert chloe.pk in queries.member_ids(group.pk)
    assert client.post(f"/messages/{group.pk}/leave/")["Location"] == "/messages/"
    assert bruno.pk not in queries.member_ids(group.pk)
    # One's own receipts; only an administrator turns the organisation's off.
    client.post("/messages/settings/", {})
    assert not queries.own_read_receipts(bruno)
    client.post("/messages/settings/", {"read_receipts": "on"})
    assert queries.own_read_receipts(bruno)
    assert queries.chat_settings().read_receipts
    # The organisation's switch is in the administration: an admin saving their own choice
    # leaves it alone, and is pointed there.
    admin = client_for(make_user(role="admin"))
    assert "/manage/messaging/" in admin.get("/messages/settings/").content.decode()
    admin.post("/messages/settings/", {"read_receipts": "on"})
    assert ChatSettings.objects.get(pk=1).read_receipts


def test_message_button_in_the_directory() -> None:
    anne, bruno = make_user(), make_user(last_name="Zeta")
    html = client_for(anne).get("/people/").content.decode()
    assert f'action="/messages/with/{bruno.username}/"' in html
    assert f'action="/messages/with/{anne.username}/"' not in html


def test_message_button_shows_exactly_when_may_start_conversation_allows() -> None:
    anne, bruno, guest = make_user(), make_user(), make_guest()
    gone = make_user()
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    cases = [(anne, bruno), (anne, anne), (anne, gone), (guest, bruno), (bruno, guest)]
    for viewer, person in cases:
        allowed = queries.may_start_conversation(viewer, person)
        page = client_for(viewer).get(f"/people/{person.username}/").content.decode()
        assert (f'action="/messages/with/{person.username}/"' in page) is allowed, (viewer, person)
        before = Conversation.objects.count()
        client_for(viewer).post(f"/messages/with/{person.username}/")
        assert (Conversation.objects.count() > before) is allowed, (viewer, person)
    assert [queries.may_start_conversation(v, p) for v, p in cases] == [
        True,
        False,
        False,
        False,
        True,
    ]
