"""Who may read and write pages, the tree of a space's pages, and a page for one viewer.

The rules, once:
- read: the space's pages module is on and the person may read the space (`spaces.queries.
  can_read_wall`: members, and every non-guest for open spaces and the organisation's intranet);
- write anywhere in a space (create, edit, move, delete, restore): in the organisation space (the
  intranet), its admins and the communication team; in another space, its members; never in an
  archived space or for a deactivated person;
- write in an intranet section: the editors the organisation's admins named for it
  (`PageEditor`), for that page and every page below it;
- name section editors: the organisation's admins;
- change a page's owner and review date: whoever writes the page; mark it reviewed: they and its
  owner;
- comment and react: whoever reads the page; edit a comment: its author; delete one: its author,
  and those who moderate the space (`may_moderate`);
- see the report of pages to review (`review_report`): those who write anywhere in the intranet
  (all its pages), section editors (their sections), and the admins of a space (its wiki; the
  organisation's admins: every wiki).
"""

from __future__ import annotations

import datetime
import secrets
import threading
from collections import ChainMap, OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.core.text import normalize
from cercle.pages.models import (
    Page,
    PageAddress,
    PageComment,
    PageEditor,
    PageImage,
    PageLink,
    PageReaction,
    PageRevision,
    PageTreeVersion,
    PageWatch,
)
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Membership, Space, SpaceRole
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


# A tree of more pages than this is drawn folded on the list of pages (the top pages, each opened
# on demand); a smaller one is drawn whole. Beside a page, the tree is always folded around it.
FOLD_ABOVE = 150
TREE_CACHE_SECONDS = 24 * 3600
# Trees kept in this process, by (space, version): built once, not unpickled at each request.
_Shape = tuple[dict[int, Node], dict[int | None, list[Node]], dict[str, str]]
_TREES: OrderedDict[tuple[int, int], _Shape] = OrderedDict()
_TREES_KEPT = 16
_TREES_LOCK = threading.Lock()


def tree_version(space: Space) -> int | None:
    """The version of the space's tree (one query); None: never changed by an action."""
    return (
        PageTreeVersion.objects.filter(space_id=space.pk).values_list("version", flat=True).first()
    )


def tree_changed(space: Space) -> None:
    """For the actions that create, rename, move or delete a page, in their transaction: a new
    version, so that no one is served the tree from before (random: never reused, even by a
    transaction that rolls back)."""
    version = secrets.randbits(62)
    if not PageTreeVersion.objects.filter(space_id=space.pk).update(version=version):
        PageTreeVersion.objects.update_or_create(space_id=space.pk, defaults={"version": version})


@dataclass(frozen=True)
class OutlineRow:
    """A row of the drawn tree: a page, whether pages are under it and whether they are drawn
    (else a button fetches them), and how many lists close after it (`closes`, for the template:
    it draws nested lists from these flat rows)."""

    node: Node
    depth: int
    has_children: bool
    expanded: bool
    closes: range


