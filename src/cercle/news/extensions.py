"""What the news add to the feed's post cards (`cercle.feed.registry`): a post that shares an
article names and links it, for those who may read the article; the others read "not available"
(a share never widens an article's audience). Two queries per page of posts, none for a
page without wall posts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cercle.feed.models import Post
from cercle.feed.queries.visibility import Viewer
from cercle.feed.registry import CardExtra, register_card_extra
from cercle.news import queries
from cercle.news.models import Article, ArticleShare


@dataclass(frozen=True)
class SharedArticle:
    article: Article | None  # None: the viewer may not read it (or it is gone)


def load(viewer: Viewer, posts: Sequence[Post], new: bool) -> Mapping[int, object]:
    # Shares are posts on a person's wall: a page of space posts costs no query.
    on_walls = [p.pk for p in posts if p.space_id is None]
    if not on_walls:
        return {}
    shares = dict(
        ArticleShare.objects.filter(post_id__in=on_walls).values_list("post_id", "article_id")
    )
    if not shares:
        return {}
    readable = {
        a.pk: a
        for a in queries.live_articles(viewer.user)
        .filter(pk__in=set(shares.values()))
        .only("pk", "title")
    }
    return {
        post_id: SharedArticle(readable.get(article_id)) for post_id, article_id in shares.items()
    }


def register() -> None:
    register_card_extra(
        CardExtra(key="news", load=load, templates={"meta": "news/_shared_card.html"}, order=60)
    )
