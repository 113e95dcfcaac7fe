import re

import pytest
from django.contrib.auth.validators import UnicodeUsernameValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from cercle.core.text import (
    Mention,
    hashtags_in,
    link_html,
    mentioned_usernames,
    mentions_in,
    normalize,
    normalize_hashtag,
    resolve,
    scan_hashtags,
    scan_mentions,
    search_terms,
)


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


# --- @mentions and #hashtags -------------------------------------------------------------------


def names(text: str) -> list[str]:
    return [m.name for m in scan_mentions(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Zoé", ["Zoé"]),
        ("Merci @Zoé, à demain", ["Zoé"]),
        ("@jean-marc.", ["jean-marc"]),
        ("@o'brien", ["o'brien"]),
        ("@o’brien", ["o’brien"]),
        ("@anne.dupont est là", ["anne.dupont"]),
        ("@user_1!", ["user_1"]),
        ("(@anne)", ["anne"]),
        ("[@anne]", ["anne"]),
        ("«@anne»", ["anne"]),
        ("@anne's idea", ["anne"]),
        ("@anne’s idea", ["anne"]),
        ("@anne: yes; @bob?", ["anne", "bob"]),
        ("@李小龍 et @Ørsted", ["李小龍", "Ørsted"]),
        ("@x+tag@corp", ["x+tag@corp"]),
        ("anne@example.com", []),
        ("mail anne.b@example.com.", []),
        ("https://social.example/@anne", []),
        ("voir https://x.example/?who=@anne ici", []),
        ("www.example.org/@anne", []),
        ("@ alone, @@double, @-dash, @.dot", []),
    ],
)
def test_mentions_found_as_a_reader_would(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_readings_longest_first_and_usernames_without_apostrophes() -> None:
    (mention,) = scan_mentions("Merci @Bruno.L.")
    assert mention.forms == ("Bruno.L.", "Bruno.L")
    assert mention.usernames() == ("Bruno.L.", "Bruno.L")
    assert scan_mentions("@o'brien's")[0].usernames() == ("obrien",)
    assert scan_mentions("@anne's.")[0].forms == ("anne",)


def test_resolve_prefers_the_longest_reading_then_the_exact_case() -> None:
    (mention,) = scan_mentions("@Bruno.L.")
    assert resolve(mention, {"bruno.l", "bruno"}) == ("Bruno.L", "bruno.l")
    assert resolve(mention, {"bruno.l.", "bruno.l"}) == ("Bruno.L.", "bruno.l.")
    assert resolve(scan_mentions("@Zoé")[0], {"zoé", "Zoé"}) == ("Zoé", "Zoé")
    assert resolve(scan_mentions("@ZOÉ")[0], {"zoé"}) == ("ZOÉ", "zoé")
    assert resolve(scan_mentions("@O'Brien")[0], {"obrien"}) == ("O'Brien", "obrien")
    assert resolve(scan_mentions("@jean-pierre")[0], {"jean"}) is None
    # A username may hold "@": "@anne@example.com" is that whole name (someone elsewhere), not anne.
    assert resolve(scan_mentions("@anne@example.com")[0], {"anne"}) is None


def test_every_valid_username_can_be_mentioned() -> None:
    # Letters of any script, digits, and @ . + - _ (Django's UnicodeUsernameValidator), even
    # ending with punctuation.
    for username in ["zoé", "jean-marc", "anne.dupont", "user_1", "a+b", "x@corp", "_x", "dot."]:
        UnicodeUsernameValidator()(username)
        text = f"Bonjour @{username}, ça va ?"
        (mention,) = scan_mentions(text)
        assert resolve(mention, {username}) is not None, username


def test_decomposed_accents_are_part_of_the_name() -> None:
    # "Zoé" and "#équipe" typed as "e" + a combining accent (U+0301), as some keyboards send them.
    (mention,) = scan_mentions("Merci @Zoe\u0301, oui")
    assert mention.raw == "Zoe\u0301"
    assert mention.usernames() == ("Zoé",)
    assert resolve(mention, {"Zoé"}) == ("Zoe\u0301", "Zoé")
    (tag,) = scan_hashtags("#e\u0301quipe")
    assert tag.normalized == "equipe"


def test_markdown_code_links_and_urls_hold_no_mention() -> None:
    text = (
        "@anne `@code` [@linked](https://x.org) https://x.org/?u=@url\n\n    @indented\n\n&#64;bob"
    )
    assert [m.name for m in mentions_in(text)] == ["anne", "bob"]
    assert mentioned_usernames("@Anne. et @o'brien") == ["Anne.", "Anne", "obrien"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#équipe #RSE2026", ["équipe", "RSE2026"]),
        ("#1 #2026", []),
        ("#2026rse", ["2026rse"]),
        ("C# page#part &#39; ##x @x#y", []),
        ("https://x.org/#anchor https://x.org/page#anchor", []),
        ("(#tag), #tag-. #_x", ["tag", "tag"]),
    ],
)
def test_hashtags_found_as_a_reader_would(text: str, expected: list[str]) -> None:
    assert [t.name for t in scan_hashtags(text)] == expected


