"""Who hears about what happens to documents, and how it reads: the document base's part of
notifications. Today one kind: a new version of a file I uploaded (I made the file, or sent one
of its versions). Registered by `DocumentsConfig.ready()`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext_lazy

from cercle.accounts.models import User
from cercle.documents import queries
from cercle.documents.models import Document, Version
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

NEW_VERSION = "document_version"
LOCK_BROKEN = "document_lock_broken"
DOCUMENT = "documents.document"


def about(document: Document) -> Subject:
    return Subject(DOCUMENT, document.pk, loaded=document, title=document.name[:TITLE_LENGTH])


def on_new_version(*, actor: User, document: Document) -> None:
    """Called by `actions` once a version is added (uploaded or restored): everyone who uploaded
    the file or one of its versions hears of it, except the one who did it and those who may no
    longer read it."""
    uploader_ids = set(
        Version.objects.filter(document=document, created_by__isnull=False).values_list(
            "created_by_id", flat=True
        )
    )
    if document.created_by_id is not None:
        uploader_ids.add(document.created_by_id)
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


def _link(notification: Notification) -> str:
    if notification.subject_type != DOCUMENT or notification.subject_id is None:
        return reverse("notifications")
    return reverse("documents_file", args=[notification.subject_id])


def _visible_ids(user: User) -> QuerySet[Any]:
    return Document.objects.filter(
        library_id__in=queries.readable_libraries(user).values("pk"), trashed_at__isnull=True
    ).values("pk")


def _may_see(user: User, subject: Subject) -> bool:
    try:
        queries.access_document(user, subject.id)
    except queries.NotFound:
        return False
    return True


def register() -> None:
    register_subject_type(SubjectType(key=DOCUMENT, visible_ids=_visible_ids, may_see=_may_see))
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
            key=LOCK_BROKEN,
            label=gettext_lazy("A file I was editing was unlocked by someone else"),
            describe=_lock_broken,
            link=_link,
        )
    )
