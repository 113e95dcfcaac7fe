"""The document base: libraries (one per space, one per person), folders nested to any depth,
documents with their versions, and the blobs that hold the bytes, once per content.

- Every library has exactly one root folder (`parent` null, empty name); every other folder has
  a parent and a non-empty name. `path` lists the ids from the root down to the folder itself
  (`/1/5/9/`), so a folder's descendants are `path__startswith` and its breadcrumbs one query.
- Names are unique, ignoring case, among the living (not trashed) folders of a parent and among
  the living documents of a folder; `actions` also keeps a folder and a document of one folder
  from sharing a name.
- A trashed folder or document keeps its place (`trashed_at`); what is inside a trashed folder is
  hidden with it and comes back with it.
- A `Blob` is one content, named by its SHA-256 and stored once through the `documents` storage.
  Versions point to it with PROTECT: the database refuses to delete a blob a version still points
  to; `actions.collect_blobs` deletes the blobs nothing points to any more, then their files.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import File
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from cercle.documents.storage import blob_storage

NAME_LENGTH = 150


class Library(models.Model):
    """A space's documents, or a person's "My documents": exactly one of the two."""

    space = models.OneToOneField(
        "spaces.Space",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_library",
    )
    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_library",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Its own quota in MB, set by an administrator: None follows the organisation's default for
    # its kind (`QuotaSettings`), 0 is no limit.
    quota_mb = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("library")
        verbose_name_plural = _("libraries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(space__isnull=True, owner__isnull=False)
                | models.Q(space__isnull=False, owner__isnull=True),
                name="documents_library_space_xor_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"library {self.pk}"


class QuotaSettings(models.Model):
    """The organisation's document quotas, set on the administration's Documents page: one row
    (pk 1). A None field follows the setting (`CERCLE_DOCUMENTS_SPACE_QUOTA_MB`,
    `CERCLE_DOCUMENTS_PERSON_QUOTA_MB`, `CERCLE_DOCUMENTS_MAX_UPLOAD_MB`); a quota of 0 is no
    limit. The largest file is never more than the setting's."""

    space_quota_mb = models.PositiveIntegerField(null=True, blank=True)
    person_quota_mb = models.PositiveIntegerField(null=True, blank=True)
    max_file_mb = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document quotas")
        verbose_name_plural = _("document quotas")

    def __str__(self) -> str:
        return "document quotas"


class Folder(models.Model):
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="folders")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("name"), max_length=NAME_LENGTH, blank=True)
    path = models.CharField(max_length=2000, db_index=True, default="/")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    trashed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        constraints = [
            models.UniqueConstraint(
                "library",
                condition=models.Q(parent__isnull=True),
                name="documents_one_root_per_library",
            ),
            models.UniqueConstraint(
                "parent",
                Lower("name"),
                condition=models.Q(trashed_at__isnull=True),
                name="documents_folder_name_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True, name="")
                | (models.Q(parent__isnull=False) & ~models.Q(name="")),
                name="documents_folder_named_unless_root",
            ),
            models.CheckConstraint(
                condition=~models.Q(name__contains="/") & ~models.Q(name__contains="\\"),
                name="documents_folder_name_no_separator",
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=False) | models.Q(trashed_at__isnull=True),
                name="documents_root_never_trashed",
            ),
        ]

    def __str__(self) -> str:
        return self.name or "/"

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    def ancestor_ids(self) -> list[int]:
        """The ids from the root down to this folder, this one included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class Blob(models.Model):
    """One content, stored once: its SHA-256 (hex) is its identity."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    # The name of its file in the `documents` storage (`storage.blob_storage`, looked up at each
    # use, so that the storage can change with the settings).
    key = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What the content is (`core.uploads.Kind.code`, sniffed from the bytes) and what the
    # background task (`actions.analyse_blob`) made of it: once per content, whatever the number
    # of versions and copies that hold it.
    kind = models.CharField(max_length=20, blank=True)
    text_state = models.CharField(max_length=20, default="pending", db_index=True)
    thumbnail_key = models.CharField(max_length=300, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gte=0), name="documents_blob_size"),
        ]

    def __str__(self) -> str:
        return self.sha256

    def open(self) -> File[bytes]:
        return blob_storage().open(self.key, "rb")


