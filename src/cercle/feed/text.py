"""@mentions and #hashtags: finding them in a text, and linking them in the rendered (safe) HTML."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from urllib.parse import quote

from django.utils.html import escape

from cercle.core.markdown import render_markdown

MAX_BODY = 10_000
MAX_HASHTAG = 100
# "@" then a username, not inside a word or an e-mail address ("anne@example.org" is no mention).
MENTION_RE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_][A-Za-z0-9_.+-]{0,149})")
# "#" then word characters with at least one letter; "&#39;" (an HTML entity) and "#1" are not tags.
HASHTAG_RE = re.compile(r"(?<![\w&#/])#((?:[^\W\d_]|\d)[\w-]*)", re.UNICODE)
_TAG_SPLIT = re.compile(r"(<[^>]*>)")
_NO_LINK_INSIDE = {"a", "code", "pre"}


def normalize_hashtag(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()[:MAX_HASHTAG]


def _clean_mention(raw: str) -> str:
    # A sentence's final dot is not part of the username.
    return raw.rstrip(".-+")


def find_mentions(text: str) -> list[str]:
    """The distinct usernames written as @username, in order of appearance."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text or ""):
        name = _clean_mention(match.group(1))
        if name:
            seen.setdefault(name, None)
    return list(seen)


def find_hashtags(text: str) -> list[str]:
    """The distinct hashtags (as first written), in order of appearance."""
    seen: dict[str, str] = {}
    for match in HASHTAG_RE.finditer(text or ""):
        name = match.group(1).rstrip("-")[:MAX_HASHTAG]
        if any(ch.isalpha() for ch in name):
            seen.setdefault(normalize_hashtag(name), name)
    return list(seen.values())


def _link_text(
    text: str,
    *,
    mention_url: Callable[[str], str | None],
    hashtag_url: Callable[[str], str],
) -> str:
    def mention(match: re.Match[str]) -> str:
        name = _clean_mention(match.group(1))
        url = mention_url(name)
        if url is None:
            return match.group(0)
        rest = match.group(1)[len(name) :]
        return f'<a class="mention" href="{escape(url)}">@{escape(name)}</a>{rest}'

    def hashtag(match: re.Match[str]) -> str:
        name = match.group(1).rstrip("-")
        if not any(ch.isalpha() for ch in name):
            return match.group(0)
        rest = match.group(1)[len(name) :]
        url = hashtag_url(normalize_hashtag(name))
        return f'<a class="hashtag" href="{escape(url)}">#{escape(name)}</a>{rest}'

    return HASHTAG_RE.sub(hashtag, MENTION_RE.sub(mention, text))


def render_post_body(
    text: str,
    *,
    mentionable: Iterable[str],
    hashtag_base: str,
    people_base: str,
    spaces: Iterable[str] = (),
    space_base: str = "",
) -> str:
    """Markdown rendered and sanitised, then @known-people and #tags linked outside links/code.

    The links are built from validated names only (usernames we know, word characters for tags),
    so the result stays as safe as `render_markdown`'s.
    """
    known = set(mentionable)
    known_spaces = set(spaces) - known

    def mention_url(name: str) -> str | None:
        if name in known:
            return f"{people_base}{quote(name)}/"
        if name in known_spaces:
            return f"{space_base}{quote(name)}/"
        return None

    html = render_markdown(text)
    parts = _TAG_SPLIT.split(html)
    depth = 0
    out: list[str] = []
    for part in parts:
        if part.startswith("<"):
            name = part.strip("</>").split(" ", 1)[0].lower()
            if name in _NO_LINK_INSIDE and not part.endswith("/>"):
                depth += -1 if part.startswith("</") else 1
                depth = max(depth, 0)
            out.append(part)
        elif depth == 0 and ("@" in part or "#" in part):
            out.append(
                _link_text(
                    part,
                    mention_url=mention_url,
                    hashtag_url=lambda t: f"{hashtag_base}{quote(t)}/",
                )
            )
        else:
            out.append(part)
    return "".join(out)
