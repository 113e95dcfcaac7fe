"""A page's text: `[[Title]]` links between pages, links to a page's stable address
(`/pages/<number>/`), headings with anchors, a table of contents.

Markdown is rendered and sanitised by `cercle.core.markdown` like every text in Cercle; links are
turned into Markdown links first (outside code), and the anchors are added to the sanitised HTML
(their ids come from the heading's own escaped text, never from the author's HTML).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

from django.utils.html import strip_tags
from django.utils.text import slugify

from cercle.core.markdown import render_markdown
from cercle.core.text import normalize

# [[Title]] or [[Title|shown text]], on one line; inline code spans are matched first, and kept.
_WIKI_OR_CODE = re.compile(r"(`+)(?:.+?)\1|\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
# A page's stable address, alone or at the start of a link's target (`(/pages/12/)`,
# `<https://cercle.example/pages/12/#part>`): its path must begin with /pages/, so a space's
# page address (`/spaces/x/pages/12/`, a page whose slug is "12") is not one.
_PAGE_ADDRESS = re.compile(r"(?:^|(?<=[\s(<\[\"'|]))(?:https?://[^\s/()<>\"']+)?/pages/(\d{1,12})/")
_CODE_SPAN = re.compile(r"(`+).+?\1")
MAX_LINKED_IDS = 500
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class RenderedPage:
    html: str
    headings: list[Heading]


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_link(title: str, url: str) -> str:
    """A Markdown link to `url` whose text is `title`, read literally (its `[`, `*`… escaped)."""
    return f"[{_escape(title)}]({url})"


def _outside_code(body: str, replace: Callable[[re.Match[str]], str]) -> str:
    """`body` with `replace` applied to each wiki link outside fenced blocks and code spans."""
    lines = []
    fence: str | None = None
    for line in (body or "").split("\n"):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            lines.append(line)
            continue
        if opening:
            fence = opening.group(1)
            lines.append(line)
            continue
        lines.append(_WIKI_OR_CODE.sub(lambda m: m.group(0) if m.group(1) else replace(m), line))
    return "\n".join(lines)


def linked_titles(body: str) -> list[str]:
    """The titles that `[[…]]` links of a text name (normalised, in order, each once)."""
    found: list[str] = []

    def keep(match: re.Match[str]) -> str:
        key = normalize(match.group(2))
        if key and key not in found:
            found.append(key)
        return match.group(0)

    _outside_code(body, keep)
    return found


def linked_page_ids(body: str) -> list[int]:
    """The numbers of the pages a text links to by their stable address (`/pages/<number>/`),
    outside code blocks and code spans, in order, each once (at most `MAX_LINKED_IDS`)."""
    found: dict[int, None] = {}
    fence: str | None = None
    for line in (body or "").split("\n"):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        if "/pages/" not in line:
            continue
        for match in _PAGE_ADDRESS.finditer(_CODE_SPAN.sub(" ", line)):
            found.setdefault(int(match.group(1)), None)
            if len(found) >= MAX_LINKED_IDS:
                return list(found)
    return list(found)


def render_page(body: str, url_for_title: Callable[[str], str | None]) -> RenderedPage:
    """Safe HTML for a page's text: `[[Title]]` links to the page of that title
    (`url_for_title(normalised title)`, None when there is none: the text stays, unlinked),
    headings with anchors, and the headings for a table of contents."""

    def link(match: re.Match[str]) -> str:
        title = match.group(2).strip()
        shown = _escape((match.group(3) or title).strip())
        url = url_for_title(normalize(title))
        return f"[{shown}](<{url}>)" if url else shown

    html = render_markdown(_outside_code(body, link))
    headings: list[Heading] = []
    used: set[str] = set()

    def anchor(match: re.Match[str]) -> str:
        level, inner = int(match.group(1)), match.group(2)
        text = unescape(strip_tags(inner)).strip()
        base = slugify(text)[:60] or "section"
        name, n = base, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        headings.append(Heading(level=level, text=text, anchor=name))
        return f'<h{level} id="{name}">{inner}</h{level}>'

    html = _HEADING.sub(anchor, html)
    return RenderedPage(html=html, headings=headings)