class BlobText(models.Model):
    """The text extracted from a content (at most `extraction.max_chars()` characters): apart
    from `Blob` so that a listing never loads it."""

    blob = models.OneToOneField(
        Blob, primary_key=True, on_delete=models.CASCADE, related_name="extracted"
    )
    text = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"text of {self.blob_id}"


class Document(models.Model):
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="documents")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("name"), max_length=NAME_LENGTH)
    current = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    trashed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                "folder",
                Lower("name"),
                condition=models.Q(trashed_at__isnull=True),
                name="documents_document_name_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(name="")
                & ~models.Q(name__contains="/")
                & ~models.Q(name__contains="\\"),
                name="documents_document_name_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Version(models.Model):
    """One state of a document: who sent it, when, and its content."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="versions")
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The version this one brought back, when it is a restore.
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    # The content's modification time a client gave (WebDAV's `X-OC-Mtime`, PROPPATCH of
    # `getlastmodified`): shown as the file's last modification instead of `created_at`, so that
    # a synchronising client (rclone bisync) sees the time its own copy has.
    modified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint("document", "number", name="documents_version_number_unique"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="documents_version_number"
            ),
            models.CheckConstraint(condition=models.Q(size__gte=0), name="documents_version_size"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"

    @property
    def sha256(self) -> str:
        return self.blob.sha256


class Lock(models.Model):
    """A lock on a document or a folder: taken over WebDAV (LOCK) or with "I am editing this" in
    the pages. Others still read; their writes are refused until it is released, broken by the
    space's admins or the library's owner, or expired.

    `root` is the WebDAV path it was taken on (`/<library>/<folders…>/<name>`): the WebDAV lock
    manager finds locks by path; `document` or `folder` is what that path named, so the pages and
    the actions find it by the item (a lock-null resource, locked before it existed, has the empty
    document WebDAV creates for it)."""

    token = models.CharField(max_length=100, unique=True)
    root = models.CharField(max_length=2000, db_index=True)
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="locks"
    )
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.CASCADE, related_name="locks"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    depth = models.CharField(max_length=10, default="0")  # "0" or "infinity"
    scope = models.CharField(max_length=10, default="exclusive")  # or "shared"
    # The client's <D:owner> element, given back as it came (XML, at most 4,000 characters).
    owner_xml = models.TextField(blank=True)
    timeout = models.PositiveIntegerField()  # seconds
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("lock")
        verbose_name_plural = _("locks")

    def __str__(self) -> str:
        return f"lock {self.root} by {self.owner_id}"


class DeadProperty(models.Model):
    """A property a WebDAV client stored on a folder or a document (PROPPATCH). It belongs to the
    item, not to its path: it follows a rename or a move (in the pages or over WebDAV), stays
    with it in the trash and is deleted with it."""

    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="properties"
    )
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.CASCADE, related_name="properties"
    )
    name = models.CharField(max_length=500)  # "{namespace}local-name"
    value = models.TextField()  # the property's XML element

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(folder__isnull=True, document__isnull=False)
                | models.Q(folder__isnull=False, document__isnull=True),
                name="documents_dead_property_folder_xor_document",
            ),
            models.UniqueConstraint(
                "document",
                "name",
                condition=models.Q(document__isnull=False),
                name="documents_dead_property_document_name",
            ),
            models.UniqueConstraint(
                "folder",
                "name",
                condition=models.Q(folder__isnull=False),
                name="documents_dead_property_folder_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id or self.folder_id} {self.name}"


class ShareAccess(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class Share(models.Model):
    """A folder or a document of someone's "My documents" shared with a person or a space (its
    members at each moment: whoever leaves the space loses it). A folder's share covers what it
    holds, now and later. Revoking deletes the row: nothing is left that could still show it.

    `library` is the item's (always a personal library), kept so that a library's shares are one
    query; `actions.move` drops the shares of an item that leaves its library."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="shares")
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.CASCADE, related_name="shares"
    )
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="shares"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_shares",
    )
    space = models.ForeignKey(
        "spaces.Space",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_shares",
    )
    access = models.CharField(
        _("access"), max_length=10, choices=ShareAccess.choices, default=ShareAccess.READ
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(folder__isnull=True, document__isnull=False)
                | models.Q(folder__isnull=False, document__isnull=True),
                name="documents_share_folder_xor_document",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=True, space__isnull=False)
                | models.Q(user__isnull=False, space__isnull=True),
                name="documents_share_user_xor_space",
            ),
            models.CheckConstraint(
                condition=models.Q(access__in=["read", "write"]), name="documents_share_access"
            ),
            models.UniqueConstraint(
                "folder",
                "user",
                condition=models.Q(folder__isnull=False, user__isnull=False),
                name="documents_share_folder_user",
            ),
            models.UniqueConstraint(
                "folder",
                "space",
                condition=models.Q(folder__isnull=False, space__isnull=False),
                name="documents_share_folder_space",
            ),
            models.UniqueConstraint(
                "document",
                "user",
                condition=models.Q(document__isnull=False, user__isnull=False),
                name="documents_share_document_user",
            ),
            models.UniqueConstraint(
                "document",
                "space",
                condition=models.Q(document__isnull=False, space__isnull=False),
                name="documents_share_document_space",
            ),
        ]

    def __str__(self) -> str:
        return f"share {self.pk}"

    @property
    def item(self) -> Folder | Document:
        item = self.folder or self.document
        assert item is not None
        return item


