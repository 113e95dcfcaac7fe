"""The API schemas of core: the socket's ticket."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class TicketOut(Schema):
    ticket: str
    expires_at: datetime
    url: str
