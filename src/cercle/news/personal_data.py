"""News in the registry of personal data (`cercle.core.personal_data`): the articles a person
read, their comments and reactions on articles, the comments they reported, the articles they
wrote. An erasure deletes their reads, reactions, reports and letter record; their comments and
articles follow the rule for shared content (kept, anonymised with the account, or deleted)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter
from cercle.news import files
from cercle.news.models import (
    Article,
    ArticleComment,
    ArticleReaction,
    ArticleRead,
    CommentReport,
    LetterSent,
)


def export(person: User, writer: ExportWriter) -> None:
    writer.write_json(
        "news/reads.json",
        list(
            ArticleRead.objects.filter(user=person)
            .order_by("id")
            .values("article_id", "article__title", "read_at")
        ),
    )
    writer.write_json(
        "news/comments.json",
        list(
            ArticleComment.objects.filter(author=person)
            .order_by("id")
            .values("id", "article_id", "body", "created_at")
        ),
    )
    writer.write_json(
        "news/reports.json",
        list(
            CommentReport.objects.filter(reporter=person)
            .order_by("id")
            .values("comment_id", "reason", "details", "status", "created_at")
        ),
    )
    writer.write_json(
        "news/reactions.json",
        list(
            ArticleReaction.objects.filter(user=person)
            .order_by("id")
            .values("article_id", "kind", "created_at")
        ),
    )
    writer.write_json(
        "news/articles.json",
        list(
            Article.objects.filter(author=person)
            .order_by("id")
            .values("id", "title", "summary", "body", "published_at", "ends_at")
        ),
    )


def erase(person: User, rule: ErasureRule) -> None:
    read_ids = list(ArticleRead.objects.filter(user=person).values_list("article_id", flat=True))
    ArticleRead.objects.filter(user=person).delete()
    Article.objects.filter(pk__in=read_ids).update(read_count=F("read_count") - 1)
    reacted = list(ArticleReaction.objects.filter(user=person).values_list("article_id", flat=True))
    ArticleReaction.objects.filter(user=person).delete()
    for article in Article.objects.filter(pk__in=reacted):
        counts = dict(article.reaction_counts)
        # Recounted from what remains (a handful of articles per person).
        counts = {
            kind: ArticleReaction.objects.filter(article=article, kind=kind).count()
            for kind in counts
        }
        Article.objects.filter(pk=article.pk).update(
            reaction_counts={k: n for k, n in counts.items() if n}
        )
    LetterSent.objects.filter(user=person).delete()
    # The reports they made (as the feed's): who reported is theirs alone.
    CommentReport.objects.filter(reporter=person).delete()
    if rule.shared_content == "delete":
        for comment in ArticleComment.objects.filter(author=person):
            Article.objects.filter(pk=comment.article_id).update(
                comment_count=F("comment_count") - 1
            )
        ArticleComment.objects.filter(author=person).delete()
        covers = list(Article.objects.filter(author=person).values_list("cover", flat=True))
        Article.objects.filter(author=person).delete()

        def delete_covers() -> None:
            for cover in covers:
                files.delete_cover(cover)

        transaction.on_commit(delete_covers)


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="news",
            label=gettext_lazy("News"),
            export=export,
            erase=erase,
        )
    )
