"""The conversation list drawn in Python (`{% chat_sidebar %}`, issue 15, round 11) gives the very
pages the former template gave: `tests/chat/reference/chat/` keeps it (`_sidebar.html`) and the
pages that included it (the inbox, a conversation, a search). Each page is asked twice, with the
former templates and with the new ones, for a member with direct and group conversations (one
muted, unread messages, names to escape), a guest (who may not start one) and someone with no
conversation, in English and in French."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from cercle.accounts.models import User
from cercle.chat.models import Membership
from tests.factories import make_direct, make_group, make_guest, make_message, make_user
from tests.helpers.drawn_pages import reference_templates, same_page

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference"


def _same(client: Client, url: str, who: str) -> str:
    return same_page(client, url, who, reference_templates(REFERENCE))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_conversation_pages_are_the_same(language: str) -> None:
    member = make_user(first_name="Élodie", last_name="<Dupont> & co")
    other = make_user(first_name="Zoé", last_name="O'Neil")
    third = make_user(first_name="Luc", last_name="Lenoir")
    guest = make_guest(first_name="Gaston", last_name="Guest")
    lonely = make_user(first_name="Nina", last_name="Seule")
    direct = make_direct(member, other)
    make_message(other, direct, 'Bonjour <toi> & "vous"')
    make_message(other, direct, "Tu es là ?")
    group = make_group(member, [other, third, guest], name="Projet <Lumen> & co")
    make_message(third, group, "Réunion à 14 h")
    quiet = make_direct(member, third)
    make_message(member, quiet, "Je coupe les notifications")
    Membership.objects.filter(conversation=quiet, user=member).update(muted=True)
    make_direct(member, guest)  # no message yet
    pages = {
        "member": [
            "/messages/",
            f"/messages/{direct.pk}/",
            f"/messages/{group.pk}/",
            f"/messages/{quiet.pk}/",
            "/messages/search/?q=r%C3%A9union",
            "/messages/search/?q=%3Cb%3E",
        ],
        "guest": ["/messages/", f"/messages/{group.pk}/"],
        "lonely": ["/messages/", "/messages/search/?q=x"],
    }
    people = {"member": member, "guest": guest, "lonely": lonely}
    for who, urls in pages.items():
        person = people[who]
        User.objects.filter(pk=person.pk).update(language=language)
        client = Client()
        client.force_login(person)
        for url in urls:
            _same(client, url, who)
    client = Client()
    client.force_login(member)
    page = _same(client, f"/messages/{direct.pk}/", "member")
    # The states drawn are there: the current one, a muted one, unread messages, escaping.
    assert 'aria-current="page"' in page and "data-muted" in page
    assert "Projet &lt;Lumen&gt; &amp; co" in page
    assert 'class="chat-list"' in page
