"""@mentions: a link in the text, an event for the person, a mail only if still unread later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from cercle.chat import actions
from cercle.chat.mentions import mail_if_unread
from cercle.core.realtime import user_group
from tests.factories import make_group, make_message, make_user
from tests.helpers.sockets import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_mention_links_notifies_and_mails_when_unread(
    django_capture_on_commit_callbacks: Any,
) -> None:
    anne = make_user(username="anne")
    bruno = make_user(username="bruno.l", email="bruno@example.org")
    chloe, outsider = make_user(username="chloe"), make_user(username="zoe")
    group = make_group(anne, [bruno, chloe])
    listen_bruno, listen_chloe = Listener(user_group(bruno.pk)), Listener(user_group(chloe.pk))
    with django_capture_on_commit_callbacks(execute=True):
        message = make_message(anne, group, "Merci @Bruno.L. et @zoe, voir `@chloe`")
    assert '<a class="mention" href="/people/bruno.l/">@Bruno.L</a>. et' in message.body_html
    assert "/people/zoe/" not in message.body_html  # not a member: plain text
    assert "<code>@chloe</code>" in message.body_html  # in code: just text
    mentions = [e for e in listen_bruno.events() if e["type"] == "chat.mention"]
    assert mentions == [
        {
            "type": "chat.mention",
            "conversation_id": group.pk,
            "message_id": message.pk,
            "by": {"id": anne.pk, "username": "anne", "display_name": anne.display_name},
        }
    ]
    assert outsider.pk and not [e for e in listen_chloe.events() if e["type"] == "chat.mention"]

    later = timezone.now() + timedelta(minutes=16)
    assert not mail_if_unread(message_id=message.pk, user_id=bruno.pk)  # too early
    assert mail_if_unread(message_id=message.pk, user_id=bruno.pk, now=later)
    (sent,) = mail.outbox
    assert sent.to == ["bruno@example.org"] and f"#m-{message.pk}" in sent.body
    # Read in time: no mail.
    second = make_message(anne, group, "@bruno.l encore")
    actions.mark_read(actor=bruno, conversation_id=group.pk)
    assert not mail_if_unread(message_id=second.pk, user_id=bruno.pk, now=later)
    # Muted, deleted or not a member: no mail.
    third = make_message(anne, group, "@bruno.l toujours")
    actions.set_muted(actor=bruno, conversation_id=group.pk, muted=True)
    assert not mail_if_unread(message_id=third.pk, user_id=bruno.pk, now=later)
    assert not mail_if_unread(message_id=third.pk, user_id=outsider.pk, now=later)
    actions.delete_message(actor=anne, message_id=third.pk)
    actions.set_muted(actor=bruno, conversation_id=group.pk, muted=False)
    assert not mail_if_unread(message_id=third.pk, user_id=bruno.pk, now=later)
    assert len(mail.outbox) == 1


def test_unicode_and_punctuated_names_are_mentioned(
    django_capture_on_commit_callbacks: Any,
) -> None:
    anne = make_user(username="anne")
    zoe, jean = make_user(username="Zoé"), make_user(username="jean-marc")
    obrien, mail_only = make_user(username="obrien"), make_user(username="claire")
    group = make_group(anne, [zoe, jean, obrien, mail_only])
    listeners = {p.pk: Listener(user_group(p.pk)) for p in (zoe, jean, obrien, mail_only)}
    body = "Merci @Zoé, @jean-marc. et @O'Brien's idée ; écrire à claire@example.org ou https://x.org/@claire"
    with django_capture_on_commit_callbacks(execute=True):
        message = make_message(anne, group, body)
    html = message.body_html
    assert '<a class="mention" href="/people/Zo%C3%A9/">@Zoé</a>,' in html
    assert '<a class="mention" href="/people/jean-marc/">@jean-marc</a>.' in html
    assert '<a class="mention" href="/people/obrien/">@O\'Brien</a>\'s' in html
    told = {
        pk
        for pk, listener in listeners.items()
        if any(e["type"] == "chat.mention" for e in listener.events())
    }
    assert told == {zoe.pk, jean.pk, obrien.pk}  # not claire: an address and a URL only
