"""Cards under a post for its links to Cercle's own things (`cercle.core.link_cards`: a document
shows its name, type, size and preview), for the viewer: a link to something they may not see
stays a plain link. One card extra of the feed (`registry.CardExtra`, slot `body`), loaded once
per page of posts. Registered by `FeedConfig.ready()`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cercle.core import link_cards
from cercle.feed import registry
from cercle.feed.models import Post
from cercle.feed.queries.visibility import Viewer

KEY = "link_cards"


def _load(viewer: Viewer, posts: Sequence[Post], new: bool) -> Mapping[int, object]:
    texts = {
        post.pk: post.body_html for post in posts if post.body_html and "href" in post.body_html
    }
    if not texts:
        return {}
    return link_cards.cards_for(viewer.user, texts)


def register() -> None:
    registry.register_card_extra(
        registry.CardExtra(key=KEY, load=_load, templates={"body": "feed/_link_cards.html"})
    )
