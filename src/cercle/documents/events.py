"""The realtime events of the document base: a file's comments changed, for the tabs showing the
file's page (docs/realtime.md, "A file's comments").

A file's page subscribes its socket to the file (`documents.subscribe`, answered by
`DocumentsSubscribed`), once its person may read it (`cercle.documents.consumers`); a comment
written, edited or deleted sends one channel-layer message after commit to the file's group
(`file_group`), whatever the number of readers, and each socket passes `DocumentComments` on to
its tab when its person may still read the file. The tab then draws the comments again from the
file's page, which shows each reader what they may do with each comment."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cercle.core.realtime import Event, send_now


@dataclass(frozen=True)
class DocumentsSubscribed(Event):
    """The answer to `documents.subscribe`: the file whose comments the tab now follows (null:
    none)."""

    type = "documents.subscribed"
    document_id: int | None


@dataclass(frozen=True)
class DocumentComments(Event):
    """A comment was written, edited or deleted on the file the tab follows, by `author_id`."""

    type = "documents.comments"
    document_id: int
    author_id: int


# The channel-layer message type (the socket's handler `documents_comments`).
COMMENTS = DocumentComments.type


def file_group(document_id: int) -> str:
    return f"documents.file.{document_id}"


def comments_changed(*, document_id: int, actor_id: int) -> None:
    """After commit, to the tabs following the file: one send, nothing when rolled back."""
    frame = DocumentComments(document_id=document_id, author_id=actor_id)
    message = {"type": COMMENTS, "event": frame.payload()}
    transaction.on_commit(lambda: send_now(message, groups=[file_group(document_id)]))
