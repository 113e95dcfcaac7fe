"""Who may read and write pages, the tree of a space's pages, and a page for one viewer.

The rules, once:
- read: the space's pages module is on and the person may read the space (`spaces.queries.
  can_read_wall`: members, and every non-guest for open spaces and the organisation's intranet);
- write anywhere in a space (create, edit, move, delete, restore): in the organisation space (the
  intranet), its admins and the communication team; in another space, its members; never in an
  archived space or for a deactivated person;
- write in an intranet section: the editors the organisation's admins named for it
  (`PageEditor`), for that page and every page below it;
- name section editors: the organisation's admins.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.core.text import normalize
from cercle.pages.models import Page, PageAddress, PageEditor, PageLink, PageRevision
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space
from cercle.spaces.queries import NotFound, effective_role, has_module

MODULE = "pages"


def may_read(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    return has_module(space, MODULE) and space_queries.can_read_wall(user, space, roles)


def may_write_anywhere(user: User, space: Space, roles: dict[int, str] | None = None) -> bool:
    if not user.is_active or space.is_archived or not has_module(space, MODULE):
        return False
    if space.is_organisation:
        return user.is_admin or user.is_org_staff
    return user.is_admin or effective_role(user, space, roles) is not None


def may_name_editors(user: User, space: Space) -> bool:
    return space.is_organisation and user.is_active and user.is_admin


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    position: int
    title: str
    slug: str
    title_key: str


@dataclass
class PageTree:
    """A space's pages as a tree, from one query: the sidebar, ancestors and descendants,
    titles to links."""

    space: Space
    nodes: dict[int, Node]
    children: dict[int | None, list[Node]] = field(default_factory=dict)

    @classmethod
    def of(cls, space: Space) -> PageTree:
        rows = Page.objects.filter(space=space).values_list(
            "pk", "parent_id", "position", "title", "slug", "title_key"
        )
        nodes = {row[0]: Node(*row) for row in rows}
        tree = cls(space=space, nodes=nodes)
        for node in nodes.values():
            tree.children.setdefault(node.parent_id, []).append(node)
        for siblings in tree.children.values():
            siblings.sort(key=lambda n: (n.position, n.id))
        return tree

    def ancestors(self, page_id: int) -> list[Node]:
        """From the top of the tree down to the page's parent."""
        chain: list[Node] = []
        node = self.nodes.get(page_id)
        while node is not None and node.parent_id is not None and len(chain) < len(self.nodes):
            node = self.nodes.get(node.parent_id)
            if node is not None:
                chain.append(node)
        return list(reversed(chain))

    def descendant_ids(self, page_id: int) -> set[int]:
        found: set[int] = set()
        stack = [page_id]
        while stack:
            for child in self.children.get(stack.pop(), []):
                if child.id not in found:
                    found.add(child.id)
                    stack.append(child.id)
        return found

    def walk(self, parent_id: int | None = None, depth: int = 0) -> Iterator[tuple[Node, int]]:
        """Every page in reading order, with its depth (0 at the top)."""
        for node in self.children.get(parent_id, []):
            yield node, depth
            yield from self.walk(node.id, depth + 1)

    def slug_for_title(self, title_key: str) -> str | None:
        for node in self.nodes.values():
            if node.title_key == title_key:
                return node.slug
        return None


def section_ids(user: User, space: Space) -> set[int]:
    """The intranet sections `user` edits (one query; none outside the organisation space)."""
    if not space.is_organisation or not user.is_active:
        return set()
    return set(
        PageEditor.objects.filter(user=user, page__space=space).values_list("page_id", flat=True)
    )


def may_write(
    user: User,
    space: Space,
    page_id: int | None,
    tree: PageTree,
    *,
    sections: set[int] | None = None,
    anywhere: bool | None = None,
) -> bool:
    """May `user` write this page (or, with `page_id` None, at the top of the tree)?"""
    if anywhere if anywhere is not None else may_write_anywhere(user, space):
        return True
    if page_id is None or space.is_archived or not has_module(space, MODULE):
        return False
    sections = section_ids(user, space) if sections is None else sections
    if not sections:
        return False
    return page_id in sections or any(n.id in sections for n in tree.ancestors(page_id))


def may_write_somewhere(user: User, space: Space) -> bool:
    """Does `user` write anywhere in the space's pages (all of them, or a section)?"""
    return may_write_anywhere(user, space) or bool(
        has_module(space, MODULE) and not space.is_archived and section_ids(user, space)
    )


@dataclass(frozen=True)
class Found:
    page: Page
    # The page was asked for by an address it had before a rename: send the browser on.
    moved: bool


def access_page(user: User, space: Space, slug: str) -> Found:
    """The page at `slug` (or at an address it had), if `user` may read the space's pages."""
    if not may_read(user, space) or "\x00" in slug or len(slug) > 220:
        raise NotFound(_("No such page."))
    page = Page.objects.filter(space=space, slug=slug).select_related("owner").first()
    if page is not None:
        return Found(page=page, moved=False)
    old = PageAddress.objects.filter(space=space, slug=slug).select_related("page").first()
    if old is None:
        raise NotFound(_("No such page."))
    return Found(page=old.page, moved=True)


def access_page_by_id(user: User, page_id: int) -> Page:
    page = Page.objects.filter(pk=page_id).select_related("space", "owner").first()
    if (
        page is None
        or not space_queries.can_see_space(user, page.space)
        or not may_read(user, page.space)
    ):
        raise NotFound(_("No such page."))
    return page


def backlinks(page: Page) -> QuerySet[Page]:
    """The pages of the same space whose text links to this page, by its title or an old one."""
    keys = {page.title_key} | set(
        PageAddress.objects.filter(page=page).values_list("title_key", flat=True)
    )
    sources = PageLink.objects.filter(title_key__in=keys).values("source_id")
    return (
        Page.objects.filter(space_id=page.space_id, pk__in=sources)
        .exclude(pk=page.pk)
        .order_by("title", "pk")
    )


def revisions(page: Page) -> QuerySet[PageRevision]:
    return page.revisions.select_related("author").order_by("-number")


def revision(page: Page, number: int) -> PageRevision:
    found = page.revisions.select_related("author").filter(number=number).first()
    if found is None:
        raise NotFound(_("No such version of this page."))
    return found


def resolve_titles(space: Space, tree: PageTree) -> dict[str, str]:
    """Normalised title → slug, current titles first, then titles pages had before a rename."""
    found = {node.title_key: node.slug for node in tree.nodes.values()}
    for key, slug in PageAddress.objects.filter(space=space).values_list("title_key", "page__slug"):
        found.setdefault(key, slug)
    return found


def title_key(title: str) -> str:
    return normalize(title)


def pages_past_review(user: User, space: Space) -> QuerySet[Page]:
    """Pages whose "review by" date has passed, for those who write there (oldest first)."""
    if not may_write_somewhere(user, space):
        return Page.objects.none()
    return (
        Page.objects.filter(space=space, review_by__lt=timezone.localdate())
        .select_related("owner")
        .order_by("review_by", "pk")
    )
