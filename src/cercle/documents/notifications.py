"""Who hears about what happens to documents, and how it reads: the document base's part of
notifications: a new version of a file I uploaded (I made the file, or sent one of its versions),
a lock of mine broken, a file or folder shared with me, a comment on a file I uploaded or
commented on. Registered by `DocumentsConfig.ready()`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext_lazy

from cercle.accounts.models import User
from cercle.documents import queries
from cercle.documents.models import Comment, Document, Folder, Version
from cercle.notifications import actions as notifications
from cercle.notifications.models import Notification
from cercle.notifications.queries import grouped_line
from cercle.notifications.registry import (
    TITLE_LENGTH,
    NotificationKind,
    Subject,
    SubjectType,
    register_kind,
    register_subject_type,
)
from cercle.spaces.models import Space

NEW_VERSION = "document_version"
LOCK_BROKEN = "document_lock_broken"
DOCUMENT = "documents.document"
FOLDER = "documents.folder"
SHARED = "document_shared"
COMMENTED = "document_comment"


def about(document: Document) -> Subject:
    return Subject(DOCUMENT, document.pk, loaded=document, title=document.name[:TITLE_LENGTH])


def _uploader_ids(document: Document) -> set[int]:
    """Who follows a file: whoever made it or sent one of its versions."""
    uploader_ids = set(
        Version.objects.filter(document=document, created_by__isnull=False).values_list(
            "created_by_id", flat=True
        )
    )
    if document.created_by_id is not None:
        uploader_ids.add(document.created_by_id)
    return uploader_ids


def on_new_version(*, actor: User, document: Document) -> None:
    """Called by `actions` once a version is added (uploaded or restored): everyone who uploaded
    the file or one of its versions hears of it, except the one who did it and those who may no
    longer read it."""
    uploader_ids = _uploader_ids(document)
    uploader_ids.discard(actor.pk)
    space = document.library.space
    for person in User.objects.filter(pk__in=uploader_ids, is_active=True):
        notifications.notify(
            recipient=person,
            kind=NEW_VERSION,
            actor=actor,
            group_key=f"{NEW_VERSION}:{document.pk}",
            subject=about(document),
            space=space,
        )


def on_comment(*, actor: User, document: Document, comment: Comment) -> None:
    """Called by `actions.add_comment`: whoever follows the file (made it or sent a version of
    it) and whoever commented on it before hears "«actor» commented on a file", grouped per
    file while unread; never the commenter, nor someone who may no longer read it (`notify`
    asks the subject type)."""
    follower_ids = _uploader_ids(document) | set(
        Comment.objects.filter(document=document).values_list("author_id", flat=True)
    )
    follower_ids.discard(actor.pk)
    space = document.library.space
    for person in User.objects.filter(pk__in=follower_ids, is_active=True):
        notifications.notify(
            recipient=person,
            kind=COMMENTED,
            actor=actor,
            group_key=f"{COMMENTED}:{document.pk}",
            subject=about(document),
            space=space,
        )


def on_lock_broken(*, actor: User, lock_owner: User, document: Document) -> None:
    """Called by `actions.unlock` when an admin breaks someone's lock: its owner hears of it."""
    notifications.notify(
        recipient=lock_owner,
        kind=LOCK_BROKEN,
        actor=actor,
        group_key=f"{LOCK_BROKEN}:{document.pk}",
        subject=about(document),
        space=document.library.space,
    )


def on_shared(
    *, actor: User, item: Document | Folder, user: User | None, space: Space | None
) -> None:
    """Called by `actions.share` for a new share: the person, or each member of the space now,
    hears "«actor» shared with you «item»" (as their preferences say)."""
    kind = FOLDER if isinstance(item, Folder) else DOCUMENT
    subject = Subject(kind, item.pk, loaded=item, title=item.name[:TITLE_LENGTH])
    group_key = f"{SHARED}:{kind}:{item.pk}"
    if user is not None:
        notifications.notify(
            recipient=user, kind=SHARED, actor=actor, group_key=group_key, subject=subject
        )
        return
    assert space is not None
    members = list(
        User.objects.filter(space_memberships__space=space, is_active=True).exclude(pk=actor.pk)
    )
    notifications.notify_many(
        recipients=members, kind=SHARED, actor=actor, group_key=group_key, subject=subject
    )


_shared = grouped_line(
    gettext_lazy("%(name)s shared with you"),
    ngettext_lazy(
        "%(name)s and %(count)d other shared with you",
        "%(name)s and %(count)d others shared with you",
        "count",
    ),
)


_lock_broken = grouped_line(
    gettext_lazy("%(name)s unlocked a file you were editing"),
    ngettext_lazy(
        "%(name)s and %(count)d other unlocked a file you were editing",
        "%(name)s and %(count)d others unlocked a file you were editing",
        "count",
    ),
)


_new_version = grouped_line(
    gettext_lazy("%(name)s uploaded a new version of a file you uploaded"),
    ngettext_lazy(
        "%(name)s and %(count)d other uploaded new versions of a file you uploaded",
        "%(name)s and %(count)d others uploaded new versions of a file you uploaded",
        "count",
    ),
)


_commented = grouped_line(
    gettext_lazy("%(name)s commented on the file"),
    ngettext_lazy(
        "%(name)s and %(count)d other commented on the file",
        "%(name)s and %(count)d others commented on the file",
        "count",
    ),
)


def _link(notification: Notification) -> str:
    if notification.subject_id is None:
        return reverse("notifications")
    if notification.subject_type == FOLDER:
        return reverse("documents_folder", args=[notification.subject_id])
    if notification.subject_type != DOCUMENT:
        return reverse("notifications")
    url = reverse("documents_file", args=[notification.subject_id])
    if notification.kind == COMMENTED:
        return f"{url}#comments"
    return url


def _visible_ids(user: User, now: datetime.datetime | None = None) -> QuerySet[Any]:
    return queries.readable_documents(user).values("pk")


def _may_see(user: User, subject: Subject) -> bool:
    try:
        queries.access_document(user, subject.id)
    except queries.NotFound:
        return False
    return True


def _visible_folder_ids(user: User, now: datetime.datetime | None = None) -> QuerySet[Any]:
    return queries.readable_folders(user).values("pk")


def _may_see_folder(user: User, subject: Subject) -> bool:
    try:
        queries.access_folder(user, subject.id)
    except queries.NotFound:
        return False
    return True


def register() -> None:
    register_subject_type(SubjectType(key=DOCUMENT, visible_ids=_visible_ids, may_see=_may_see))
    register_subject_type(
        SubjectType(key=FOLDER, visible_ids=_visible_folder_ids, may_see=_may_see_folder)
    )
    register_kind(
        NotificationKind(
            key=SHARED,
            label=gettext_lazy("Someone shares a file or folder with me"),
            describe=_shared,
            link=_link,
            email=True,
        )
    )
    register_kind(
        NotificationKind(
            key=NEW_VERSION,
            label=gettext_lazy("A new version of a file I uploaded"),
            describe=_new_version,
            link=_link,
        )
    )
    register_kind(
        NotificationKind(
            key=COMMENTED,
            label=gettext_lazy("A comment on a file I uploaded or commented on"),
            describe=_commented,
            link=_link,
        )
    )
    register_kind(
        NotificationKind(
            key=LOCK_BROKEN,
            label=gettext_lazy("A file I was editing was unlocked by someone else"),
            describe=_lock_broken,
            link=_link,
        )
    )
