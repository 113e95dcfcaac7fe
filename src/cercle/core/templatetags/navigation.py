"""`{% side_navigation %}` (the desktop's left navigation), `{% account_menu %}` (the account
menu's links) and `{% main_navigation %}` (the main navigation's links and, on phones, its "More"
menu), from `cercle.core.navigation`, in `templates/base.html`.

They are on every page, so they are drawn in Python rather than by templates (issue 15: the
templates' loops, `{% if %}`s and `{% translate %}`s cost about a tenth of a page's Python calls).
The HTML is the very HTML the former templates gave: `tests/core/reference/` keeps them and
`tests/core/test_navigation_drawn.py` compares both for each kind of person, page and language.
`{% menu_links place as links %}` and `{% more_links links as more %}` remain for other templates.

`{% fixed %}…{% endfixed %}` (`cercle.core.templatetags.fixed`, also loaded with this library): a
part of a template drawn once per language and script prefix, then kept.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from cercle.core.navigation import ShownMenuLink, menu_links, more_links, sections_for
from cercle.core.templatetags.fixed import fixed
from cercle.core.text import escaped

register = template.Library()


_e = escaped  # `str(conditional_escape(value))`, in fewer steps: a hundred a page


@register.simple_tag(takes_context=True)
def side_navigation(context: Any) -> SafeString:
    """What `core/_side_navigation.html` drew (kept in `tests/core/reference/`)."""
    request = context.get("request")
    sections = sections_for(request) if request is not None else []
    if not sections:
        return mark_safe("\n\n")
    out = [
        '\n<nav class="sidenav" aria-label="',
        _e(gettext("My spaces and conversations")),
        '">\n  ',
    ]
    favourite = unread = new = ""
    for section in sections:
        key = _e(section.key)
        out.append(
            f'\n  <section class="sidenav-section" aria-labelledby="sidenav-{key}">\n'
            f'    <h2 id="sidenav-{key}" class="sidenav-title">{_e(section.title)}</h2>\n    '
        )
        if section.links:
            out.append("<ul>\n      ")
            for link in section.links:
                out.append(f'\n      <li><a href="{_e(link.url)}"')
                if link.current:
                    out.append(' aria-current="page"')
                if link.unread or link.new:
                    out.append(' class="sidenav-unread"')
                out.append(">\n        ")
                if link.favourite:
                    if not favourite:
                        favourite = (
                            '<span class="sidenav-star" aria-hidden="true">★</span>'
                            f'<span class="visually-hidden">{_e(gettext("Favourite:"))} </span>'
                        )
                    out.append(favourite)
                label = _e(link.label)
                out.append(f'\n        <span class="sidenav-label">{label}</span>\n        ')
                if link.unread:
                    if not unread:
                        unread = _e(gettext("unread:"))
                    out.append(
                        f'<span class="badge"><span class="visually-hidden">{unread} </span>'
                        f"{_e(link.unread)}</span>\n        "
                    )
                elif link.new:
                    if not new:
                        new = (
                            '<span class="sidenav-dot" aria-hidden="true"></span>'
                            f'<span class="visually-hidden">{_e(gettext("(new posts)"))}</span>'
                        )
                    out.append(new)
                out.append("\n      </a></li>\n      ")
            out.append("\n    </ul>")
        out.append(
            f'\n    <a class="sidenav-more" href="{_e(section.more_url)}">'
            f"{_e(section.more_label)}</a>\n  </section>\n  "
        )
    out.append("\n</nav>\n")
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped; link.html is safe)


def _screens(link: ShownMenuLink) -> str:
    return f' class="nav-{_e(link.screens)}-only"' if link.screens else ""


def _main_link(link: ShownMenuLink) -> str:
    if link.html:
        return str(link.html)
    current = ' aria-current="page"' if link.current else ""
    return f'<a class="{_e(link.css_class)}" href="{_e(link.url)}"{current}>{_e(link.label)}</a>'


@register.simple_tag(takes_context=True)
def account_menu(context: Any) -> SafeString:
    """The account menu's links, as base.html's loop over `{% menu_links "account" %}` drew them."""
    request = context.get("request")
    out = []
    for link in menu_links(request, "account") if request is not None else []:
        current = ' aria-current="page"' if link.current else ""
        out.append(
            f'\n          <li{_screens(link)}><a href="{_e(link.url)}"{current}>'
            f"{_e(link.label)}</a></li>\n          "
        )
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped; link.html is safe)


@register.simple_tag(takes_context=True)
def main_navigation(context: Any) -> SafeString:
    """The main navigation's links and the phone bar's "More" menu, as base.html's loops over
    `{% menu_links "main" %}` and `{% more_links %}` drew them."""
    request = context.get("request")
    links = menu_links(request, "main") if request is not None else []
    out = [f"\n      <li{_screens(link)}>{_main_link(link)}</li>\n      " for link in links]
    out.append("\n      \n      ")
    more = more_links(links)
    if more:
        current = "".join(" nav-more-current" for link in more if link.current)
        items = "".join(f"<li>{_main_link(link)}</li>" for link in more)
        out.append(
            '\n      <li class="nav-phone-only nav-more-item"><details class="nav-more">\n'
            f'        <summary class="nav-more-toggle{current}">{_e(gettext("More"))}</summary>\n'
            f'        <ul class="nav-more-menu">\n          {items}\n        </ul>\n'
            "      </details></li>\n      "
        )
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped; link.html is safe)


@register.simple_tag(takes_context=True, name="menu_links")
def menu_links_tag(context: dict[str, Any], place: str) -> list[ShownMenuLink]:
    request = context.get("request")
    return menu_links(request, place) if request is not None else []


@register.simple_tag(name="more_links")
def more_links_tag(links: list[ShownMenuLink]) -> list[ShownMenuLink]:
    return more_links(links)


@register.simple_tag(name="bell_unread_words")
def bell_unread_words() -> SafeString:
    """The bell's `data-unread-one` and `data-unread-other` (its word "unread" for one and for
    several, which realtime.js shows beside the count), kept per language: base.html's two
    `{% blocktranslate count … asvar %}` cost ~300 Python calls on every page."""
    return _bell_unread_words(get_language())


@functools.lru_cache(maxsize=32)
def _bell_unread_words(language: str | None) -> SafeString:
    # As `{% blocktranslate %}` gives them: our translations, not escaped.
    one, other = ngettext("unread", "unread", 1), ngettext("unread", "unread", 2)
    return mark_safe(f'data-unread-one="{one}" data-unread-other="{other}"')  # noqa: S308


# `{% fixed %}` (its own library, `fixed`), also here, where base.html loads it.
register.tag("fixed", fixed)
