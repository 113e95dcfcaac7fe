"""The adoption figures' part of the socket: every page of Cercle opens it, so a person whose tab
connects came today (once per person, day and server process: `actions.record_active_day`)."""

from __future__ import annotations

from channels.db import database_sync_to_async

from cercle.adoption.actions import record_active_day
from cercle.core.consumers import SocketPart
from cercle.core.events import HelloPart


class AdoptionSocketMixin(SocketPart):
    async def part_connect(self) -> HelloPart | None:
        await database_sync_to_async(record_active_day)(self.user.pk)
        return None
