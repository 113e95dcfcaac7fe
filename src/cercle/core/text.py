"""Text: normalisation for accent- and case-insensitive search ("helene" finds "Hélène"), and the
one parser of @mentions and #hashtags that every module uses."""

from __future__ import annotations

import functools
import html as html_lib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

from cercle.core.markdown import render_markdown

# Letters that NFKD does not decompose into a base letter and a combining mark.
_SPECIAL = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ß": "ss",
        "ı": "i",
        "’": "'",
        "‘": "'",
    }
)
_SEPARATORS = re.compile(r"[\s\-_'.,;:/()\[\]{}\"«»!?]+")


def escaped(value: Any) -> str:
    """`str(conditional_escape(value))` in fewer steps for what the drawn parts of every page
    escape by the hundred (names, labels, URLs): a plain text escaped as Django escapes it (`html.
    escape`), safe HTML as it is, anything else (a lazy translation, a number) as Django does."""
    if type(value) is str:
        return html_lib.escape(value)
    if isinstance(value, SafeData):
        return str(value)
    return str(conditional_escape(value))


def normalize(text: str) -> str:
    """Lower-case, accent-free, single-spaced: the form every search index and query uses."""
    if type(text) is str and len(text) <= _CACHED_LENGTH:  # (not a lazy text: its language)
        return _normalize_short(text)
    return _normalize(text)


# Names, job titles, teams, departments and sites: normalised again at each directory search and
# mention (most of a search's time was here); a short text's form is kept.
_CACHED_LENGTH = 200


@functools.lru_cache(maxsize=16384)
def _normalize_short(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    if text.isascii():
        # Nothing to decompose nor any combining mark: the same result without the letter loop.
        stripped = text
    else:
        decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_SEPARATORS.split(stripped.casefold().translate(_SPECIAL))).strip()


def search_terms(query: str, *, max_terms: int = 8) -> list[str]:
    """The distinct normalised words of a search query, at most `max_terms` of them."""
    terms: list[str] = []
    for word in normalize(query).split(" "):
        if word and word not in terms:
            terms.append(word)
    return terms[:max_terms]


# --- @mentions and #hashtags -------------------------------------------------------------------
#
# One parser for every module (the feed, chat, ...). A mention is "@" then a username as Django's
# UnicodeUsernameValidator allows it (letters of any script, digits and @ . + - _), written after
# the start of the text, a space or punctuation — never inside a word ("anne@example.org" is an
# e-mail address), a URL or a code span. An apostrophe followed by a letter belongs to the name as
# written ("@o'brien"), but no username holds one: "@o'brien" looks up "obrien", the name Cercle
# makes from the e-mail address "o'brien@…". A sentence's punctuation and an English possessive
# are not part of the name: "@Zoé," "@jean-marc." "(@anne)" "@anne's" name Zoé, jean-marc, anne;
# since a username may itself end with "." or "-", each mention carries its readings, longest
# first, and the longest one naming a real person wins.
#
# A hashtag is "#" then a letter or digit, then letters, digits, "_" and "-", with at least one
# letter ("#équipe", "#RSE2026"; not "#1", nor a Markdown heading "# Title"), not inside a word
# ("C#", "page#part"), a URL ("https://x/#anchor") or a code span.

MAX_HASHTAG = 100
# Mentions looked up per text at most (each with a few readings).
MAX_MENTIONS = 100

# Combining accents: part of a word when typed decomposed ("e" + "\u0301" for "é", as some
# keyboards send it), though `\w` does not match them.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MENTION = re.compile(rf"(?<![\w.@+\-/&#])@(\w(?:[\w{_MARKS}.@+\-]|['’](?=\w))*)")
_HASHTAG = re.compile(rf"(?<![\w&#/@])#([^\W_][\w{_MARKS}-]*)")
# Web addresses in plain text (the Markdown renderer does not turn them into links).
_URL = re.compile(r"(?:\b[a-z][a-z0-9+.\-]*://|\bwww\.)[^\s<>\"]*", re.IGNORECASE)
_TRAILING = ".@+-"
_POSSESSIVES = ("'s", "’s")
_APOSTROPHES = str.maketrans("", "", "'’")
# A tag of sanitised HTML (attribute values are always double-quoted), or the text between tags.
_HTML_TAG = re.compile(r"(<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>)")
_NO_LINK_INSIDE = {"a", "code", "pre"}


