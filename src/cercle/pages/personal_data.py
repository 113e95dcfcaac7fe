"""Pages in the registry of personal data (`cercle.core.personal_data`): the pages a person
wrote (each of their revisions, as Markdown), the days they read each page, their comments and
reactions on pages, and their erasure (their reads, watches and reactions are deleted; their
comments follow the rule for shared content: kept under the anonymised name, or deleted)."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef
from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter, IndexRow
from cercle.pages import queries
from cercle.pages.models import (
    Page,
    PageComment,
    PageEditor,
    PageReaction,
    PageRead,
    PageRevision,
    PageWatch,
)
from cercle.spaces.models import Space


def export(person: User, writer: ExportWriter) -> None:
    revisions = list(
        PageRevision.objects.filter(author=person)
        .select_related("page__space")
        .order_by("page_id", "created_at", "id")
    )
    section = writer.section("pages", gettext_lazy("Pages I wrote"))
    rows = []
    for revision in revisions:
        path = writer.write_text(
            f"pages/{revision.page.space.name}/{revision.title}-{revision.pk}.md",
            f"# {revision.title}\n\n{revision.body}\n",
        )
        rows.append(
            {
                "page": revision.page_id,
                "space": revision.page.space.name,
                "title": revision.title,
                "summary": revision.summary,
                "created_at": revision.created_at,
                "file": path,
            }
        )
        writer.add_row(
            section,
            IndexRow(
                text=f"{revision.page.space.name} / {revision.title}",
                link=path,
                when=revision.created_at,
            ),
        )
    writer.write_json("pages/pages.json", rows)
    # The days they opened each page (kept for the adoption figures' page reads).
    writer.write_json(
        "pages/reads.json",
        list(
            PageRead.objects.filter(user=person)
            .order_by("day", "page_id")
            .values("page_id", "page__title", "day")
        ),
    )
    writer.write_json(
        "pages/comments.json",
        list(
            PageComment.objects.filter(author=person)
            .order_by("id")
            .values("id", "page_id", "page__title", "body", "created_at", "edited_at")
        ),
    )
    writer.write_json(
        "pages/reactions.json",
        list(
            PageReaction.objects.filter(user=person)
            .order_by("id")
            .values("page_id", "page__title", "kind", "created_at")
        ),
    )


def erase(person: User, rule: ErasureRule) -> None:
    PageEditor.objects.filter(user=person).delete()
    PageRead.objects.filter(user=person).delete()
    PageWatch.objects.filter(user=person).delete()
    reacted = list(PageReaction.objects.filter(user=person).values_list("page_id", flat=True))
    PageReaction.objects.filter(user=person).delete()
    if reacted:
        # The counts kept on the pages, recounted from what remains (one query, and a write per
        # page the person reacted to).
        left: dict[int, dict[str, int]] = {page_id: {} for page_id in reacted}
        rows = (
            PageReaction.objects.filter(page_id__in=reacted)
            .values_list("page_id", "kind")
            .annotate(n=Count("id"))
            .order_by()
        )
        for page_id, kind, n in rows:
            left[page_id][kind] = n
        for page_id, counts in left.items():
            Page.objects.filter(pk=page_id).update(reaction_counts=counts)
    if rule.shared_content == "delete":
        commented = (
            PageComment.objects.filter(author=person)
            .values("page_id")
            .annotate(n=Count("id"))
            .values_list("page_id", "n")
            .order_by()
        )
        for page_id, n in list(commented):
            Page.objects.filter(pk=page_id).update(comment_count=F("comment_count") - n)
        PageComment.objects.filter(author=person).delete()
        # Pages only they wrote, with no page under them, go; pages others also wrote stay
        # (their revisions by the person with them: a page's history is one text).
        others = PageRevision.objects.filter(page=OuterRef("pk")).exclude(author=person)
        children = Page.objects.filter(parent=OuterRef("pk"))
        gone = Page.objects.filter(owner=person).exclude(Exists(others)).exclude(Exists(children))
        spaces = set(gone.values_list("space_id", flat=True))
        gone.delete()
        for space in Space.objects.filter(pk__in=spaces):
            queries.tree_changed(space)  # the cached trees without them


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="pages",
            label=gettext_lazy("Pages"),
            export=export,
            erase=erase,
        )
    )
