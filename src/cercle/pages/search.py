"""Pages' searchable kind: a page is found by whoever may read its space's pages
(`queries.may_read`: the pages module on and the space's wall readable)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.pages import queries
from cercle.pages.models import Page
from cercle.search.registry import Entry, SearchKind
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of


def _page(page: Page) -> Entry:
    author = page.updated_by or page.owner
    return Entry(
        title=page.title,
        body=page.body,
        url=reverse("page_detail", args=[page.space.slug, page.slug]),
        date=page.updated_at,
        language=language_of(author.language if author else ""),
        space_id=page.space_id,
        author_id=author.pk if author else None,
    )


def visible_pages(user: User) -> QuerySet[Page]:
    return queries.visible_pages(user)


def register() -> None:
    register_kind(
        SearchKind(
            key="page",
            label=_("Pages"),
            model=Page,
            entry=_page,
            visible=visible_pages,
            rows=lambda: Page.objects.select_related("space", "owner", "updated_by"),
            order=50,
            suggest=True,
        )
    )
