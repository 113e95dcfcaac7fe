"""A page's text: `[[Title]]` links outside code, anchors on headings, nothing unsafe."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from cercle.pages.text import linked_titles, render_page

LINKS = {"conges payes": "/p/conges/", "faq": "/p/faq/"}


def url_for(key: str) -> str | None:
    return LINKS.get(key)


def test_links_by_title_accents_and_case_aside_and_missing_ones_stay_text() -> None:
    html = render_page("Voir [[Congés PAYÉS]], [[FAQ|les questions]] et [[Absente]].", url_for).html
    assert '<a href="/p/conges/"' in html and ">Congés PAYÉS</a>" in html
    assert '<a href="/p/faq/"' in html and ">les questions</a>" in html
    assert "Absente" in html and "[[" not in html


def test_code_keeps_its_brackets_and_names_no_link() -> None:
    body = "`[[FAQ]]` and\n\n```\n[[FAQ]]\n```\n\n~~~\n[[faq]]\n~~~\n[[FAQ]]"
    assert linked_titles(body) == ["faq"]
    html = render_page(body, url_for).html
    assert html.count('href="/p/faq/"') == 1
    assert "<code>[[FAQ]]</code>" in html


def test_headings_get_unique_anchors_and_a_table_of_contents() -> None:
    rendered = render_page("# Accueil\n\n## Congés\n\n## Congés\n\n### <b>Détails</b>", url_for)
    assert [(h.level, h.text, h.anchor) for h in rendered.headings] == [
        (1, "Accueil", "accueil"),
        (2, "Congés", "conges"),
        (2, "Congés", "conges-2"),
        (3, "<b>Détails</b>", "bdetailsb"),
    ]
    assert '<h2 id="conges-2">' in rendered.html
    assert "<b>" not in rendered.html  # raw HTML is text, never markup


XSS = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    "[[<script>alert(1)</script>]]",
    "[[FAQ|<img src=x onerror=alert(1)>]]",
    '# <svg onload="alert(1)">',
    "[[FAQ|x](javascript:alert(1))]]",
]


class Elements(HTMLParser):
    """The elements and attributes of rendered HTML, as a browser's parser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_safe(html: str) -> None:
    for tag, attrs in Elements(html).found:
        assert tag not in {"script", "svg", "iframe", "object", "style"}, html
        assert not any(name.startswith("on") for name in attrs), html
        href = (attrs.get("href") or attrs.get("src") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), html


def test_no_script_or_handler_survives() -> None:
    for body in XSS:
        assert_safe(render_page(body, url_for).html)


@given(st.text(max_size=300))
def test_any_text_renders_without_raw_markup(body: str) -> None:
    rendered = render_page(body, url_for)
    assert_safe(rendered.html)
    for heading in rendered.headings:
        assert f'id="{heading.anchor}"' in rendered.html
