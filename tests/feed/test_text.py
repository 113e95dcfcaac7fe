"""Mentions and hashtags: parsing, linking, and no script ever surviving (property tests)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from cercle.feed.text import find_hashtags, find_mentions, normalize_hashtag, render_post_body


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def render(text: str, people: tuple[str, ...] = ("anne", "bob")) -> str:
    return render_post_body(
        text, mentionable=people, hashtag_base="/hashtags/", people_base="/people/"
    )


def test_find_mentions_and_hashtags() -> None:
    text = "Hi @anne and @bob. Mail anne@example.org, see #RSE #rse #Qualité #1 &#39; x#no"
    assert find_mentions(text) == ["anne", "bob"]
    assert find_hashtags(text) == ["RSE", "Qualité"]
    assert normalize_hashtag("Qualité") == "qualite"


def test_links_outside_code_and_links_only() -> None:
    html = render("@anne `@bob #code` [#x](https://example.org) #real")
    assert '<a class="mention" href="/people/anne/">@anne</a>' in html
    assert "<code>@bob #code</code>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow ugc">#x</a>' in html
    assert '<a class="hashtag" href="/hashtags/real/">#real</a>' in html


def test_unknown_people_are_not_linked() -> None:
    assert "mention" not in render("@nobody here")


def test_headings_are_not_hashtags() -> None:
    assert find_hashtags("# Title\n## Sub") == []


DANGEROUS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "<a href='javascript:alert(1)'>x</a>",
        '"><svg onload=alert(1)>',
        "#<script>",
        "@<script>",
        "#a\"onmouseover='alert(1)'",
        '@anne"><script>',
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(DANGEROUS, st.text(max_size=40)), max_size=8))
def test_no_script_survives(parts: list[str]) -> None:
    html = render(" ".join(parts))
    tags = Tags()
    tags.feed(html)
    allowed = {"p", "a", "code", "pre", "strong", "em", "br", "img", "h1", "h2", "h3", "h4"}
    allowed |= {"h5", "h6", "ul", "ol", "li", "blockquote", "hr", "del", "s", "table"}
    allowed |= {"thead", "tbody", "tr", "th", "td"}
    for tag, attrs in tags.seen:
        assert tag in allowed, tag
        for name, value in attrs:
            assert not name.startswith("on"), name
            if name in ("href", "src"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_found_hashtags_are_words(text: str) -> None:
    for tag in find_hashtags(text):
        assert re.fullmatch(r"[\w-]+", tag)
        assert any(ch.isalpha() for ch in tag)
