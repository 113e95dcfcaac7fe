"""Markdown rendered with markdown-it-py, then sanitised with nh3: user HTML is never trusted."""

from __future__ import annotations

import html as html_lib
import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


def render_markdown(text: str) -> str:
    """Safe HTML for a Markdown text: no script, no event handler, no javascript: URL."""
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow ugc",
    )


_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|pre|tr|th|td)>|<br\s*/?>|<hr\s*/?>", re.I)
_SPACES = re.compile(r"\s+")


def markdown_to_text(text: str, *, limit: int | None = None) -> str:
    """A Markdown text as plain text on one line, for excerpts where it is quoted (the audit log,
    reports, notifications): rendered, then its tags dropped and its entities read
    (`**Nouvelle mutuelle**` → `Nouvelle mutuelle`; an image reads as its alt text). With
    `limit`, cut at a word boundary with an ellipsis."""
    html = render_markdown(text or "")
    html = re.sub(r'<img[^>]*alt="([^"]*)"[^>]*>', r" \1 ", html)
    plain = html_lib.unescape(_TAG.sub("", _BLOCK_END.sub(" ", html)))
    plain = _SPACES.sub(" ", plain).strip()
    if limit is not None and len(plain) > limit:
        cut = plain[: limit - 1]
        if " " in cut[limit // 2 :]:
            cut = cut[: cut.rindex(" ")]
        plain = cut.rstrip(" ,;:.") + "…"
    return plain
