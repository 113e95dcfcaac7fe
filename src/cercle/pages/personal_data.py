"""Pages in the registry of personal data (`cercle.core.personal_data`): the pages a person
wrote (each of their revisions, as Markdown), the days they read each page, and their erasure
(their reads are deleted)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter, IndexRow
from cercle.pages import queries
from cercle.pages.models import Page, PageEditor, PageRead, PageRevision, PageWatch
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


def erase(person: User, rule: ErasureRule) -> None:
    PageEditor.objects.filter(user=person).delete()
    PageRead.objects.filter(user=person).delete()
    PageWatch.objects.filter(user=person).delete()
    if rule.shared_content == "delete":
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
