"""The document base's part of the /ws/ socket (a `cercle.core.consumers.SocketPart`, assembled
into `cercle.routing.Socket`): a file's page follows its comments live.

The page sends `{"type": "documents.subscribe", "id": 12}` (null: stop); the socket checks its
person may read the file (`queries.access_document`: not found otherwise, the same answer for a
file that does not exist) and joins the file's group (`events.file_group`), leaving the last one:
one file per socket. A `documents.comments` event is passed on only while the person may still
read the file (asked again: comments are rare, and a share may have been revoked meanwhile)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.http import Http404

from cercle.accounts.models import User
from cercle.core.consumers import SocketPart
from cercle.core.events import HelloPart
from cercle.documents import queries
from cercle.documents.events import DocumentsSubscribed, file_group


def _may_read(user_id: int, document_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    try:
        queries.access_document(user, document_id)
    except Http404:
        return False
    return True


_may_read_async = database_sync_to_async(_may_read)


class DocumentsSocketMixin(SocketPart):
    frames = {"documents.subscribe": "on_documents_subscribe"}

    documents_file: int | None

    async def part_connect(self) -> HelloPart | None:
        self.documents_file = None
        return None

    async def part_disconnect(self) -> None:
        if getattr(self, "documents_file", None) is not None:
            await self._documents_follow(None)

    async def on_documents_subscribe(self, frame: dict[str, Any]) -> None:
        wanted = frame.get("id")
        if wanted is not None and (
            isinstance(wanted, bool) or not isinstance(wanted, int) or not 0 < wanted < 2**63
        ):
            raise ValidationError({"id": ["Give a file's number, or null."]})
        if wanted is not None and not await _may_read_async(self.user.pk, wanted):
            raise Http404
        await self._documents_follow(wanted)
        await self.send_event(DocumentsSubscribed(document_id=wanted))

    async def _documents_follow(self, document_id: int | None) -> None:
        current = getattr(self, "documents_file", None)
        if current == document_id:
            return
        if current is not None:
            await self.channel_layer.group_discard(file_group(current), self.channel_name)
        if document_id is not None:
            await self.channel_layer.group_add(file_group(document_id), self.channel_name)
        self.documents_file = document_id

    # --- channel-layer handlers ---------------------------------------------------------------

    async def documents_comments(self, message: dict[str, Any]) -> None:
        """A comment changed on the file followed: passed on while the person may read it."""
        event = message["event"]
        if event.get("document_id") != getattr(self, "documents_file", None):
            return
        if not await _may_read_async(self.user.pk, event["document_id"]):
            await self._documents_follow(None)
            return
        await self.send_json(event)
