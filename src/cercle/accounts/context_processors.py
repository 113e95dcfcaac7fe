"""What the base layout needs on every page: the organisation's branding."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cercle.accounts.queries import get_organisation


def layout(request: HttpRequest) -> dict[str, Any]:
    return {"organisation": get_organisation()}
