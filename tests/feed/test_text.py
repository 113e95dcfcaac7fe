"""Mentions and hashtags: parsing, linking, and no script ever surviving (property tests)."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from cercle.feed.text import render_post_body


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


def test_links_outside_code_and_links_only() -> None:
    html = render("@anne `@bob #code` [#x](https://example.org) #real")
    assert '<a class="mention" href="/people/anne/">@anne</a>' in html
    assert "<code>@bob #code</code>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow ugc">#x</a>' in html
    assert '<a class="hashtag" href="/hashtags/real/">#real</a>' in html


def test_unknown_people_are_not_linked() -> None:
    assert "mention" not in render("@nobody here")


def test_unicode_mentions_link_as_written_to_the_username() -> None:
    html = render(
        "Merci @Zoé, @jean-marc. et (@anne.dupont) — @O'Brien's idea",
        ("zoé", "jean-marc", "anne.dupont", "obrien"),
    )
    assert '<a class="mention" href="/people/zo%C3%A9/">@Zoé</a>,' in html
    assert '<a class="mention" href="/people/jean-marc/">@jean-marc</a>.' in html
    assert '(<a class="mention" href="/people/anne.dupont/">@anne.dupont</a>)' in html
    assert '<a class="mention" href="/people/obrien/">@O\'Brien</a>\'s' in html


def test_hashtags_link_under_their_normal_form_not_in_urls() -> None:
    html = render("#Équipe #RSE2026 #1 https://x.org/#anchor")
    assert '<a class="hashtag" href="/hashtags/equipe/">#Équipe</a>' in html
    assert '<a class="hashtag" href="/hashtags/rse2026/">#RSE2026</a>' in html
    assert html.count("<a ") == 2


def test_text_around_links_stays_escaped() -> None:
    html = render("@anne <b>x</b> & 'quote' #tag")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; 'quote'" in html
    assert "<b>" not in html


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
