"""Text normalisation for accent- and case-insensitive search ("helene" finds "Hélène")."""

from __future__ import annotations

import re
import unicodedata

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


def normalize(text: str) -> str:
    """Lower-case, accent-free, single-spaced: the form every search index and query uses."""
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
