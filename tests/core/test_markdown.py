from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from cercle.core.markdown import render_markdown

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}


class MarkupProblems(HTMLParser):
    """Collects every tag, attribute or URL in rendered HTML that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name}")
            url = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if (
                name in {"href", "src"}
                and not url.startswith(("http:", "https:", "mailto:", "tel:", "/", "#"))
                and ":" in url.split("/")[0]
            ):
                self.problems.append(f"url {value}")


def problems_in(html: str) -> list[str]:
    parser = MarkupProblems()
    parser.feed(html)
    parser.close()
    return parser.problems


def test_markdown_is_rendered() -> None:
    html = render_markdown("**Bonjour** à _tous_\n\n- un\n- deux")
    assert "<strong>Bonjour</strong>" in html
    assert "<em>tous</em>" in html
    assert "<li>un</li>" in html


def test_raw_html_and_script_urls_are_neutralised() -> None:
    html = render_markdown(
        "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    assert "<script" not in html
    assert "&lt;script&gt;" in html  # shown as text, never run
    assert 'href="javascript' not in html
    assert problems_in(html) == []


def test_links_get_safe_rel() -> None:
    html = render_markdown("[site](https://example.org)")
    assert 'href="https://example.org"' in html
    assert "noopener" in html


HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[a](javascript:alert(1))",
        "<iframe src=//evil>",
        '<a href="javascript:x">y</a>',
        "![i](javascript:alert(1))",
        "<svg onload=alert(1)>",
        "<style>*{}</style>",
        "[a](JaVaScRiPt:alert(1))",
        "<scr<script>ipt>alert(1)</script>",
    ]
)


@settings(max_examples=300)
@given(st.lists(st.one_of(HOSTILE, st.text(max_size=40)), max_size=8))
def test_no_script_survives_sanitising(parts: list[str]) -> None:
    assert problems_in(render_markdown("".join(parts))) == []


def test_the_checker_itself_catches_script() -> None:
    found = problems_in('<script>x</script><a href="javascript:x" onclick="y">')
    assert sorted(found) == ["attribute onclick", "tag script", "url javascript:x"]
