"""News's searchable kind ("news"): an article is found by whoever may open it
(`queries.visible_articles`: its audience while it is live; managers always)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.news.models import Article
from cercle.news.queries import visible_articles
from cercle.search.registry import Entry, SearchKind
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of


def _article(article: Article) -> Entry:
    author = article.author
    return Entry(
        title=article.title,
        body=f"{article.summary}\n\n{article.body}",
        url=reverse("news_article", args=[article.pk]),
        date=article.published_at or article.created_at,
        language=language_of(author.language if author else ""),
        author_id=author.pk if author else None,
    )


def register() -> None:
    register_kind(
        SearchKind(
            key="news",
            label=_("News"),
            model=Article,
            entry=_article,
            visible=visible_articles,
            rows=lambda: Article.objects.select_related("author"),
            order=45,
            suggest=True,
            fields=frozenset({"title", "summary", "body", "published_at", "author"}),
        )
    )
