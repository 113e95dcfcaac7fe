"""Small template helpers for the wall."""

from __future__ import annotations

import functools
import secrets
import threading
from collections import OrderedDict
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django import template
from django.conf import settings
from django.template.base import render_value_in_context
from django.template.defaultfilters import date as date_filter
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import (  # type: ignore[attr-defined]
    get_current_timezone_name,
    template_localtime,
)
from django.utils.translation import get_language, gettext, ngettext, pgettext

from cercle.core.text import escaped
from cercle.feed import registry
from cercle.spaces import registry as space_registry
from cercle.spaces.templatetags.spaces_tags import space_name

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


@functools.lru_cache(maxsize=4096)
def _profile_url(prefix: str, username: str) -> str:
    return reverse("profile", args=[username])


def profile_url(username: str) -> str:
    """`{% url 'profile' username %}`, kept per username (a post's page drew one per comment)."""
    return _profile_url(get_script_prefix(), username)


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


def card_texts() -> SimpleNamespace:
    """The card's words in the active language: the template's `{% translate %}` literals, not
    escaped, as there (the translations are ours; Django marks a literal's translation safe)."""
    return _card_texts(get_language())


@functools.lru_cache(maxsize=32)
def _card_texts(language: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        **{
            "in_space": gettext("in"),
            "shared_a_post": gettext("shared a post"),
            "edited": pgettext("post", "edited"),
            "pinned": gettext("Pinned"),
            "hidden": gettext("Hidden by a moderator"),
            "original_gone": gettext("The original post is not available."),
            "share": gettext("Share"),
            "more": gettext("More"),
            "more_hint": gettext("actions on this post"),
            "edit": gettext("Edit"),
            "report": gettext("Report"),
            "unpin": gettext("Unpin"),
            "pin": gettext("Pin"),
            "delete_confirm": gettext("Delete this post?"),
            "delete": gettext("Delete"),
            "comment_failed": gettext("The comment could not be posted. Please try again."),
            "write_a_comment_label": gettext("Write a comment"),
            "write_a_comment": gettext("Write a comment…"),
            "comment": gettext("Comment"),
        }
    )


def _csrf_input(context: template.Context) -> str:
    """`{% csrf_token %}`."""
    token = context.get("csrf_token")
    if token and token != "NOTPROVIDED":  # noqa: S105 (Django's marker, not a secret)
        return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
    return ""


# The texts below are the template's `{% translate %}` literals: as there, not escaped (the
# translations are ours, and Django marks a literal's translation safe).


def _counted(message: str, counter: int, context: template.Context) -> str:
    """`{% blocktranslate count counter=… %}`: `message` (the `ngettext` of the caller, written
    there so that makemessages finds it) with its number localised."""
    return message % {"counter": render_value_in_context(counter, context)}


def _initials(user: Any) -> str:
    """`{{ u.first_name|first|default:u.username|first|upper }}{{ u.last_name|first|upper }}`."""
    first = user.first_name[:1] or user.username
    return escape((first[:1] + user.last_name[:1]).upper())


def _date(value: Any, format_name: str) -> str:
    """`{{ value|date:format_name }}` (in the active time zone, as the filter shows it)."""
    return escape(date_filter(template_localtime(value), format_name))


@register.simple_tag(takes_context=True)
def comment_count_link(context: template.Context, post: Any, oob: bool = False) -> SafeString:
    """A post's "N comments" link (`feed/_comment_count.html`)."""
    pk = post.pk
    n = post.comment_count
    text = _counted(ngettext("%(counter)s comment", "%(counter)s comments", n), n, context)
    swap = ' hx-swap-oob="true"' if oob else ""
    return mark_safe(  # noqa: S308 (the number is localised and escaped, the rest fixed)
        f'<a id="post-{pk}-comment-count" href="{escape(post_url("post", pk))}#comments"'
        f"{swap}>{text}</a>\n"
    )


@register.simple_tag(takes_context=True)
def save_button(context: template.Context, post: Any, saved: bool) -> SafeString:
    """The Save / Saved toggle of a post (`feed/_save_button.html`)."""
    url = escape(post_url("post_save", post.pk))
    request = context.get("request")
    full_path = escape(request.get_full_path()) if request is not None else ""
    label = gettext("Saved") if saved else gettext("Save")
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<form class="inline-form" method="post" action="{url}" hx-post="{url}" '
        f'hx-swap="outerHTML">{_csrf_input(context)}<input type="hidden" name="next" '
        f'value="{full_path}"><input type="hidden" name="saved" value="{"0" if saved else "1"}">'
        f'<button type="submit" class="link-button" aria-pressed="{"true" if saved else "false"}">'
        f"{label}</button></form>\n"
    )


