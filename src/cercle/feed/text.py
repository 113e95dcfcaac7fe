"""The wall's text: its length limit, and a post rendered with its @mentions and #hashtags linked.

Finding mentions and hashtags is `cercle.core.text`'s (one parser for the feed and chat)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from cercle.core.text import Hashtag, Mention, render_linked, resolve

MAX_BODY = 10_000


def render_post_body(
    text: str,
    *,
    mentionable: Iterable[str],
    hashtag_base: str,
    people_base: str,
    spaces: Iterable[str] = (),
    space_base: str = "",
) -> str:
    """Markdown rendered and sanitised, then @known-people, @space-addresses and #tags linked
    outside links and code.

    `mentionable`: the usernames that may be linked (case aside), `spaces` the space addresses.
    The links are built from those names and the text as written, escaped: the result stays as
    safe as `render_markdown`'s."""
    people = set(mentionable)
    known_spaces = set(spaces) - people

    def mention_url(mention: Mention) -> tuple[str, str] | None:
        found = resolve(mention, people)
        if found is not None:
            return found[0], f"{people_base}{quote(found[1])}/"
        found = resolve(mention, known_spaces)
        if found is not None:
            return found[0], f"{space_base}{quote(found[1])}/"
        return None

    def hashtag_url(tag: Hashtag) -> str:
        return f"{hashtag_base}{quote(tag.normalized)}/"

    return render_linked(text, mention_url=mention_url, hashtag_url=hashtag_url)
