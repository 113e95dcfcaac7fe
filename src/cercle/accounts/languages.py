"""Spoken languages: the names a person may write on their profile, in French and in English.

A profile's languages are free text ("Français, Anglais", "English", "anglais courant"). So that
the directory and the expert finder find a person who speaks English whether one searches
"anglais" or "english", each known language has a key and its names in both languages; a
language the table does not know is kept under its own normalised name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.utils.translation import get_language

from cercle.core.text import normalize


class Language(NamedTuple):
    key: str
    french: str
    english: str


# The languages people most often list in a French organisation (ISO 639-1 codes as keys).
LANGUAGES: tuple[Language, ...] = (
    Language("fr", "Français", "French"),
    Language("en", "Anglais", "English"),
    Language("de", "Allemand", "German"),
    Language("es", "Espagnol", "Spanish"),
    Language("it", "Italien", "Italian"),
    Language("pt", "Portugais", "Portuguese"),
    Language("nl", "Néerlandais", "Dutch"),
    Language("ar", "Arabe", "Arabic"),
    Language("zh", "Chinois", "Chinese"),
    Language("ja", "Japonais", "Japanese"),
    Language("ko", "Coréen", "Korean"),
    Language("ru", "Russe", "Russian"),
    Language("pl", "Polonais", "Polish"),
    Language("ro", "Roumain", "Romanian"),
    Language("tr", "Turc", "Turkish"),
    Language("el", "Grec", "Greek"),
    Language("sv", "Suédois", "Swedish"),
    Language("da", "Danois", "Danish"),
    Language("no", "Norvégien", "Norwegian"),
    Language("fi", "Finnois", "Finnish"),
    Language("cs", "Tchèque", "Czech"),
    Language("hu", "Hongrois", "Hungarian"),
    Language("uk", "Ukrainien", "Ukrainian"),
    Language("he", "Hébreu", "Hebrew"),
    Language("hi", "Hindi", "Hindi"),
    Language("vi", "Vietnamien", "Vietnamese"),
    Language("br", "Breton", "Breton"),
    Language("ca", "Catalan", "Catalan"),
    Language("eu", "Basque", "Basque"),
    Language("oc", "Occitan", "Occitan"),
    Language("co", "Corse", "Corsican"),
    Language("lb", "Luxembourgeois", "Luxembourgish"),
    Language("sw", "Swahili", "Swahili"),
    Language("wo", "Wolof", "Wolof"),
    Language("lsf", "Langue des signes française", "French Sign Language"),
)
BY_KEY = {language.key: language for language in LANGUAGES}
# Every normalised name (French and English) to its language's key.
_BY_NAME = {
    normalize(name): language.key
    for language in LANGUAGES
    for name in (language.french, language.english)
}
MAX_KEY_LENGTH = 40


def language_key(name: str) -> str:
    """The key of a language as written on a profile: a known language's code, found by its
    French or English name, its first word ("anglais courant" → "en"), else the normalised name
    itself ("" for a blank)."""
    key = normalize(name)
    if key in _BY_NAME:
        return _BY_NAME[key]
    first = key.split(" ", 1)[0]
    return _BY_NAME.get(first, key[:MAX_KEY_LENGTH])


def language_keys(names: Iterable[object]) -> list[str]:
    """The distinct keys of a profile's languages, in order."""
    keys: list[str] = []
    for name in names:
        key = language_key(str(name))
        if key and key not in keys:
            keys.append(key)
    return keys


def searchable_names(names: Iterable[object]) -> list[str]:
    """What a directory search matches for a profile's languages: each as written, plus both
    names of a known language ("Anglais" → "Anglais", "Anglais", "English")."""
    result: list[str] = []
    for name in names:
        text = str(name)
        result.append(text)
        known = BY_KEY.get(language_key(text))
        if known is not None:
            result.extend((known.french, known.english))
    return result


def display_name(key: str) -> str:
    """A language's name for a French or English reader: the known language's name in the
    active language, else the key as stored."""
    known = BY_KEY.get(key)
    if known is None:
        return key
    return known.english if (get_language() or "fr").startswith("en") else known.french


class LanguageMatch(NamedTuple):
    key: str
    exact: bool


def matching_languages(words: list[str], whole: str) -> list[LanguageMatch]:
    """Known languages whose French or English name has every word of `words` as the prefix of
    one of its words; `exact` when `whole` (the normalised query) is one of its names."""
    if not words:
        return []
    found: list[LanguageMatch] = []
    for language in LANGUAGES:
        names = [normalize(language.french), normalize(language.english)]
        if whole in names:
            found.append(LanguageMatch(language.key, True))
            continue
        for name in names:
            name_words = name.split(" ")
            if all(any(w.startswith(word) for w in name_words) for word in words):
                found.append(LanguageMatch(language.key, False))
                break
    return found