COMMENT_LENGTH = 10_000


class Comment(models.Model):
    """A comment on a document, in Markdown (`body_html` is its rendered, sanitised text).
    Whoever may read the file writes one; its author edits or deletes it, the library's
    managers delete anyone's (`queries.can_edit_comment`, `queries.can_delete_comment`). It
    stays with its document in the trash and goes with it."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_comments"
    )
    body = models.TextField(_("comment"))
    body_html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["document", "created_at", "id"], name="document_comment_order"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.document_id}"


class UploadSession(models.Model):
    """A file sent in chunks (`upload_sessions`): it becomes a document, or a new version of
    `document`, once all its `size` bytes have arrived. The chunks are appended to one file where
    the content will be kept (`staged_key`), or, with a storage without local paths (S3), each is
    its own file (`uploads/<id>/<index>`, sizes in `parts`: no append needed); an interrupted
    transfer resumes from `received`. Its room is
    reserved from its start (`reservation`). Finishing, aborting or expiring deletes the chunks
    and the reservation; nothing of a session outlives it."""

    id = models.UUIDField(primary_key=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=NAME_LENGTH)
    # Sub-folders under `folder` to put the file in ("Rapports/2026"), made when it finishes:
    # a whole folder dropped on the page.
    path = models.CharField(max_length=1000, blank=True)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    # With a storage that has local paths: where the chunks are appended, one file at the
    # place the content will keep in the storage (`blobs/<2>/<key>`), so finishing records it
    # without copying it. Empty (S3): each chunk is its own file, in `parts`.
    staged_key = models.CharField(max_length=200, blank=True)
    # Each chunk received, in order: [its name in the storage, its size].
    parts = models.JSONField(default=list)
    finishing = models.BooleanField(default=False)  # taken by one `finish_upload`
    # The room the session holds in its library for its declared `size`, from its start to
    # its end (`actions.reserve_room`, expiring with the session); handed over to the document
    # when it finishes, given back when it is cancelled, refused or expires.
    reservation = models.ForeignKey(
        "Reservation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gte=0)
                & models.Q(received__gte=0)
                & models.Q(received__lte=models.F("size")),
                name="documents_upload_session_sizes",
            ),
        ]

    def __str__(self) -> str:
        return f"upload {self.pk}"

    def part_name(self, index: int) -> str:
        return f"uploads/{self.pk.hex}/{index:06d}"

    @property
    def remaining_bytes(self) -> int:
        return self.size - self.received


class Reservation(models.Model):
    """Room an upload under way holds in a library (`actions.reserve_room`): taken, with the
    library's row locked, before the upload's first byte is written (its declared size) and
    grown as its bytes arrive past it; deleted when the upload's document is recorded (in the
    same transaction) or when it fails. Every quota check counts the others' reservations, so
    two uploads that together go past the quota cannot both succeed. One left behind by a
    process that died counts for nothing after `expires_at` (renewed as bytes arrive) and is
    removed by `purge_document_trash`."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    size = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["library", "expires_at"], name="document_reservation_live")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gte=0), name="documents_reservation_size"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.size} bytes reserved in library {self.library_id}"
