"""`{% fixed %}…{% endfixed %}`: a part of a template drawn once per language and script prefix,
then kept (base.html's fixed header: its `{% translate %}`, `{% url %}` and `{% static %}` tags cost
about 1,500 Python calls on every page; the composer's, the quick links'). Only text, literal
translations, URLs with literal arguments and static files may be inside: anything else is
refused when the template is read. `{% load fixed %}` (also in `{% load navigation %}`).
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
from django.utils.translation import get_language

register = template.Library()


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
