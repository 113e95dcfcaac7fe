"""Pages' searchable kind: a page is found by whoever may read its space's pages
(`queries.may_read`: the pages module on and the space's wall readable). A result opens at the
page's number (`/pages/<id>/`, which a space's or page's rename does not change), at the heading
of the section holding the first matching word. A page is also found by the text of its comments
(reindexed when one is written, edited or deleted: the `Watch` on `PageComment`), and then opens
at its comments."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.pages import queries
from cercle.pages.models import Page, PageComment
from cercle.pages.text import render_page
from cercle.search.registry import Entry, SearchKind, Watch
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of

# Between a page's text and its comments' in the indexed body: a match after it opens at the
# comments (a paragraph separator, which no editor types).
_COMMENTS = "\n\n\u2029\n\n"


def _body(page: Page) -> str:
    """The page's text, then its comments' (oldest first; `rows` prefetches them)."""
    comments = sorted(page.comments.all(), key=lambda c: c.pk)
    if not comments:
        return page.body
    return page.body + _COMMENTS + "\n\n".join(comment.body for comment in comments)


def _commented(comment: PageComment) -> list[int]:
    return [comment.page_id]


def _page(page: Page) -> Entry:
    author = page.updated_by or page.owner
    return Entry(
        title=page.title,
        body=_body(page),
        url=reverse("page_permalink", args=[page.pk]),
        date=page.updated_at,
        language=language_of(author.language if author else ""),
        space_id=page.space_id,
        author_id=author.pk if author else None,
    )


# A Markdown heading line ("## Title"); code fences are skipped by `_place`.
_HEADING_LINE = re.compile(r"^ {0,3}(#{1,6})[ \t]+\S", re.MULTILINE)
_FENCE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)


def _place(body: str, position: int) -> str:
    """The anchor of the heading above `position` in a page's Markdown (as `render_page` names
    it), or "" (before the first heading, or headings the renderer would count otherwise);
    "comments" for a match in its comments."""
    cut = body.find(_COMMENTS)
    if cut >= 0:
        if position >= cut:
            return "comments"
        body = body[:cut]
    fenced: list[tuple[int, int]] = []
    fences = [m.start() for m in _FENCE.finditer(body)]
    for start, end in zip(fences[::2], fences[1::2], strict=False):
        fenced.append((start, end))
    starts = [
        m.start()
        for m in _HEADING_LINE.finditer(body)
        if not any(a <= m.start() <= b for a, b in fenced)
    ]
    before = sum(1 for start in starts if start <= position)
    if not before:
        return ""
    headings = render_page(body, lambda _title: None).headings
    if len(headings) != len(starts):  # setext headings, HTML ones…: no guess
        return ""
    return headings[before - 1].anchor


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
            rows=lambda: Page.objects.select_related(
                "space", "owner", "updated_by"
            ).prefetch_related("comments"),
            order=50,
            suggest=True,
            place=_place,
            watch=(Watch(model=PageComment, object_ids=_commented, fields=frozenset({"body"})),),
        )
    )