@dataclass
class PageTree:
    """A space's pages as a tree, from one query of the columns it needs, cached by the tree's
    version (`tree_changed`): the sidebar, ancestors and descendants, titles to links."""

    space: Space
    nodes: dict[int, Node]
    children: dict[int | None, list[Node]] = field(default_factory=dict)
    # Normalised title → slug of the current pages (the last one read for a title).
    title_slugs: dict[str, str] = field(default_factory=dict)
    # The tree's version (`tree_changed`); None: pages written in bulk, the tree read each time.
    version: int | None = None

    @staticmethod
    def _rows(space: Space) -> list[tuple[int, int | None, int, str, str, str]]:
        return list(
            Page.objects.filter(space=space)
            .order_by()
            .values_list("pk", "parent_id", "position", "title", "slug", "title_key")
        )

    @staticmethod
    def _shape(
        rows: list[tuple[int, int | None, int, str, str, str]],
    ) -> _Shape:
        nodes = {row[0]: Node(*row) for row in rows}
        children: dict[int | None, list[Node]] = {}
        for node in nodes.values():
            children.setdefault(node.parent_id, []).append(node)
        for siblings in children.values():
            siblings.sort(key=lambda n: (n.position, n.id))
        return nodes, children, {node.title_key: node.slug for node in nodes.values()}

    @classmethod
    def of(cls, space: Space) -> PageTree:
        """The version first, then the rows: rows read after a version are at least as new as
        it, so a tree is never kept under a version newer than its rows. The nodes and lists are
        shared between requests: read them, never change them."""
        version = tree_version(space)
        if version is None:  # pages written in bulk, never by an action: read them each time
            return cls(space, *cls._shape(cls._rows(space)))
        key = (space.pk, version)
        with _TREES_LOCK:
            shape = _TREES.get(key)
            if shape is not None:
                _TREES.move_to_end(key)
        if shape is None:
            cache_key = f"pages:tree:{space.pk}:{version}"
            rows = cache.get(cache_key)
            if rows is None:
                rows = cls._rows(space)
                cache.set(cache_key, rows, TREE_CACHE_SECONDS)
            shape = cls._shape(rows)
            with _TREES_LOCK:
                _TREES[key] = shape
                while len(_TREES) > _TREES_KEPT:
                    _TREES.popitem(last=False)
        return cls(space, *shape, version=version)

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

    def folded(self, page_id: int) -> Iterator[tuple[Node, int]]:
        """The tree as a page's side navigation shows it: the top pages, and the pages under the
        page and each of its ancestors (their siblings), in reading order — not the whole tree,
        which a large intranet would make every page draw."""
        opened = {node.id for node in self.ancestors(page_id)} | {page_id}

        def walk(parent_id: int | None, depth: int) -> Iterator[tuple[Node, int]]:
            for node in self.children.get(parent_id, []):
                yield node, depth
                if node.id in opened:
                    yield from walk(node.id, depth + 1)

        return walk(None, 0)

    def outline(self, opened: set[int] | None, *, under: int | None = None) -> list[OutlineRow]:
        """The rows of the tree drawn from `under` (None: the top): the pages under each page of
        `opened` are drawn, the others are left for a button to fetch; `opened` None draws all."""
        # (node, depth, expanded) in reading order, then each row's closing count.
        order: list[tuple[Node, int, bool]] = []
        stack: list[tuple[Node, int]] = [(n, 0) for n in reversed(self.children.get(under, []))]
        while stack:
            node, depth = stack.pop()
            expanded = node.id in self.children and (opened is None or node.id in opened)
            order.append((node, depth, expanded))
            if expanded:
                stack += [(n, depth + 1) for n in reversed(self.children[node.id])]
        # A row closes the lists of the expanded pages whose last descendant it is: one per
        # level the next row goes up.
        rows: list[OutlineRow] = []
        for at, (node, depth, expanded) in enumerate(order):
            next_depth = order[at + 1][1] if at + 1 < len(order) else 0
            rows.append(
                OutlineRow(
                    node=node,
                    depth=depth,
                    has_children=node.id in self.children,
                    expanded=expanded,
                    closes=range(max(0, depth - next_depth)),
                )
            )
        return rows

    def drawn(self, page_id: int | None = None) -> list[OutlineRow]:
        """The tree as the list of pages (`page_id` None) or a page's side navigation draws it:
        beside a page, folded around it (the top pages, and the pages under the page and its
        ancestors); on the list, whole when small (`FOLD_ABOVE`), else the top pages."""
        if page_id is not None:
            return self.outline({node.id for node in self.ancestors(page_id)} | {page_id})
        return self.outline(None if len(self.nodes) <= FOLD_ABOVE else set())

    def slug_for_title(self, title_key: str) -> str | None:
        return self.title_slugs.get(title_key)


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


def access_page(user: User, space: Space, slug: str, roles: dict[int, str] | None = None) -> Found:
    """The page at `slug` (or at an address it had), if `user` may read the space's pages
    (`roles`: theirs, as `space_queries.my_roles` gives them; else their role here is read)."""
    if not may_read(user, space, roles) or "\x00" in slug or len(slug) > 220:
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


def readable_spaces(user: User) -> QuerySet[Space]:
    """`may_read` as a filter of spaces: those with pages on whose wall `user` may read."""
    if not user.is_authenticated or not user.is_active:
        return Space.objects.none()
    spaces = Space.objects.filter(space_queries.spaces_with_module(MODULE))
    if not user.is_admin:
        spaces = spaces.filter(pk__in=space_queries.readable_space_ids(user))
    return spaces


