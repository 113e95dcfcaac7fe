"""What the base layout needs on every page: the organisation's branding and the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cercle.administration.queries import get_organisation


def layout(request: HttpRequest) -> dict[str, Any]:
    return {"organisation": get_organisation()}
