"""Cards for links to Cercle's own things in a text (a document linked in a post shows its name,
type, size and preview): the modules that own such things register a `LinkCardKind`; a module
that shows texts (the feed) asks `cards_for` once per page of texts.

A kind matches the path of a link (`pattern`, whose first group is the thing's id), relative
(`/documents/files/12/`) or on this site (`SITE_URL`); `load(viewer, ids)` returns, in a fixed
number of queries, a card for each id the viewer may see, and nothing for the others, whose
links stay plain links. Cards are hashable values (frozen dataclasses) drawn by the kind's
`template` with `card`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings

if TYPE_CHECKING:
    from cercle.accounts.models import User

MAX_CARDS = 3  # per text: the first links only


@dataclass(frozen=True)
class LinkCardKind:
    key: str
    pattern: re.Pattern[str]
    load: Callable[[User, list[int]], Mapping[int, Hashable]]
    template: str


KINDS: dict[str, LinkCardKind] = {}

_HREF = re.compile(r'<a\s[^>]*href="([^"]+)"', re.IGNORECASE)


def register(kind: LinkCardKind) -> None:
    KINDS[kind.key] = kind


def _own_path(href: str) -> str | None:
    """The path of a link to this site (relative, or under `SITE_URL`), else None."""
    href = href.replace("&amp;", "&")
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        site = urlsplit(getattr(settings, "SITE_URL", "") or "")
        if not site.netloc or (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
            return None
    return parts.path if parts.path.startswith("/") else None


def links_in(html: str) -> list[tuple[str, int]]:
    """The (kind, id) of the links to registered things in a sanitised HTML text, in order,
    each once, at most `MAX_CARDS`."""
    found: list[tuple[str, int]] = []
    for href in _HREF.findall(html or ""):
        path = _own_path(href)
        if path is None:
            continue
        for kind in KINDS.values():
            match = kind.pattern.match(path)
            if match is None:
                continue
            try:
                ident = int(match.group(1))
            except (IndexError, ValueError):
                continue
            if 0 < ident <= 2**63 - 1 and (kind.key, ident) not in found:
                found.append((kind.key, ident))
            break
        if len(found) >= MAX_CARDS:
            break
    return found


def has_links(html: str) -> bool:
    """Does a text link to a registered thing (whether or not a reader may see it)? No query."""
    return bool(html) and "href" in html and bool(links_in(html))


def _resolve(
    viewer: User, texts: Mapping[int, str]
) -> dict[int, tuple[tuple[LinkCardKind, Hashable], ...]]:
    links = {key: links_in(html) for key, html in texts.items()}
    wanted: dict[str, set[int]] = {}
    for found in links.values():
        for kind_key, ident in found:
            wanted.setdefault(kind_key, set()).add(ident)
    loaded = {
        kind_key: KINDS[kind_key].load(viewer, sorted(ids)) for kind_key, ids in wanted.items()
    }
    cards: dict[int, tuple[tuple[LinkCardKind, Hashable], ...]] = {}
    for key, found in links.items():
        shown = tuple(
            (KINDS[kind_key], loaded[kind_key][ident])
            for kind_key, ident in found
            if ident in loaded[kind_key]
        )
        if shown:
            cards[key] = shown
    return cards


def cards_for(
    viewer: User, texts: Mapping[int, str]
) -> dict[int, tuple[tuple[str, Hashable], ...]]:
    """For each text (by its key) with links to things `viewer` may see: ((template, card), …),
    in the links' order. One `load` per kind for all the texts together."""
    return {
        key: tuple((kind.template, card) for kind, card in shown)
        for key, shown in _resolve(viewer, texts).items()
    }


def payloads_for(viewer: User, texts: Mapping[int, str]) -> dict[int, list[dict[str, object]]]:
    """`cards_for` as JSON for an API: each card's fields (a dataclass's) with its `kind`."""
    return {
        key: [
            {"kind": kind.key, **dataclasses.asdict(card)}  # type: ignore[call-overload]
            for kind, card in shown
        ]
        for key, shown in _resolve(viewer, texts).items()
    }


def kinds() -> Iterable[LinkCardKind]:
    return KINDS.values()