BACKLINKS = 100


def backlinks(page: Page) -> QuerySet[Page]:
    """The pages whose current text links to this one (from the table the saves keep, never a
    scan of the texts): those of its space by its title or an old one (`[[Title]]`), and those
    of any space by its number (`/pages/<number>/`), by title, each with what `may_read` reads of
    its space. One query."""
    old_titles = PageAddress.objects.filter(page=page).values("title_key")
    by_title = PageLink.objects.filter(
        Q(title_key=page.title_key) | Q(title_key__in=old_titles), target__isnull=True
    ).values("source_id")
    by_number = PageLink.objects.filter(target=page).values("source_id")
    return (
        Page.objects.filter(Q(space_id=page.space_id, pk__in=by_title) | Q(pk__in=by_number))
        .exclude(pk=page.pk)
        .select_related("space")
        .only(
            "pk",
            "title",
            "slug",
            "space_id",
            "space__slug",
            "space__name",
            "space__kind",
            "space__is_organisation",
            "space__module_settings",
        )
        .order_by("title", "pk")
    )


def readable_backlinks(page: Page, reader: User, limit: int = BACKLINKS) -> list[Page]:
    """`backlinks` that `reader` may read, at most `limit` (the page itself is readable to them,
    so its space's are). The rule is `may_read` on each linking page's space, read with it, and
    the reader's roles from the cache: building "every space they may read" as a subquery cost
    about 7 % of a page view (issue 12's profile). Candidates are read `limit` at a time: one
    query, unless more than `limit` link here and some are hidden from this reader."""
    roles = space_queries.my_roles(reader)
    found: list[Page] = []
    candidates = backlinks(page)
    start = 0
    while len(found) < limit:
        chunk = list(candidates[start : start + limit])
        found += [
            linking
            for linking in chunk
            if linking.space_id == page.space_id or may_read(reader, linking.space, roles)
        ]
        if len(chunk) < limit:
            break
        start += limit
    return found[:limit]


HISTORY_PAGE = 50


def revisions(page: Page) -> QuerySet[PageRevision]:
    """The page's revisions, newest first, with their authors, without their texts (a list)."""
    return page.revisions.select_related("author").defer("body").order_by("-number")


def revisions_before(
    page: Page, before: int | None, *, size: int = HISTORY_PAGE
) -> tuple[list[PageRevision], int | None]:
    """A page of the history: `size` revisions numbered below `before` (None: the newest),
    and the number to ask the next page before (None: no more). One query, whatever the
    number of revisions."""
    found = revisions(page)
    if before is not None:
        found = found.filter(number__lt=before)
    rows = list(found[: size + 1])
    return rows[:size], (rows[size - 1].number if len(rows) > size else None)


def revision(page: Page, number: int) -> PageRevision:
    found = page.revisions.select_related("author").filter(number=number).first()
    if found is None:
        raise NotFound(_("No such version of this page."))
    return found


def resolve_titles(space: Space, tree: PageTree) -> dict[str, str]:
    """Normalised title → slug, current titles first, then titles pages had before a rename."""
    found = dict(tree.title_slugs)
    for key, slug in PageAddress.objects.filter(space=space).values_list("title_key", "page__slug"):
        found.setdefault(key, slug)
    return found


def link_targets(page: Page, tree: PageTree) -> Mapping[str, str]:
    """Normalised title → slug for the links of `page`'s text (`PageLink`): the current titles
    (the cached tree's), then titles pages had before a rename — only those the page links to
    (one query, whatever the number of old addresses in the space)."""
    linked = PageLink.objects.filter(source=page).values("title_key")
    old = PageAddress.objects.filter(space_id=page.space_id, title_key__in=linked)
    return ChainMap(tree.title_slugs, dict(old.values_list("title_key", "page__slug")))


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


def visible_pages(user: User) -> QuerySet[Page]:
    """`may_read` as a filter: the pages of spaces with pages on whose wall `user` may read."""
    return Page.objects.filter(space_id__in=readable_spaces(user).values("pk"))


