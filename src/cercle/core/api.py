"""The core part of /api/v1/: the one-use ticket with which an API client opens the socket."""

from __future__ import annotations

from typing import Any

from ninja import Router

from cercle.core import actions
from cercle.core.schemas import TicketOut
from cercle.core.typing import AuthenticatedRequest

router = Router(tags=["realtime"])


@router.post("/realtime/ticket", response=TicketOut)
def realtime_ticket(request: AuthenticatedRequest) -> dict[str, Any]:
    """A one-use ticket, valid for a minute, to open the socket: `/ws/?ticket=<ticket>`."""
    key, ticket = actions.issue_ticket(actor=request.auth)
    return {"ticket": key, "expires_at": ticket.expires_at, "url": f"/ws/?ticket={key}"}
