"""The API schemas of core: the socket's ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field


class TicketOut(Schema):
    ticket: str
    expires_at: datetime
    url: str


# The largest id a database row can have: SQLite's INTEGER and PostgreSQL's bigint are 64-bit.
MAX_ID = 2**63 - 1

Id = Annotated[
    int,
    Field(ge=1, le=MAX_ID, description="An id: a whole number from 1 to 2⁶³ − 1."),
]
"""Every id the API takes — in a path, a query or a body — is an `Id`: a number outside the
database's range is a 422 at the field, before any query (SQLite cannot even compare it: Python's
`OverflowError`). `tests/core/test_api_ids.py` checks that every id of the OpenAPI schema is one."""