def readers_among(space: Space, people: list[User]) -> list[User]:
    """Those of `people` who may read the space's pages (one query for all: their roles)."""
    roles = dict(
        Membership.objects.filter(space=space, user__in=people).values_list("user_id", "role")
    )
    return [
        person
        for person in people
        if may_read(person, space, {space.pk: roles[person.pk]} if person.pk in roles else {})
    ]


def may_review(
    user: User,
    page: Page,
    tree: PageTree | None = None,
    *,
    sections: set[int] | None = None,
    anywhere: bool | None = None,
) -> bool:
    """Mark the page reviewed: whoever writes it, and its owner while they may read it
    (`sections` and `anywhere` as `may_write` takes them, when the caller has them)."""
    space = page.space
    if page.owner_id == user.pk and user.is_active and may_read(user, space):
        return True
    return may_write(
        user, space, page.pk, tree or PageTree.of(space), sections=sections, anywhere=anywhere
    )


def is_watching(user: User, page: Page) -> bool:
    return PageWatch.objects.filter(page=page, user_id=user.pk).exists()


def comments(page: Page) -> QuerySet[PageComment]:
    """The page's comments, oldest first, with their authors (one query)."""
    return PageComment.objects.filter(page=page).select_related("author").order_by("pk")


def may_moderate(
    user: User,
    page: Page,
    tree: PageTree | None = None,
    roles: dict[int, str] | None = None,
    *,
    sections: set[int] | None = None,
) -> bool:
    """Delete anyone's comment on the page: those who moderate the space's posts (the
    organisation's admins, a space's moderators, admins and owners; the communication team in
    the intranet) and the editors of the intranet section the page is in (`sections`: the
    caller's `section_ids`, when it has them)."""
    space = page.space
    if not user.is_active:
        return False
    if space_queries.can_moderate(user, space, roles):
        return True
    if not space.is_organisation:
        return False
    sections = section_ids(user, space) if sections is None else sections
    return bool(sections) and may_write(
        user, space, page.pk, tree or PageTree.of(space), sections=sections, anywhere=False
    )


COMMENTS_PAGE = 50