@register.simple_tag(takes_context=True)
def post_card(context: template.Context) -> SafeString:
    """`card` (a `feed.queries.PostCard`) drawn as the feed shows it, with `readonly` (no
    actions: the share page) and `detail` (the post's own page: no inline comment form) from
    the context: the HTML of `feed/_post.html`, written here because a page draws twenty of
    them and the template's ~120 tags per card were a third of the home page's time.

    Kept drawn (`CardCache`) under a key made of everything the card shows: the post's version
    (its text, dates, counters, files, author, space, the shared original) and what differs
    between viewers (rights, reaction, saved, "seen by", the modules' extras), the language and
    the time zone. The page's CSRF token and address are put in afterwards."""
    card = context["card"]
    request = context.get("request")
    full_path = request.get_full_path() if request is not None else ""
    token = context.get("csrf_token")
    has_token = bool(token and token != "NOTPROVIDED")  # noqa: S105 (Django's marker)
    key = _card_key(context, card, has_token)
    if key is not None and (html := CARDS.get(key)) is not None:
        return _personal(html, full_path, token if has_token else "")
    marked = _PathMarked(request) if request is not None else None
    # The card's templates of other modules (`card_slot`) read `post`, as they did in the template.
    with context.push(
        post=card.post, request=marked, csrf_token=CardCache.CSRF if has_token else token
    ):
        html = str(_card(context, card, card.post))
    if key is not None:
        CARDS.put(key, html)
    return _personal(html, full_path, token if has_token else "")


class CardCache:
    """Post cards drawn, in this process, by `_card_key` (most recently drawn kept; a bounded
    number). The key holds every value the card shows, so a changed post (edited, reacted to,
    commented, shared, pinned, hidden, its author renamed…) or another language, time zone or
    viewer shape simply makes another key: nothing to invalidate, in this process or another;
    stale cards fall out as new ones come in. `CSRF` and `PATH` stand in the HTML for the page's
    CSRF token and address (random: no post text can hold them)."""

    CSRF = f"csrf{secrets.token_hex(12)}"
    PATH = f"path{secrets.token_hex(12)}"

    def __init__(self, size: int) -> None:
        self.size = size
        self.cards: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> str | None:
        html = self.cards.get(key)
        if html is None:
            self.misses += 1
        else:
            self.hits += 1
        return html

    def put(self, key: tuple[Any, ...], html: str) -> None:
        if not self.size:
            return
        with self.lock:
            self.cards[key] = html
            while len(self.cards) > self.size:
                self.cards.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.cards.clear()
            self.hits = self.misses = 0


# About 3-6 kB a card: a few megabytes per process (`CERCLE_CARD_CACHE_SIZE`).
CARDS = CardCache(size=settings.CERCLE_CARD_CACHE_SIZE)


class _PathMarked:
    """The request, its address replaced by `CardCache.PATH` (the card is kept for every page)."""

    def __init__(self, request: Any) -> None:
        self._request = request

    def get_full_path(self) -> str:
        return CardCache.PATH

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def _personal(html: str, full_path: str, token: Any) -> SafeString:
    """A card kept drawn, with this page's address and CSRF token (escaped as drawn)."""
    if CardCache.PATH in html:
        html = html.replace(CardCache.PATH, escaped(str(full_path)))
    if token and CardCache.CSRF in html:
        html = html.replace(CardCache.CSRF, escaped(token))
    return mark_safe(html)  # noqa: S308 (drawn escaped; the address and token escaped here)


def _person(user: Any) -> tuple[Any, ...]:
    return (user.pk, user.username, user.first_name, user.last_name)


