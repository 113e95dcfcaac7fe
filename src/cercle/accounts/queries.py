"""Reads about people, each applying its rules for the viewing user."""

from __future__ import annotations

from django.utils import timezone

from cercle.accounts.models import ApiToken, User
from cercle.accounts.tokens import hash_token


def user_for_api_token(secret: str) -> User | None:
    """The active owner of an unexpired personal access token, else None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(secret), user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None
    return token.user
