"""Personal access tokens: random secrets shown once, stored as SHA-256, checked on each call."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "crc_"  # noqa: S105  (a public prefix, not a secret)


def generate_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