@dataclass(frozen=True)
class Mention:
    """An "@name" found in a text: `start` is the index of its "@", `raw` the characters after it
    that a username could hold (a sentence's final dot included)."""

    start: int
    raw: str

    @property
    def forms(self) -> tuple[str, ...]:
        """The readings as written, longest first: the raw text, then without its trailing
        punctuation and possessive one step at a time ("bruno.l." → "bruno.l." "bruno.l")."""
        forms = [self.raw]
        current = self.raw
        while True:
            if current and current[-1] in _TRAILING:
                current = current[:-1]
            elif len(current) > 2 and current.lower().endswith(_POSSESSIVES):
                current = current[:-2]
            else:
                break
            if current:
                forms.append(current)
        # "anne's" reads as "anne" only: no username holds an apostrophe.
        kept = [f for f in forms if not f.rstrip(_TRAILING).lower().endswith(_POSSESSIVES)]
        return tuple(dict.fromkeys(kept or forms))

    @property
    def name(self) -> str:
        """The name most likely meant: the shortest reading ("@Zoé," → "Zoé")."""
        return self.forms[-1]

    @property
    def end(self) -> int:
        return self.start + 1 + len(self.raw)

    def usernames(self) -> tuple[str, ...]:
        """The usernames its readings stand for, longest first (apostrophes dropped)."""
        return tuple(dict.fromkeys(username_of(form) for form in self.forms if username_of(form)))


def username_of(form: str) -> str:
    """The username a mention written `form` stands for: no username holds an apostrophe, and
    usernames are stored composed (NFKC, as Django normalises them)."""
    return unicodedata.normalize("NFKC", form.translate(_APOSTROPHES))


def _outside_urls(text: str) -> Callable[[int], bool]:
    spans = [(m.start(), m.end()) for m in _URL.finditer(text)]
    return lambda index: not any(start <= index < end for start, end in spans)


def scan_mentions(text: str) -> list[Mention]:
    """Every @mention of a plain text (no Markdown), in order, web addresses left alone."""
    if "@" not in (text or ""):
        return []
    outside = _outside_urls(text)
    return [
        Mention(start=match.start(), raw=match.group(1))
        for match in _MENTION.finditer(text)
        if outside(match.start())
    ]


@dataclass(frozen=True)
class Hashtag:
    """A "#tag" found in a text: `start` is the index of its "#", `name` the tag as written."""

    start: int
    name: str

    @property
    def end(self) -> int:
        return self.start + 1 + len(self.name)

    @property
    def normalized(self) -> str:
        return normalize_hashtag(self.name)


def normalize_hashtag(name: str) -> str:
    """The form a hashtag is stored, looked up and linked under: accents and case removed."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()[:MAX_HASHTAG]


def scan_hashtags(text: str) -> list[Hashtag]:
    """Every #hashtag of a plain text (no Markdown), in order, web addresses left alone."""
    if "#" not in (text or ""):
        return []
    outside = _outside_urls(text)
    found = []
    for match in _HASHTAG.finditer(text):
        name = match.group(1).rstrip("-")[:MAX_HASHTAG]
        if outside(match.start()) and any(ch.isalpha() for ch in name):
            found.append(Hashtag(start=match.start(), name=name))
    return found


@functools.lru_cache(maxsize=32)
def _rendered(markdown: str) -> str:
    # A text is parsed for its mentions, its hashtags, then rendered: rendered once.
    return render_markdown(markdown)


def _prose(markdown: str) -> list[str]:
    pieces = _html_pieces(_rendered(markdown))
    return [text for _part, text, kind in pieces if kind == "prose"]


PieceKind = Literal["tag", "code", "prose"]


def _html_pieces(html: str) -> list[tuple[str, str, PieceKind]]:
    """Sanitised HTML in pieces (the piece as it is, its text unescaped, its kind): tags, text
    inside links and code, and the prose where a mention or a tag counts."""
    pieces: list[tuple[str, str, PieceKind]] = []
    depth = 0
    for part in _HTML_TAG.split(html):
        if not part:
            continue
        if part.startswith("<"):
            inner = part.strip("</>").split(None, 1)
            name = inner[0].lower() if inner else ""
            if name in _NO_LINK_INSIDE and not part.endswith("/>"):
                depth = max(depth + (-1 if part.startswith("</") else 1), 0)
            pieces.append((part, part, "tag"))
        else:
            pieces.append((part, html_lib.unescape(part), "prose" if depth == 0 else "code"))
    return pieces


