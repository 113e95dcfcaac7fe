"""Request types for views and API endpoints that only signed-in people reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from cercle.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """An HttpRequest whose `user` is a signed-in person (guarded by login_required or API auth)."""

    user: User
    auth: User
