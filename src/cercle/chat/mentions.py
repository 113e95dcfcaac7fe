"""@mentions in messages: who is mentioned, links in the text, and a mail when still unread.

A member named `@username` in a message gets a `chat.mention` event at once and, if the message
is still unread after CERCLE_CHAT_MENTION_EMAIL_DELAY minutes (default 15), an e-mail.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.chat.models import Membership, Message

# At most this many different names looked up per message (twice: with and without a final dot).
MAX_MENTIONS = 100
MENTION = re.compile(r"(?<![\w@/])@([\w][\w.+-]{0,149})")
# Code blocks and spans, where an @ is just text.
CODE = re.compile(r"(```.*?(?:```|$)|~~~.*?(?:~~~|$)|`[^`\n]*`)", re.DOTALL)


def _outside_code(body: str) -> list[tuple[str, bool]]:
    """The body in pieces, each with whether it is prose (True) or code (False)."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in CODE.finditer(body):
        pieces.append((body[last : match.start()], True))
        pieces.append((match.group(0), False))
        last = match.end()
    pieces.append((body[last:], True))
    return pieces


def email_delay() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "CERCLE_CHAT_MENTION_EMAIL_DELAY", 15))


def mentioned_members(conversation_id: int, body: str, sender: User) -> list[User]:
    prose = " ".join(text for text, is_prose in _outside_code(body) if is_prose)
    names = {name.lower() for name in MENTION.findall(prose)}
    names |= {name.rstrip(".").lower() for name in names}
    if not names:
        return []
    # The named people among the members, found by the database: a space channel may have
    # thousands of members, never loaded for a message.
    named = Q()
    for name in sorted(names)[:MAX_MENTIONS]:
        named |= Q(username__iexact=name)
    members = (
        User.objects.filter(
            named, chat_memberships__conversation_id=conversation_id, is_active=True
        )
        .exclude(pk=sender.pk)
        .order_by("pk")
    )
    return [m for m in members if m.username.lower() in names]


def link_mentions(body: str, people: list[User]) -> str:
    """The Markdown with each mention of these people made a link to their profile."""
    by_name = {p.username.lower(): p for p in people}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        trailing = ""
        while name.endswith(".") and name.lower() not in by_name:
            name, trailing = name[:-1], trailing + "."
        person = by_name.get(name.lower())
        if person is None:
            return match.group(0)
        return f"[@{name}]({reverse('profile', args=[person.username])}){trailing}"

    if not by_name:
        return body
    return "".join(
        MENTION.sub(replace, text) if is_prose else text for text, is_prose in _outside_code(body)
    )


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
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    url = f"{site}{reverse('chat_conversation', args=[message.conversation_id])}#m-{message.pk}"
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = _("%(name)s mentioned you in a message") % {"name": message.sender.display_name}
        body = "\n\n".join([subject, message.body[:1000], url])
    EmailMessage(subject=f"[Cercle] {subject}", body=body, to=[person.email]).send()
    return True
