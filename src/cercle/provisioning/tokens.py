"""SCIM tokens' secrets: random, with a prefix that says what they are (a secret scanner can
recognise one pasted where it should not be)."""

from __future__ import annotations

import secrets

SCIM_TOKEN_PREFIX = "crcscim_"  # noqa: S105  (a public prefix, not a secret)


def generate_scim_secret() -> str:
    return SCIM_TOKEN_PREFIX + secrets.token_urlsafe(32)