def test_markdown_hashtags_outside_code_and_headings_distinct() -> None:
    assert hashtags_in("# Title\n\n#RSE #rse #Qualité `#code`\n\n    #indented") == [
        "RSE",
        "Qualité",
    ]
    assert normalize_hashtag("Qualité") == "qualite"


def test_link_html_links_prose_only_and_keeps_the_rest_as_it_was() -> None:
    html = '<p>@anne &amp; #rse <code>@anne #rse</code> <a href="/x">@anne</a> &lt;b&gt;</p>'

    def mention_url(mention: Mention) -> tuple[str, str] | None:
        found = resolve(mention, {"anne"})
        return (found[0], f"/people/{found[1]}/") if found else None

    linked = link_html(html, mention_url=mention_url, hashtag_url=lambda t: f"/h/{t.normalized}/")
    assert linked == (
        '<p><a class="mention" href="/people/anne/">@anne</a> &amp; '
        '<a class="hashtag" href="/h/rse/">#rse</a> <code>@anne #rse</code> '
        '<a href="/x">@anne</a> &lt;b&gt;</p>'
    )
    assert link_html(html) == html


_BOUNDARY = re.compile(r"\w")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_found_mentions_are_substrings_after_a_boundary(text: str) -> None:
    for mention in scan_mentions(text):
        assert text[mention.start] == "@"
        assert text[mention.start + 1 : mention.end] == mention.raw
        assert mention.start == 0 or not _BOUNDARY.match(text[mention.start - 1])
        for form in mention.forms:
            assert mention.raw.startswith(form) and form
            assert _BOUNDARY.match(form[0])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["@", "#", "@anne", "#tag", "`", "[", "](", ")", "'s", ".", " ", "://"]
            ),
            st.text(max_size=10),
        ),
        max_size=12,
    ).map("".join)
)
def test_parsers_never_raise_and_hashtags_are_words(text: str) -> None:
    mentions_in(text)
    mentioned_usernames(text)
    for tag in hashtags_in(text) + [t.name for t in scan_hashtags(text)]:
        assert re.fullmatch(
            r"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f-]+", tag
        )
        assert any(ch.isalpha() for ch in tag)
    for tag in scan_hashtags(text):
        assert text[tag.start : tag.end] == "#" + tag.name
        assert tag.start == 0 or not _BOUNDARY.match(text[tag.start - 1])


def _normalize_reference(text: str) -> str:
    """`normalize` as it was before its ASCII shortcut and its cache (issue 15)."""
    import unicodedata

    from cercle.core import text as core_text

    decomposed = unicodedata.normalize("NFKD", text.translate(core_text._SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    separators = re.compile(r"[\s\-_'.,;:/()\[\]{}\"«»!?]+")
    return " ".join(separators.split(stripped.casefold().translate(core_text._SPECIAL))).strip()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Plain ASCII, with: punctuation (and) [brackets]!",
        "  Hélène   Dupré-Lefèvre ",
        "Œuvre cœur Æsir Straße Łódź ıi “quoted” l’équipe",
        "ﬁnance ＦＵＬＬ ① ²",  # compatibility forms: NFKD's, not only accents
        "Ελληνικά Русский 日本語",
        "x" * 500 + " Été",  # past the cached length
    ],
)
def test_normalize_gives_what_it_gave_before_its_shortcuts(text: str) -> None:
    assert normalize(text) == _normalize_reference(text)
    assert normalize(text) == _normalize_reference(text)  # the cached answer too


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_normalize_gives_what_it_gave_before_for_any_text(text: str) -> None:
    assert normalize(text) == _normalize_reference(text)
