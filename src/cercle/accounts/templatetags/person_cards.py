"""`{% person_card %}`: a person's card in the directory, a group's list and a profile's direct
reports (`accounts/_person_card.html`), drawn in Python.

A directory page draws twenty of them, and the template's includes (the avatar, the Message
button), `{% url %}`s, filters and `{% translate %}`s cost about 1,400 Python calls a card: half
of a directory search (issue 15). The HTML is the very HTML the former templates gave:
`tests/accounts/reference/` keeps them and `tests/accounts/test_person_card_drawn.py` compares
both for every state of a card, viewer and language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from cercle.core.text import escaped

register = template.Library()


def _first(value: Any) -> Any:
    """The `first` filter."""
    try:
        return value[0]
    except (IndexError, TypeError, KeyError):
        return ""


def avatar_html(p: Any, size: Any = None, alt: Any = None) -> str:
    """What `accounts/_avatar.html` draws for the profile `p` (without the file's last line
    break)."""
    css = escaped(size or "")
    user = p.user
    if p.photo:
        alt_text = (
            gettext("Photo of %(name)s") % {"name": escaped(user.display_name)} if alt else ""
        )
        return (
            f'<img class="avatar {css}" src="{escaped(p.photo.url)}" alt="{alt_text}" '
            'width="96" height="96" loading="lazy">'
        )
    initial = _first(user.first_name) or user.username
    initials = escaped(str(_first(initial)).upper()) + escaped(str(_first(user.last_name)).upper())
    return f'<span class="avatar {css}" aria-hidden="true">{initials}</span>'


# A card's "Message" button (`chat/_message_button.html`), drawn by the chat, a layer above this
# one (`register_message_button`, from its `ready()`); none while it is not installed.
def _no_button(context: template.Context, person: Any) -> str:
    return ""


_message_button: Callable[[template.Context, Any], str] = _no_button


def register_message_button(draw: Callable[[template.Context, Any], str]) -> None:
    global _message_button
    _message_button = draw


@register.simple_tag(takes_context=True)
def person_card(context: template.Context) -> SafeString:
    """`p` (a `Profile`) and `top_skills` from the context, as the template read them."""
    p: Any = context.get("p")
    user = p.user
    out = [
        '<li class="person-card">\n  ',
        avatar_html(p, context.get("size"), context.get("alt")),
        '\n\n  <div class="person-card-body">\n    <a class="person-name" href="',
        escaped(reverse("profile", args=[user.username])),
        '">',
        escaped(user.display_name),
        "</a>\n    ",
    ]
    if user.is_guest:
        out.append(f'<span class="tag">{escaped(gettext("external guest"))}</span>')
    out.append("\n    ")
    if p.job_title:
        out.append(f'<div class="muted">{escaped(p.job_title)}</div>')
    out.append("\n    ")
    department, site = p.department, p.site
    site_link = (
        f'<a href="{escaped(reverse("site", args=[site.slug]))}">{escaped(site.name)}</a>'
        if site
        else ""
    )
    if department:
        url = escaped(reverse("department", args=[department.slug]))
        out.append(
            f'<div class="muted"><a href="{url}">{escaped(department.name)}</a>'
            f"{' · ' + site_link if site else ''}</div>"
        )
    elif site:
        out.append(f'<div class="muted">{site_link}</div>')
    out.append("\n    ")
    top_skills = context.get("top_skills")
    if top_skills:
        skills = "".join(f'<li class="tag">{escaped(s.name)}</li>' for s in top_skills)
        out.append(f'<ul class="tags" aria-label="{escaped(gettext("Top skills"))}">{skills}</ul>')
    out.append("\n    ")
    out.append(_message_button(context, user))
    out.append("\n\n  </div>\n</li>\n")
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped)
