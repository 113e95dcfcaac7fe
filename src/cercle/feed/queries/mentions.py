"""The people an @mention may name, as one types."""

from __future__ import annotations

from django.db.models import (
    Q,
)

from cercle.accounts.models import User


def mention_candidates(user: User, prefix: str, limit: int = 8) -> list[User]:
    """Active people whose username, first or last name starts with `prefix` (for @mentions)."""
    if not user.is_active or not prefix:
        return []
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(username__istartswith=prefix)
            | Q(first_name__istartswith=prefix)
            | Q(last_name__istartswith=prefix)
        )
        .order_by("first_name", "last_name", "pk")[:limit]
    )
