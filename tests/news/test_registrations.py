"""What the news register with the platform: the search kind "news" (the same visibility rule,
following edits), the adoption metric "news reads" (one query), and personal data (export and
erasure of a person's reads, comments and reactions)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from cercle.core.personal_data import ErasureRule
from cercle.news import actions, adoption, personal_data
from cercle.news.actions import ArticleInput
from cercle.news.models import ArticleComment, ArticleReaction, ArticleRead
from cercle.search import queries as search
from tests.factories import make_guest, make_site, make_user
from tests.news.helpers import article, manager

pytestmark = pytest.mark.django_db


def found(user: Any, text: str) -> set[tuple[str, int]]:
    return {(h.kind.key, h.document.object_id) for h in search.search(user, text, limit=50).hits}


def test_the_search_finds_an_article_for_its_audience_only() -> None:
    site = make_site()
    here, elsewhere, guest = make_user(site=site), make_user(), make_guest(site=site)
    for_site = article(title="Le perroquet du site", sites=[site])
    for_all = article(title="Le toucan de tous")
    scheduled = article(
        title="Le perroquet de demain", published_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert ("news", for_site.pk) in found(here, "perroquet")
    assert ("news", scheduled.pk) not in found(here, "perroquet")
    assert ("news", for_site.pk) not in found(elsewhere, "perroquet")
    assert ("news", for_all.pk) in found(elsewhere, "toucan")
    assert found(guest, "toucan") == set()
    assert ("news", scheduled.pk) in found(manager(), "perroquet")
    actions.edit_article(
        actor=manager(),
        article=for_all,
        data=ArticleInput(title="Le flamant de tous", published_at=for_all.published_at),
    )
    assert ("news", for_all.pk) in found(elsewhere, "flamant")
    assert ("news", for_all.pk) not in found(elsewhere, "toucan")


def test_news_reads_in_the_adoption_figures(django_assert_num_queries: Any) -> None:
    first, second = article(), article()
    reader = make_user()
    actions.record_read(reader=reader, article=first)
    actions.record_read(reader=reader, article=second)
    start = timezone.now() - datetime.timedelta(hours=1)
    with django_assert_num_queries(1):
        rows = list(adoption.news_reads(start, timezone.now() + datetime.timedelta(hours=1)))
    assert [(r.user_id, r.space_id, r.count) for r in rows] == [(reader.pk, None, 2)]


class Writer:
    def __init__(self) -> None:
        self.files: dict[str, Any] = {}

    def write_json(self, path: str, value: Any) -> None:
        self.files[path] = value


def test_a_persons_news_data_is_exported_and_erased() -> None:
    found_article = article(title="Pot de départ")
    person, other = make_user(), make_user()
    actions.record_read(reader=person, article=found_article)
    actions.record_read(reader=other, article=found_article)
    actions.add_comment(actor=person, article=found_article, body="Bonne route !")
    actions.react(actor=person, article=found_article, kind="love")
    actions.react(actor=other, article=found_article, kind="love")
    writer = Writer()
    personal_data.export(person, writer)  # type: ignore[arg-type]
    assert writer.files["news/reads.json"][0]["article__title"] == "Pot de départ"
    assert writer.files["news/comments.json"][0]["body"] == "Bonne route !"
    assert writer.files["news/reactions.json"][0]["kind"] == "love"
    personal_data.erase(person, ErasureRule(shared_content="delete"))
    assert not ArticleRead.objects.filter(user=person).exists()
    assert not ArticleReaction.objects.filter(user=person).exists()
    assert not ArticleComment.objects.filter(author=person).exists()
    found_article.refresh_from_db()
    assert found_article.read_count == 1
    assert found_article.reaction_counts == {"love": 1}
    assert found_article.comment_count == 0
