"""Pages: the organisation's intranet (the pages of the organisation space) and each space's wiki.

A page belongs to a space and sits in a tree (`parent`, ordered by `position` among its
siblings). Every save is a numbered `PageRevision`; `Page.revision` is the current one's number,
which an editor sends back to save (`actions.edit_page`): a page changed since is a conflict,
never a silent overwrite. Old addresses keep working (`PageAddress`), and links between pages
(`[[Title]]`, `/pages/<number>/`) are kept as rows (`PageLink`) for "pages that link here".
The text is rendered when shown (`text.render_page`), so a link to a page created later works
at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.core.reactions import ReactionKind
from cercle.spaces.models import Space

MAX_TITLE = 200


class Page(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="pages")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    slug = models.SlugField(max_length=220)
    body = models.TextField(_("text"), blank=True, default="")
    # Accent- and case-free title, to resolve `[[Title]]` links and find pages by title.
    title_key = models.CharField(max_length=MAX_TITLE, db_index=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_by = models.DateField(_("review by"), null=True, blank=True)
    # Reviewing the page (the "Mark as reviewed" button, or a new revision) moves `review_by`
    # this many months past the day of the review; None: the date is set by hand only.
    review_interval = models.PositiveSmallIntegerField(_("review every"), null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # The `review_by` date the owner was last reminded of: one reminder per date.
    reminded_for = models.DateField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    # Kept by the comment and reaction actions, so the page costs a fixed number of queries.
    comment_count = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["space_id", "parent_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["space", "slug"], name="page_slug_unique_in_space"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="page_not_its_own_parent"
            ),
        ]
        indexes = [
            models.Index(fields=["space", "parent", "position"]),
            models.Index(fields=["review_by"], name="page_review_by"),
        ]

    def __str__(self) -> str:
        return self.title


class PageRevision(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=MAX_TITLE)
    body = models.TextField(blank=True, default="")
    summary = models.CharField(_("change summary"), max_length=300, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["page_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="one_revision_number_per_page")
        ]

    def __str__(self) -> str:
        return f"{self.page_id} r{self.number}"


class PageAddress(models.Model):
    """An address and a title a page had before it was renamed: both still lead to the page
    (old bookmarks, and `[[Old title]]` links written before the rename)."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=220)
    title_key = models.CharField(max_length=MAX_TITLE, db_index=True, default="")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="old_addresses")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "slug"], name="old_page_address_unique")
        ]

    def __str__(self) -> str:
        return f"{self.slug} → {self.page_id}"


class PageLink(models.Model):
    """A link of a page's current text, kept when the page is saved (`actions`), for "pages
    that link here": a `[[Title]]` link by the title it names (normalised; a link to a page not
    written yet becomes a backlink the day it is), or a link to a page's stable address
    (`/pages/<number>/`, of any space) by the page (`target`, `title_key` empty)."""

    source = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="links_out")
    title_key = models.CharField(max_length=MAX_TITLE, blank=True, default="")
    target = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.CASCADE, related_name="links_in"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "title_key"],
                condition=~models.Q(title_key=""),
                name="one_link_per_title",
            ),
            models.UniqueConstraint(
                fields=["source", "target"],
                condition=models.Q(target__isnull=False),
                name="one_link_per_target",
            ),
            models.CheckConstraint(
                condition=(models.Q(title_key="") & models.Q(target__isnull=False))
                | (~models.Q(title_key="") & models.Q(target__isnull=True)),
                name="page_link_by_title_or_target",
            ),
        ]
        indexes = [models.Index(fields=["title_key"])]

    def __str__(self) -> str:
        if self.target_id:
            return f"{self.source_id} → /pages/{self.target_id}/"
        return f"{self.source_id} → [[{self.title_key}]]"


class PageEditor(models.Model):
    """Someone the organisation's admins made an editor of an intranet section: the page and
    every page below it."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="editors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="page_sections"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "user"], name="one_editor_row_per_section")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} edits {self.page_id}"


class PageRead(models.Model):
    """`user` opened `page` on `day` (one row per person, page and day, for the adoption figures'
    page reads: `adoption.py`; never shown one by one)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "user", "day"], name="one_page_read_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="pages_read_by_day")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.page_id} on {self.day}"


class PageWatch(models.Model):
    """Someone notified of each new revision of a page (but their own)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="page_watches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "user"], name="one_watch_per_page_and_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.page_id}"


class PageComment(models.Model):
    """A comment under a page, as under a post: its author edits or deletes it; whoever writes
    the page deletes it too (moderation, audited)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"))
    body_html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["page_id", "pk"]
        indexes = [models.Index(fields=["page", "id"], name="page_comments_in_order")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.page_id}"


class PageReaction(models.Model):
    """One reaction per person and page (the kinds of the posts')."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "user"], name="one_page_reaction_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.page_id}"


class PageImage(models.Model):
    """An image pasted, dropped or chosen in a space's page editor, checked by the platform's
    upload policy (`files.IMAGE`) and kept in `storages["pages"]`; served to whoever may read the
    space's pages. Its description (alt text) is asked for before it is inserted."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    name = models.CharField(max_length=150)
    alt = models.CharField(_("description"), max_length=250)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class PageTreeVersion(models.Model):
    """The version of a space's tree of pages: a new random number each time a page is created,
    renamed, moved or deleted (`actions`), so that the tree read in one query is cached by
    (space, version) and a stale tree is never served (`queries.PageTree.of`). Random, not a
    counter: a number is never reused, even after a rolled-back transaction."""

    space = models.OneToOneField(
        Space, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.space_id} v{self.version}"