def comments_after(
    page: Page, after: int | None, *, size: int = COMMENTS_PAGE
) -> tuple[list[PageComment], int | None]:
    """A page of the comments, oldest first: `size` comments after comment `after` (None: the
    first), and the comment to ask the next page after (None: no more). One query."""
    found = comments(page)
    if after is not None:
        found = found.filter(pk__gt=after)
    rows = list(found[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def access_comment(user: User, comment_id: int) -> PageComment:
    """A comment on a page `user` may read; one not-found error for missing and not allowed."""
    found = PageComment.objects.filter(pk=comment_id)
    comment = found.select_related("page__space", "page__owner").first()
    if (
        comment is None
        or not space_queries.can_see_space(user, comment.page.space)
        or not may_read(user, comment.page.space)
    ):
        raise NotFound(_("No such comment."))
    return comment


def section_editors(page: Page) -> QuerySet[User]:
    """The people named editors of the section this page heads (not of sections above it)."""
    return User.objects.filter(page_sections__page=page).order_by("last_name", "first_name", "pk")


def access_image(user: User, image_id: int) -> PageImage:
    """An image of a space's pages `user` may read; one not-found error otherwise."""
    image = PageImage.objects.filter(pk=image_id).select_related("space").first()
    if (
        image is None
        or not space_queries.can_see_space(user, image.space)
        or not may_read(user, image.space)
    ):
        raise NotFound(_("No such image."))
    return image


def my_reaction(user: User, page: Page) -> str | None:
    mine = PageReaction.objects.filter(page=page, user_id=user.pk)
    return mine.values_list("kind", flat=True).first()


def watchers(page: Page) -> QuerySet[User]:
    return User.objects.filter(page_watches__page=page, is_active=True)


# --- The report of pages to review ---------------------------------------------------------------

# The report's columns one may sort by: key → the fields, most overdue / A to Z first.
REPORT_SORTS: dict[str, tuple[str, ...]] = {
    "overdue": ("review_by", "pk"),
    "title": ("title_key", "pk"),
    "space": ("space__name", "title_key", "pk"),
    "owner": ("owner__last_name", "owner__first_name", "owner__username", "pk"),
    "edited": ("updated_at", "pk"),
}
REPORT_LIMIT = 500


def review_scope(user: User) -> Q | None:
    """The pages whose review `user` oversees, as a filter (None: none at all): every wiki for
    the organisation's admins; the intranet for those who write anywhere in it, else the
    sections they edit; the wikis of the spaces they are an admin or owner of."""
    if not user.is_authenticated or not user.is_active or user.is_guest:
        return None
    spaces = Space.objects.filter(
        space_queries.spaces_with_module(MODULE), archived_at__isnull=True
    )
    if user.is_admin:
        return Q(space_id__in=spaces.values("pk"))
    administered = list(
        spaces.filter(
            is_organisation=False,
            memberships__user=user,
            memberships__role__in=[SpaceRole.ADMIN, SpaceRole.OWNER],
        ).values_list("pk", flat=True)
    )
    scope = Q(space_id__in=administered) if administered else None
    organisation = spaces.filter(is_organisation=True).first()
    part: Q | None = None
    if organisation is not None:
        if may_write_anywhere(user, organisation):
            part = Q(space_id=organisation.pk)
        else:
            sections = section_ids(user, organisation)
            if sections:
                tree = PageTree.of(organisation)
                ids = set(sections)
                for section in sections:
                    ids |= tree.descendant_ids(section)
                part = Q(pk__in=sorted(ids))
    if part is not None:
        scope = part if scope is None else scope | part
    return scope


@dataclass(frozen=True)
class ReviewRow:
    page: Page
    days_overdue: int  # 0 when the date has not passed (or there is none)
    owner_left: bool  # no owner any more, or a deactivated one


def _sorted(pages: QuerySet[Page], sort: str) -> tuple[QuerySet[Page], str]:
    key = sort.lstrip("-")
    if key not in REPORT_SORTS:
        sort, key = "overdue", "overdue"
    fields = REPORT_SORTS[key]
    if sort.startswith("-"):
        return pages.order_by(*(F(f).desc(nulls_last=True) for f in fields)), sort
    return pages.order_by(*(F(f).asc(nulls_last=True) for f in fields)), sort


@dataclass(frozen=True)
class ReviewReport:
    overdue: list[ReviewRow]
    owner_left: list[ReviewRow]
    sort: str


def review_report(
    user: User, *, sort: str = "overdue", today: datetime.date | None = None
) -> ReviewReport:
    """Pages past their "review by" date, and pages whose owner left, in `user`'s scope: a
    fixed number of queries whatever their number (at most `REPORT_LIMIT` rows each)."""
    scope = review_scope(user)
    if scope is None:
        return ReviewReport(overdue=[], owner_left=[], sort="overdue")
    today = today or timezone.localdate()
    base = Page.objects.filter(scope).select_related("space", "owner", "updated_by")
    overdue, sort = _sorted(base.filter(review_by__lt=today), sort[:20])
    left, _sort = _sorted(base.filter(Q(owner__isnull=True) | Q(owner__is_active=False)), sort)

    def row(page: Page) -> ReviewRow:
        days = (today - page.review_by).days if page.review_by else 0
        owner_left = page.owner is None or not page.owner.is_active
        return ReviewRow(page=page, days_overdue=max(days, 0), owner_left=owner_left)

    return ReviewReport(
        overdue=[row(page) for page in overdue[:REPORT_LIMIT]],
        owner_left=[row(page) for page in left[:REPORT_LIMIT]],
        sort=sort,
    )


# --- Link suggestions in the editor --------------------------------------------------------------

SUGGESTIONS = 8
MAX_SUGGEST_QUERY = 100


def suggest_pages(user: User, text: str, *, space: Space | None = None) -> list[Page]:
    """Pages `user` may read whose title contains `text` (accents and case aside): those of
    `space` first, then the intranet's, then titles starting with it, then A to Z."""
    key = normalize(text[:MAX_SUGGEST_QUERY])
    if not key:
        return []
    rank = Case(
        When(space_id=space.pk if space else 0, then=Value(0)),
        When(space__is_organisation=True, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    starts = Case(
        When(title_key__startswith=key, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(
        visible_pages(user)
        .filter(title_key__contains=key)
        .select_related("space")
        .annotate(rank=rank, starts=starts)
        .order_by("rank", "starts", "title_key", "pk")[:SUGGESTIONS]
    )
