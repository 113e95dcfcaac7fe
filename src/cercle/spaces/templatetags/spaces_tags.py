"""Template helpers for spaces."""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import linebreaksbr
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from cercle.core.text import escaped
from cercle.spaces.models import Space
from cercle.spaces.queries import SpaceView, display_name
from cercle.spaces.registry import panels_for

register = template.Library()


@register.filter
def space_name(space: Space | None) -> str:
    """`{{ space|space_name }}`: the name to show people (the organisation space's translated)."""
    return display_name(space) if space is not None else ""


@register.inclusion_tag("spaces/_panels.html", takes_context=True)
def space_panels(context: Any, view: SpaceView) -> dict[str, Any]:
    """The panels modules registered for a space's page (`registry.register_panel`)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"panels": []}
    return {"panels": panels_for(user, view)}


# --- The space's header, drawn in Python ---------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _header_texts(language: str | None) -> SimpleNamespace:
    # The former template's `{% translate %}` literals: not escaped, as there (ours; Django marks
    # a literal's translation safe).
    return SimpleNamespace(
        archived=gettext("Archived (read-only)"),
        for_everyone=gettext("Announcements and news for everyone."),
        space=gettext("Space"),
        join=gettext("Join"),
        waiting=gettext("Your request to join is waiting for an answer."),
        request_label=gettext("Message to the space's admins (optional)"),
        ask=gettext("Ask to join"),
        leave=gettext("Leave"),
        unfavourite=gettext("Remove from favourites"),
        favourite=gettext("Add to favourites"),
        stop_following=gettext("Stop following"),
        follow=gettext("Follow"),
        notify_me_of=gettext("Notify me of"),
        save=gettext("Save"),
    )


def _csrf_input(context: Any) -> str:
    """`{% csrf_token %}`."""
    token = context.get("csrf_token")
    if token and token != "NOTPROVIDED":  # noqa: S105 (Django's marker, not a secret)
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escaped(token)}">'
    return ""


@register.simple_tag(takes_context=True)
def space_header(context: Any) -> SafeString:
    """A space's header (the former `spaces/_header.html`, kept in `tests/feed/reference/pages/`;
    `tests/feed/test_feed_pages_drawn.py` compares the pages drawn both ways): on each page of a
    space, ~3,400 Python calls as a template (issue 15). Its invitation, when there is one, is
    still drawn by its template (`spaces/_invitation.html`)."""
    space, view, request = context.get("space"), context.get("view"), context.get("request")
    t = _header_texts(get_language())
    csrf = _csrf_input(context)
    slug = space.slug

    def shown(value: Any) -> str:
        return render_value_in_context(value, context)

    image = (
        f'<img class="space-image" src="{shown(space.image.url)}" alt="" width="48" height="48"> '
        if space.image
        else ""
    )
    members = ngettext("%(counter)s member", "%(counter)s members", context.get("member_count"))
    members %= {"counter": shown(context.get("member_count"))}
    archived = f' · <span class="tag">{t.archived}</span>' if space.is_archived else ""
    parts = [
        '<header class="card space-header">\n'
        f"  <h1>{image}{escaped(display_name(space))}</h1>\n"
        f'  <p class="muted">{shown(space.get_kind_display())} · {members}{archived}</p>\n  '
    ]
    if space.description:
        parts.append(f"<p>{linebreaksbr(space.description, autoescape=True)}</p>")
    elif space.is_organisation:
        parts.append(f"<p>{t.for_everyone}</p>")
    url_name = request.resolver_match.url_name if request is not None else ""
    parts.append(f'\n  <nav aria-label="{t.space}" class="feed-filters"><ul>\n    ')
    for tab in view.tabs:
        current = ' aria-current="page"' if url_name in tab.current_for else ""
        parts.append(f'<li><a href="{shown(tab.url)}"{current}>{shown(tab.label)}</a></li>')
    parts.append('\n  </ul></nav>\n  <div class="space-actions">\n    ')
    if view.invitation:
        with context.push(invitation=view.invitation, on_space=True):
            invitation = context.template.engine.get_template("spaces/_invitation.html")
            parts.append(f'\n      <ul class="plain-list">{invitation.render(context)}</ul>\n    ')
    elif view.can_join:
        parts.append(
            '\n      <form class="inline-form" method="post" '
            f'action="{_space_url("space_join", slug)}">{csrf}'
            f'<button type="submit">{t.join}</button></form>\n    '
        )
    elif view.can_request:
        if view.has_pending_request:
            parts.append(f'\n      <p class="muted">{t.waiting}</p>\n      ')
        else:
            parts.append(
                "\n      \n"
                f'      <form method="post" action="{_space_url("space_request", slug)}">{csrf}\n'
                f'        <label for="request-message">{t.request_label}</label>\n'
                '        <input id="request-message" type="text" name="message" '
                'maxlength="500">\n'
                f'        <button type="submit">{t.ask}</button>\n'
                "      </form>\n      "
            )
        parts.append("\n    ")
    parts.append("\n    ")
    if view.role and not space.is_organisation:
        parts.append(
            '\n      <form class="inline-form" method="post" '
            f'action="{_space_url("space_leave", slug)}">{csrf}'
            f'<button type="submit" class="button-secondary secondary">{t.leave}</button>'
            "</form>\n    "
        )
    parts.append("\n    ")
    if (view.role and view.can_read and not space.is_organisation) or view.favourite:
        if view.favourite:
            value, label = "0", f'<span aria-hidden="true">★</span> {t.unfavourite}'
        else:
            value, label = "1", f'<span aria-hidden="true">☆</span> {t.favourite}'
        parts.append(
            "\n      \n"
            '      <form class="inline-form" method="post" '
            f'action="{_space_url("space_favourite", slug)}">{csrf}'
            f'<input type="hidden" name="favourite" value="{value}">'
            f'<button type="submit" class="button-secondary secondary">{label}</button>'
            "</form>\n    "
        )
    parts.append("\n    ")
    if view.can_read and not view.role:
        value, label = ("0", t.stop_following) if view.following else ("1", t.follow)
        parts.append(
            '\n      <form class="inline-form" method="post" '
            f'action="{_space_url("space_follow", slug)}">{csrf}'
            f'<input type="hidden" name="follow" value="{value}">'
            f'<button type="submit" class="button-secondary secondary">{label}</button>'
            "</form>\n    "
        )
    parts.append("\n  </div>\n  ")
    notify_level = context.get("notify_level")
    if notify_level:
        options = "".join(
            f'<option value="{shown(value)}"{" selected" if value == notify_level else ""}>'
            f"{shown(label)}</option>"
            for value, label in context.get("level_choices") or ()
        )
        parts.append(
            '\n  <form class="space-level" method="post" '
            f'action="{_space_url("notification_space_level", space.pk)}">{csrf}\n'
            f'    <label for="space-level">{t.notify_me_of}</label>\n'
            '    <span class="space-level-control">\n'
            f'      <select id="space-level" name="level">{options}</select>\n'
            '      <button type="submit" class="button-secondary secondary">'
            f"{t.save}</button>\n"
            "    </span>\n"
            "  </form>\n  "
        )
    # The former template's last line ended the file.
    parts.append("\n</header>\n")
    return mark_safe("".join(parts))  # noqa: S308 (its values escaped here, its words ours)


_MARKER = 2147483647


@functools.lru_cache(maxsize=64)
def _space_url_parts(prefix: str, name: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[_MARKER]).partition(str(_MARKER))
    return escaped(head), escaped(tail)


def _space_url(name: str, key: str | int) -> str:
    """`{% url name key %}` for a space's slug or id, escaped as the tag gives it."""
    head, tail = _space_url_parts(get_script_prefix(), name)
    return f"{head}{escaped(str(key))}{tail}"
