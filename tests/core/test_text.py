from hypothesis import given
from hypothesis import strategies as st

from cercle.core.text import normalize, search_terms


def test_accents_and_case_are_removed() -> None:
    assert normalize("Hélène") == "helene"
    assert normalize("Comptabilité") == "comptabilite"
    assert normalize("  ŒUVRE   d\u2019Æsop ") == "oeuvre d aesop"


def test_search_terms_are_distinct_words() -> None:
    assert search_terms("Hélène helene  DUPONT") == ["helene", "dupont"]


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text())
def test_normalize_output_has_no_uppercase_or_combining_marks(text: str) -> None:
    import unicodedata

    result = normalize(text)
    assert not any(unicodedata.combining(ch) for ch in result)
    assert result == result.strip()
    assert "  " not in result


@given(st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=1))
def test_accented_word_matches_its_plain_form(word: str) -> None:
    import unicodedata

    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)
    )
    assert normalize(plain) == normalize(word)
