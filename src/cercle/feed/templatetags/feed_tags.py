"""Small template helpers for the wall."""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from cercle.feed import registry

register = template.Library()


@register.filter
def get_count(counts: Any, kind: str) -> int:
    """`counts|get_count:"like"`: a reaction count from a post's or comment's counters."""
    if not isinstance(counts, dict):
        return 0
    value = counts.get(kind, 0)
    return value if isinstance(value, int) else 0


_MARKER = 2147483647


@functools.lru_cache(maxsize=256)
def _url_parts(prefix: str, name: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[_MARKER]).partition(str(_MARKER))
    return head, tail


@register.simple_tag
def post_url(name: str, pk: int) -> str:
    """`{% post_url 'post_edit' post.pk %}`: `{% url %}` for the feed's one-id routes, without a
    full `reverse()` each time (a page of posts drew ~260 of them, a fifth of its time)."""
    if not isinstance(pk, int):
        return reverse(name, args=[pk])
    head, tail = _url_parts(get_script_prefix(), name)
    return f"{head}{pk}{tail}"


@register.simple_tag(takes_context=True)
def reaction_picker(
    context: template.Context, post: Any, comment: Any = None, mine: str | None = None
) -> SafeString:
    """The reaction buttons of a post (`comment` None) or of one of its comments, `mine` the
    viewer's reaction (a `PostCard`'s or `CommentCard`'s `my_reaction`), with the "who reacted"
    link: the HTML the `feed/_reactions.html` template used to draw, written here because it is
    drawn for every post of a page and a loop of template tags cost a large share of the home
    page's time."""
    target = comment or post
    post_id = post.pk
    dom_id = f"reactions-c{comment.pk}" if comment else f"reactions-p{post_id}"
    react_url = escape(post_url("post_react", post_id))
    token = context.get("csrf_token")
    csrf = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"  # noqa: S105 (Django's marker, not a secret)
        else ""
    )
    request = context.get("request")
    full_path = escape(request.get_full_path()) if request is not None else ""
    counts = target.reaction_counts
    buttons = []
    for kind, label, emoji in context.get("reaction_choices") or ():
        chosen = mine == kind
        n = get_count(counts, kind)
        label_html = escape(label)
        count = f' <span class="reaction-count">{n}</span>' if n else ""
        buttons.append(
            f'\n      <button type="submit" name="kind" value="{"" if chosen else escape(kind)}" '
            f'class="reaction{" reaction-mine" if chosen else ""}" '
            f'aria-pressed="{"true" if chosen else "false"}" title="{label_html}">'
            f'<span aria-hidden="true">{escape(emoji)}</span>'
            f'<span class="visually-hidden">{label_html}</span>'
            f"{count}</button>\n      "
        )
    who = ""
    if target.reaction_total:
        who_url = escape(post_url("post_reactions", post_id))
        query = f"?comment={comment.pk}" if comment else ""
        who = f'<a class="muted" href="{who_url}{query}">{escape(gettext("Who reacted"))}</a>'
    hidden_comment = f'<input type="hidden" name="comment" value="{comment.pk}">' if comment else ""
    return mark_safe(  # noqa: S308 (every value above is escaped or an integer)
        f'<div class="reactions" id="{dom_id}">\n'
        f'  <form class="inline-form" method="post" action="{react_url}" hx-post="{react_url}" '
        f'hx-target="#{dom_id}" hx-swap="outerHTML">{csrf}\n'
        f'    <input type="hidden" name="next" value="{full_path}">\n'
        f"    {hidden_comment}\n"
        f'    <fieldset class="reaction-picker">\n'
        f'      <legend class="visually-hidden">{escape(gettext("React"))}</legend>\n'
        f"      {''.join(buttons)}\n"
        f"    </fieldset>\n"
        f"  </form>\n"
        f"  {who}\n"
        f"</div>\n"
    )


@register.simple_tag(takes_context=True)
def card_slot(context: template.Context, slot: str) -> SafeString:
    """`{% card_slot "menu" %}` in a post card: the templates the modules extending posts add to
    that slot (`feed.registry.CardExtra`), each with `extra`, the card's value for its module."""
    card = context.get("card")
    extras = getattr(card, "extras", {})
    parts = []
    engine = context.template.engine if context.template is not None else None
    if engine is None:
        return SafeString("")
    for key, name in registry.card_templates(slot):
        with context.push(extra=extras.get(key)):
            parts.append(engine.get_template(name).render(context))
    return mark_safe("".join(parts))  # noqa: S308 (each part rendered and escaped by its template)
