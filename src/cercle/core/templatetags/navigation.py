"""`{% side_navigation %}` (the desktop's left navigation), `{% account_menu %}` (the account
menu's links) and `{% main_navigation %}` (the main navigation's links and, on phones, its "More"
menu), from `cercle.core.navigation`, in `templates/base.html`.

They are on every page, so they are drawn in Python rather than by templates (issue 15: the
templates' loops, `{% if %}`s and `{% translate %}`s cost about a tenth of a page's Python calls).
The HTML is the very HTML the former templates gave: `tests/core/reference/` keeps them and
`tests/core/test_navigation_drawn.py` compares both for each kind of person, page and language.
`{% menu_links place as links %}` and `{% more_links links as more %}` remain for other templates.

`{% fixed %}…{% endfixed %}`: a part of a template drawn once per language and script prefix, then
kept (base.html's fixed header: its `{% translate %}`, `{% url %}` and `{% static %}` tags cost
about 1,500 Python calls on every page). Only text, literal translations, URLs with literal
arguments and static files may be inside: anything else is refused when the template is read.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import Node, NodeList, Parser, TextNode, Token
from django.template.context import Context
from django.template.defaulttags import CommentNode, URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from cercle.core.navigation import ShownMenuLink, menu_links, more_links, sections_for
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


def _literal(expression: Any) -> bool:
    """A template value written as a literal, without filters."""
    return (
        expression is None
        or isinstance(expression, str)
        or (
            not expression.filters
            and (
                isinstance(expression.var, str)
                or getattr(expression.var, "literal", None) is not None
            )
        )
    )


def _fixed(node: Node) -> bool:
    if isinstance(node, TextNode | CommentNode):
        return True
    if isinstance(node, TranslateNode):
        return (
            node.asvar is None
            and _literal(node.filter_expression)
            and _literal(node.message_context)
        )
    if isinstance(node, URLNode):
        return (
            node.asvar is None
            and _literal(node.view_name)
            # A namespaced name may give another URL in another application's pages.
            and ":" not in str(node.view_name.var)
            and all(_literal(arg) for arg in node.args)
            and all(_literal(arg) for arg in node.kwargs.values())
        )
    if isinstance(node, StaticNode):
        return node.varname is None and _literal(node.path)
    return False


class FixedNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.drawn: dict[tuple[str | None, str, bool], SafeString] = {}

    def render(self, context: Context) -> SafeString:
        key = (get_language(), get_script_prefix(), bool(context.autoescape))
        found = self.drawn.get(key)
        if found is None:
            found = self.drawn[key] = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered by its nodes)
        return found


@register.tag
def fixed(parser: Parser, token: Token) -> FixedNode:
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    for node in nodelist:
        if not _fixed(node):
            raise template.TemplateSyntaxError(
                f"{{% fixed %}} holds only text, literal translations, URLs and static files, "
                f"not {node.token.contents if node.token else type(node).__name__!r}."
            )
    return FixedNode(nodelist)
