"""Words and stems: the one place both engines and the highlighter cut text into words.

Words are the runs of letters and digits of the normalised text (`cercle.core.text.normalize`:
lower case, no accents), as FTS5's unicode61 and PostgreSQL's parser cut them. Stems come from
Snowball (the `snowballstemmer` package), French or English.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import snowballstemmer

from cercle.core.text import normalize

WORD = re.compile(r"[^\W_]+")
LANGUAGES = {"fr": "french", "en": "english"}
MAX_WORD = 60


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(LANGUAGES.get(language, "french"))


def words(text: str) -> list[str]:
    return [word[:MAX_WORD] for word in WORD.findall(normalize(text))]


@lru_cache(maxsize=20_000)
def stem(word: str, language: str) -> str:
    return str(_stemmer(language).stemWord(word))


def stems(text: str, language: str) -> str:
    return " ".join(stem(word, language) for word in words(text))


def query_stems(word: str) -> list[str]:
    """A query word's stems in both languages (a search looks in both)."""
    found: list[str] = []
    for language in LANGUAGES:
        value = stem(word, language)
        if value and value not in found:
            found.append(value)
    return found


def language_of(value: str | None) -> str:
    value = (value or "").lower()
    return "en" if value.startswith("en") else "fr"
