"""The "Message" button of a person's card in the directory (`accounts/_person_card.html`, drawn
in Python by `accounts.templatetags.person_cards`): the chat is a layer above the accounts, so it
gives the card its button (`register`, from `ChatConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from cercle.accounts.templatetags import person_cards
from cercle.chat.templatetags.chat import may_message
from cercle.core.text import escaped


def message_button(context: template.Context, person: Any) -> str:
    """What `chat/_message_button.html` draws."""
    if not may_message(context.get("user"), person):
        return ""
    token = context.get("csrf_token")
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escaped(str(token))}">'
        if token and token != "NOTPROVIDED"  # noqa: S105 (Django's marker, not a secret)
        else ""
    )
    url = escaped(reverse("chat_start_direct", args=[person.username]))
    return (
        f'<form method="post" action="{url}" class="inline-form message-button">{csrf}'
        f'<button type="submit" class="button-secondary">{escaped(gettext("Message"))}</button>'
        "</form>"
    )


def register() -> None:
    person_cards.register_message_button(message_button)
