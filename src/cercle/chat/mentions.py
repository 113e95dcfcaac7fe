"""@mentions in messages: who is mentioned, links in the text, and a mail when still unread.

A member named `@username` in a message gets a `chat.mention` event at once and, if the message
is still unread after CERCLE_CHAT_MENTION_EMAIL_DELAY minutes (default 15), an e-mail.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.accounts.queries import people_named
from cercle.chat.models import Membership, Message
from cercle.core.mail import absolute_url
from cercle.core.text import Mention, mentioned_usernames, mentions_in, render_linked, resolve


def email_delay() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "CERCLE_CHAT_MENTION_EMAIL_DELAY", 15))


def mentioned_members(
    conversation_id: int, body: str, sender: User, known: dict[str, User] | None = None
) -> list[User]:
    """The members the body's @mentions name (`cercle.core.text`'s reading: not in code, links
    or web addresses), the sender aside, by id. `known`: the conversation's active members
    already read for several messages at once (by username), so that this asks nothing."""
    names = mentioned_usernames(body)
    if not names:
        return []
    if known is not None:
        wanted = {name.casefold() for name in names}
        members = {
            name: m for name, m in known.items() if name.casefold() in wanted and m.pk != sender.pk
        }
    else:
        # The named people among the members, found by the database: a space channel may
        # have thousands of members, never loaded for a message.
        members = {
            m.username: m
            for m in people_named(names)
            .filter(chat_memberships__conversation_id=conversation_id)
            .exclude(pk=sender.pk)
        }
    named: dict[int, User] = {}
    for mention in mentions_in(body):
        found = resolve(mention, members)
        if found is not None:
            named.setdefault(members[found[1]].pk, members[found[1]])
    return sorted(named.values(), key=lambda person: person.pk)


def render_body(body: str, people: list[User]) -> str:
    """The message's safe HTML, with each mention of these people a link to their profile."""
    by_name = {p.username: p for p in people}

    def mention_url(mention: Mention) -> tuple[str, str] | None:
        found = resolve(mention, by_name)
        if found is None:
            return None
        return found[0], reverse("profile", args=[by_name[found[1]].username])

    return render_linked(body, mention_url=mention_url if by_name else None)


def mail_if_unread(*, message_id: int, user_id: int, now: datetime.datetime | None = None) -> bool:
    """Mail a mention if, after the delay, its person has still not read it; True if sent."""
    now = now or timezone.now()
    message = Message.objects.select_related("sender", "conversation").filter(pk=message_id).first()
    membership = (
        Membership.objects.select_related("user")
        .filter(conversation_id=message.conversation_id if message else 0, user_id=user_id)
        .first()
    )
    if message is None or membership is None or message.deleted_at is not None:
        return False
    person = membership.user
    if (
        not person.is_active
        or not person.email
        or membership.muted
        or membership.last_read_message_id >= message.pk
        or message.created_at > now - email_delay()
    ):
        return False
    url = absolute_url(
        f"{reverse('chat_conversation', args=[message.conversation_id])}#m-{message.pk}"
    )
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = _("%(name)s mentioned you in a message") % {"name": message.sender.display_name}
        body = "\n\n".join([subject, message.body[:1000], url])
    EmailMessage(subject=f"[Cercle] {subject}", body=body, to=[person.email]).send()
    return True