def mentions_in(markdown: str) -> list[Mention]:
    """The @mentions of a Markdown text as it reads once rendered: not in code, links or URLs.
    (Their `start` is in the piece of text they were found in, not in `markdown`.)"""
    if "@" not in (markdown or "") and "&" not in (markdown or ""):
        return []
    return [mention for text in _prose(markdown or "") for mention in scan_mentions(text)]


def mentioned_usernames(markdown: str) -> list[str]:
    """Every username the mentions of a Markdown text may stand for (to look them up at once),
    at most `MAX_MENTIONS` mentions read."""
    names: dict[str, None] = {}
    for mention in mentions_in(markdown)[:MAX_MENTIONS]:
        names.update(dict.fromkeys(mention.usernames()))
    return list(names)


def hashtags_in(markdown: str) -> list[str]:
    """The distinct hashtags of a Markdown text (as first written), not in code, links or URLs."""
    if "#" not in (markdown or "") and "&" not in (markdown or ""):
        return []
    seen: dict[str, str] = {}
    for text in _prose(markdown or ""):
        for tag in scan_hashtags(text):
            seen.setdefault(tag.normalized, tag.name)
    return list(seen.values())


def resolve(mention: Mention, usernames: Iterable[str]) -> tuple[str, str] | None:
    """Whom a mention names among `usernames` (those `mentioned_usernames` found): (the reading
    as written, the username). The longest reading naming someone wins; the exact username
    first, then case aside ("@Zoé" names zoé)."""
    exact = set(usernames)
    folded: dict[str, str] = {}
    for username in sorted(exact):
        folded.setdefault(username.casefold(), username)
    for form in mention.forms:
        wanted = username_of(form)
        found = wanted if wanted in exact else folded.get(wanted.casefold())
        if found is not None:
            return form, found
    return None


def link_html(
    html: str,
    *,
    mention_url: Callable[[Mention], tuple[str, str] | None] | None = None,
    hashtag_url: Callable[[Hashtag], str | None] | None = None,
) -> str:
    """Sanitised HTML with its mentions and hashtags made links, outside links and code.

    `mention_url(mention)` gives (the reading linked, its URL) or None to leave it as text;
    `hashtag_url(tag)` the tag's URL or None. The text is escaped again around the links, which
    are built from those URLs (escaped) and the text as written (escaped): as safe as the input.
    """
    out: list[str] = []
    for part, text, kind in _html_pieces(html):
        if kind != "prose":
            out.append(part)
            continue
        links: list[tuple[int, int, str]] = []
        if mention_url is not None:
            for mention in scan_mentions(text):
                found = mention_url(mention)
                if found is not None:
                    form, url = found
                    link = f'<a class="mention" href="{escape(url)}">@{_text(form)}</a>'
                    links.append((mention.start, mention.start + 1 + len(form), link))
        if hashtag_url is not None:
            for tag in scan_hashtags(text):
                tag_url = hashtag_url(tag)
                if tag_url is not None:
                    link = f'<a class="hashtag" href="{escape(tag_url)}">#{_text(tag.name)}</a>'
                    links.append((tag.start, tag.end, link))
        if not links:
            out.append(part)  # as the sanitiser wrote it
            continue
        last = 0
        for start, end, link in sorted(links):
            if start < last:  # never happens ("@" and "#" never start inside each other)
                continue
            out.append(_text(text[last:start]))
            out.append(link)
            last = end
        out.append(_text(text[last:]))
    return "".join(out)


def _text(text: str) -> str:
    """Text escaped for HTML between tags, as the sanitiser escapes it."""
    return html_lib.escape(text, quote=False)


def render_linked(
    markdown: str,
    *,
    mention_url: Callable[[Mention], tuple[str, str] | None] | None = None,
    hashtag_url: Callable[[Hashtag], str | None] | None = None,
) -> str:
    """A Markdown text rendered, sanitised (`render_markdown`) and linked (`link_html`)."""
    return link_html(_rendered(markdown or ""), mention_url=mention_url, hashtag_url=hashtag_url)