def _card_key(context: template.Context, card: Any, has_token: bool) -> tuple[Any, ...] | None:
    """Everything `_card` draws from, or None (not kept: a value that cannot be a key)."""
    post = card.post
    if "attachments" not in getattr(post, "_prefetched_objects_cache", {}):
        return None  # its files would be one query more: drawn as they come
    space = post.space
    original = post.shared_from if post.shared_from_id and card.original_visible else None
    counts = post.reaction_counts
    key = (
        post.pk,
        post.body_html,
        card.activity_html,
        post.created_at,
        post.edited_at,
        post.pinned_at,
        post.hidden_at,
        post.shared_from_id,
        post.activity_kind,
        post.activity_count,
        tuple(sorted(counts.items())) if isinstance(counts, dict) else counts,
        post.reaction_total,
        post.comment_count,
        post.share_count,
        _person(post.author),
        (space.pk, space.slug, space_name(space)) if space is not None else None,
        tuple(
            (
                f.pk,
                f.file.name,
                f.original_name,
                f.size,
                f.content_type,
                f.is_image,
                f.width,
                f.height,
            )
            for f in post.attachments.all()
        ),
        (original.pk, original.body_html, original.created_at, _person(original.author))
        if original is not None
        else None,
        # What differs between viewers.
        tuple(card.rights.as_dict().values()),
        card.my_reaction,
        card.is_saved,
        card.seen_by,
        card.original_visible,
        card.may_report,
        tuple(sorted(card.extras.items())),
        # What differs between pages and people's settings.
        bool(context.get("readonly")),
        bool(context.get("detail")),
        has_token,
        tuple(context.get("reaction_choices") or ()),
        get_language(),
        get_current_timezone_name(),
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _card(context: template.Context, card: Any, post: Any) -> SafeString:
    t = card_texts()
    pk = post.pk
    author = post.author
    space = post.space
    out = [
        f'\n<article class="card post" id="post-{pk}" aria-labelledby="post-{pk}-by">\n'
        f'  <header class="post-head">\n'
        f'    <span class="avatar avatar-sm" aria-hidden="true">{_initials(author)}</span>\n'
        f'    <div class="post-meta">\n'
        f'      <p id="post-{pk}-by" class="post-by">\n'
        f'        <a href="{escape(reverse("profile", args=[author.username]))}">'
        f"{conditional_escape(author.display_name)}</a>\n        "
    ]
    if space:
        activity = space_registry.activity_kind(post.activity_kind) if post.activity_kind else None
        # An activity post (`actions.record_activity`): "Anne added 3 files to Atelier".
        said = (
            conditional_escape(activity.describe(post.activity_count))
            if activity is not None
            else t.in_space
        )
        out.append(
            f'<span class="muted">{said}</span> '
            f'<a href="{escape(reverse("space", args=[space.slug]))}">'
            f"{conditional_escape(space_name(space))}</a>"
        )
    out.append("\n        ")
    if post.shared_from_id:
        out.append(f'<span class="muted">· {t.shared_a_post}</span>')
    out.append(
        f"\n      </p>\n"
        f'      <p class="muted post-when">\n'
        f'        <a href="{escape(post_url("post", pk))}"><time datetime="'
        f'{_date(post.created_at, "c")}">{_date(post.created_at, "DATETIME_FORMAT")}</time></a>\n'
        f"        "
    )
    if post.edited_at:
        out.append(
            f'· <a href="{escape(post_url("post_history", pk))}" class="post-edited">{t.edited}</a>'
        )
    out.append("\n        ")
    if post.pinned_at:
        out.append(f'· <span class="tag">{t.pinned}</span>')
    out.append(f"\n        {card_slot(context, 'meta')}\n        ")
    if post.hidden_at:
        out.append(f'· <span class="tag">{t.hidden}</span>')
    out.append("\n      </p>\n    </div>\n  </header>\n  ")
    # An activity post lists the files this reader may open now, not all it was told.
    body_html = card.activity_html if card.activity_html is not None else post.body_html
    if body_html:
        out.append(f'<div class="post-body">{body_html}</div>')
    out.append(card_slot(context, "body"))
    out.append("\n  ")
    files = post.attachments.all()
    if files:
        engine = context.template.engine if context.template is not None else None
        if engine is not None:
            with context.push(files=files):
                out.append(engine.get_template("feed/_attachments.html").render(context))
    out.append("\n  ")
    if post.shared_from_id:
        if card.original_visible:
            original = post.shared_from
            original_url = escape(post_url("post", original.pk))
            out.append(
                f'\n    \n    <blockquote class="post-shared" cite="{original_url}">\n'
                f'      <p class="post-by"><a href="'
                f'{escape(reverse("profile", args=[original.author.username]))}">'
                f"{conditional_escape(original.author.display_name)}</a>\n"
                f'        · <a href="{original_url}"><time datetime="'
                f'{_date(original.created_at, "c")}">'
                f"{_date(original.created_at, 'DATETIME_FORMAT')}</time></a></p>\n"
                f'      <div class="post-body">{original.body_html}</div>\n'
                f"    </blockquote>\n    \n  "
            )
        else:
            text = t.original_gone
            out.append(f'\n    \n    <p class="muted post-shared">{text}</p>\n    \n  ')
    out.append("\n  ")
    if not context.get("readonly"):
        out.append(_card_footer(context, card, post, t))
    out.append("\n</article>")
    return mark_safe("".join(out))  # noqa: S308 (each value escaped, bodies sanitised when saved)


def _card_footer(context: template.Context, card: Any, post: Any, t: SimpleNamespace) -> str:
    pk = post.pk
    rights = card.rights
    request = context.get("request")
    full_path = escape(request.get_full_path()) if request is not None else ""
    out = ['<footer class="post-actions">\n    ']
    if rights.react:
        out.append(reaction_picker(context, post, None, card.my_reaction))
    else:
        out.append("\n      ")
        if post.reaction_total:
            n = post.reaction_total
            text = _counted(
                ngettext("%(counter)s reaction", "%(counter)s reactions", n), n, context
            )
            out.append(f'<a href="{escape(post_url("post_reactions", pk))}">{text}</a>')
        out.append("\n    ")
    out.append(f"\n    {comment_count_link(context, post)}\n    ")
    if rights.share:
        shares = f" ({post.share_count})" if post.share_count else ""
        out.append(f'<a href="{escape(post_url("post_share", pk))}">{t.share}{shares}</a>')
    out.append(f"\n    {card_slot(context, 'actions')}\n    ")
    if card.seen_by is not None:
        n = card.seen_by
        seen = _counted(ngettext("Seen by %(counter)s", "Seen by %(counter)s", n), n, context)
        out.append(f'<span class="muted">{seen}</span>')
    out.append(f"\n    {save_button(context, post, card.is_saved)}\n    ")
    csrf = _csrf_input(context)
    if rights.see:
        out.append(
            f'\n    <details class="post-more">\n      <summary>{t.more}'
            f'<span class="visually-hidden"> {t.more_hint}</span>'
            f'</summary>\n      <ul class="menu">\n        '
        )
        if rights.edit:
            out.append(f'<li><a href="{escape(post_url("post_edit", pk))}">{t.edit}</a></li>')
        out.append(f"\n        {card_slot(context, 'menu')}\n        ")
        if card.may_report:
            out.append(f'<li><a href="{escape(post_url("post_report", pk))}">{t.report}</a></li>')
        out.append("\n        ")
        if rights.pin:
            pinned = post.pinned_at
            label = t.unpin if pinned else t.pin
            out.append(
                f'<li><form method="post" action="{escape(post_url("post_pin", pk))}">{csrf}'
                f'<input type="hidden" name="next" value="{full_path}">'
                f'<input type="hidden" name="pinned" value="{"0" if pinned else "1"}">'
                f'<button type="submit" class="link-button">{label}</button></form></li>'
            )
        out.append("\n        ")
        if rights.delete:
            out.append(
                f'<li><form method="post" action="{escape(post_url("post_delete", pk))}" '
                f'data-confirm="{t.delete_confirm}">{csrf}'
                f'<input type="hidden" name="next" value="{full_path}">'
                f'<button type="submit" class="link-button danger-link">'
                f"{t.delete}</button></form></li>"
            )
        out.append("\n      </ul>\n    </details>\n    ")
    out.append("\n  </footer>\n  ")
    if rights.comment and not context.get("detail"):
        comment_url = escape(post_url("post_comment", pk))
        out.append(
            f'\n  <ol class="comment-list inline-comments" id="post-{pk}-new-comments" '
            f'aria-live="polite"></ol>\n'
            f'  <form class="inline-comment" method="post" action="{comment_url}" '
            f'hx-post="{comment_url}" hx-target="#post-{pk}-new-comments" hx-swap="beforeend" '
            f"data-inline-comment "
            f'data-error="{t.comment_failed}"'
            f">{csrf}\n"
            f'    <input type="hidden" name="next" value="{full_path}#post-{pk}">\n'
            f'    <label for="post-{pk}-comment" class="visually-hidden">'
            f"{t.write_a_comment_label}</label>\n"
            f'    <textarea id="post-{pk}-comment" name="body" rows="1" maxlength="10000" required '
            f'placeholder="{t.write_a_comment}" '
            f'aria-describedby="post-{pk}-comment-error"></textarea>\n'
            f'    <button type="submit" class="button-secondary">{t.comment}'
            f"</button>\n"
            f'    <p class="inline-comment-error" id="post-{pk}-comment-error" role="alert" hidden>'
            f"</p>\n  </form>\n  "
        )
    return "".join(out)


@functools.lru_cache(maxsize=32)
def _comment_texts(language: str | None) -> SimpleNamespace:
    """`feed/_comment.html`'s `{% translate %}` literals in `language` (not escaped, as there)."""
    return SimpleNamespace(
        edited=pgettext("comment", "edited"),
        react=gettext("React"),
        hidden=gettext("Hidden by a moderator"),
        edit=gettext("Edit"),
        this_comment=gettext("this comment"),
        report=gettext("Report"),
        delete=gettext("Delete"),
    )


def _avatar_xs(context: template.Context, author: Any) -> str:
    """`{% include "accounts/_avatar.html" with p=author.profile size="avatar-xs" %}`, or the
    initials when the author has no profile."""
    profile = getattr(author, "profile", None)
    if not profile:
        return f'<span class="avatar avatar-xs" aria-hidden="true">{_initials(author)}</span>'
    if not profile.photo:
        return f'<span class="avatar avatar-xs" aria-hidden="true">{_initials(author)}</span>\n'
    alt = ""
    if context.get("alt"):
        alt = gettext("Photo of %(name)s") % {"name": conditional_escape(author.display_name)}
    return (
        f'<img class="avatar avatar-xs" src="{escape(profile.photo.url)}" alt="{alt}" '
        f'width="96" height="96" loading="lazy">\n'
    )


@register.simple_tag(takes_context=True)
def comment_html(context: template.Context, comment_card: Any) -> SafeString:
    """One comment (`comment_card`, a `feed.queries.CommentCard`) of the post `post` whose card is
    `card`, as `feed/_comment.html` drew it: written here because a post's page draws every
    comment and the template's tags cost ~3,000 Python calls each (issue 15)."""
    t = _comment_texts(get_language())
    comment = comment_card.comment
    author = comment.author
    pk = comment.pk
    out = [
        f'<article class="comment" id="comment-{pk}">\n  {_avatar_xs(context, author)}\n'
        f'  <div class="comment-main">\n'
        f'    <p class="post-by"><a href="{escape(profile_url(author.username))}">'
        f"{conditional_escape(author.display_name)}</a>\n"
        f'      <span class="muted">· <time datetime="{_date(comment.created_at, "c")}">'
        f"{_date(comment.created_at, 'DATETIME_FORMAT')}</time>"
    ]
    if comment.edited_at:
        out.append(
            f' · <span class="comment-edited" title="'
            f'{_date(comment.edited_at, "DATETIME_FORMAT")}">{t.edited}</span>'
        )
    out.append(
        f"</span></p>\n"
        f'    <div class="comment-body">{comment.body_html}</div>\n'
        f'    <div class="post-actions">\n      '
    )
    card = context.get("card")
    rights = getattr(card, "rights", None)
    if getattr(rights, "react", False):
        counts = comment.reaction_counts
        summary = "".join(
            f' <span class="reaction-count"><span aria-hidden="true">{escape(emoji)}</span>'
            f'<span class="visually-hidden">{escape(label)}</span> '
            f"{render_value_in_context(n, context)}</span>"
            for kind, label, emoji in context.get("reaction_choices") or ()
            if (n := get_count(counts, kind))
        )
        out.append(
            f'<details class="comment-react"><summary>{t.react}{summary}</summary>'
            f"{reaction_picker(context, context.get('post'), comment, comment_card.my_reaction)}"
            f"</details>"
        )
    out.append("\n      ")
    if comment.hidden_at:
        out.append(f'<span class="tag">{t.hidden}</span>')
    out.append("\n      ")
    more = f'<span class="visually-hidden"> {t.this_comment}</span>'
    if comment_card.can_edit:
        out.append(f'<a href="{escape(post_url("comment_edit", pk))}">{t.edit}{more}</a>')
    out.append("\n      ")
    if comment_card.may_report:
        post = context.get("post")
        report = escape(post_url("post_report", post.pk)) if post is not None else ""
        out.append(f'<a href="{report}?comment={pk}">{t.report}{more}</a>')
    out.append("\n      ")
    if comment_card.can_delete:
        out.append(
            f'<form class="inline-form" method="post" '
            f'action="{escape(post_url("comment_delete", pk))}">{_csrf_input(context)}'
            f'<button type="submit" class="link-button">{t.delete}{more}</button></form>'
        )
    out.append("\n    </div>\n  </div>\n</article>")
    return mark_safe("".join(out))  # noqa: S308 (each value escaped, the body sanitised when saved)


@register.simple_tag(takes_context=True)
def reply_form(context: template.Context, thread: Any) -> SafeString:
    """The Reply form under a thread of a post's page (`post`), as `feed/post_detail.html` drew it
    with a dozen tags per thread (issue 15)."""
    comment = thread.comment.comment
    pk = comment.pk
    post = context.get("post")
    action = escape(post_url("post_comment", post.pk)) if post is not None else ""
    reply = gettext("Reply")
    label = gettext("Reply to %(name)s") % {"name": conditional_escape(comment.author.display_name)}
    return mark_safe(  # noqa: S308 (the name escaped, the rest ids and our own texts)
        f'<details class="reply-form">\n'
        f"        <summary>{reply}</summary>\n"
        f'        <form method="post" action="{action}">{_csrf_input(context)}\n'
        f'          <input type="hidden" name="parent" value="{pk}">\n'
        f'          <label for="reply-{pk}">{label}</label>\n'
        f'          <textarea id="reply-{pk}" name="body" rows="2" maxlength="10000" required>'
        f"</textarea>\n"
        f'          <button type="submit">{reply}</button>\n'
        f"        </form>\n"
        f"      </details>"
    )


@functools.lru_cache(maxsize=16)
def _new_posts_url(prefix: str) -> str:
    return reverse("feed_new_posts")


@register.simple_tag(takes_context=True)
def new_posts_bar(context: template.Context, **given: Any) -> SafeString:
    """A feed's "N new posts" notice (the former `feed/_new_posts.html`, kept in
    `tests/feed/reference/`), drawn in Python: it is on every feed page, and its two
    `{% blocktranslate asvar %}`s and its URL cost ~750 Python calls each time. Its values are
    the ones given (`count`, `since`, `feed`, `feed_id`, `filter`), else the context's, as the
    former template's `{% include … with %}` read them."""

    def value(name: str) -> Any:
        # A name the context lacks is "" there (the engine's `string_if_invalid`).
        return given[name] if name in given else context.get(name, "")

    def shown(value: Any) -> str:
        return render_value_in_context(value, context)

    count, since, feed, feed_id = value("count"), value("since"), value("feed"), value("feed_id")
    feed_filter = value("filter") or "all"
    if feed == "space":
        query = f"space={shown(feed_id)}"
    elif feed == "wall":
        query = f"wall={shown(feed_id)}"
    else:
        query = f"filter={escaped(quote(str(feed_filter), safe='/'))}"
    feed_id_attribute = f' data-feed-id="{shown(feed_id)}"' if feed_id else ""
    button = ""
    if count:
        label = ngettext("%(counter)s new post", "%(counter)s new posts", count)
        button = (
            '<button type="button" class="button button-secondary">'
            f"{_counted(label, count, context)}</button>"
        )
    one = ngettext("%(counter)s new post", "%(counter)s new posts", 1)
    other = ngettext("%(counter)s new post", "%(counter)s new posts", 2)
    return mark_safe(  # noqa: S308 (its values escaped here, its words our translations)
        '<div id="new-posts" class="new-posts" role="status" aria-live="polite" '
        f'data-feed="{shown(feed or "home")}"{feed_id_attribute} '
        f'data-filter="{shown(feed_filter)}" '
        f'data-since="{shown(since)}" '
        f'data-count="{shown(count or 0)}" '
        f'data-count-url="{_new_posts_url(get_script_prefix())}?{query}" '
        f'data-one="{_counted(one, 1, context)}" data-other="{_counted(other, 2, context)}">'
        # The former template's last line ended the file.
        f"{button}</div>\n"
    )
