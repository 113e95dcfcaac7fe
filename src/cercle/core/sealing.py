"""Secrets Cercle must read back (an identity provider's client secret, the directory's bind
password), kept in the database sealed: AES-256-GCM under a key derived from `SECRET_KEY` (or
from `CERCLE_SECRETS_KEY` when set, to keep it apart), so a copy of the database alone — a
backup, a dump handed over for debugging — does not give them away.

- `seal("s3cret")` → `"s1:" + base64url(nonce ‖ ciphertext ‖ tag)`; a random 96-bit nonce each
  time. The key is HKDF-SHA256 of the secret key, with this module's own salt and purpose.
- `unseal` reads that back, trying the current key, then `SECRET_KEY_FALLBACKS` (Django's way of
  rotating `SECRET_KEY`): after a rotation, secrets still open, and are sealed again under the
  new key the next time they are saved. A value without the prefix is a secret stored before
  sealing existed (or given by an environment variable): returned as it is.
- A value no key opens (the secret key changed with no fallback) unseals to "" and is logged:
  the connection then fails and the administrator types the secret again; nothing crashes.

What this does not do: protect against someone who has the server's configuration (the key
sits beside the database there), nor hide secrets from Cercle's own process.
"""

from __future__ import annotations

import base64
import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

logger = logging.getLogger(__name__)

PREFIX = "s1:"
NONCE_BYTES = 12
TAG_BYTES = 16
_SALT = b"cercle.core.sealing"


def sealed_length(plain: str) -> int:
    """The length of `seal(plain)`, to check a column's size before saving."""
    raw = NONCE_BYTES + len(plain.encode()) + TAG_BYTES
    return len(PREFIX) + len(base64.urlsafe_b64encode(b"\0" * raw))


def _derive(secret: str | bytes) -> bytes:
    material = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=b"stored secrets").derive(
        material
    )


def _keys() -> list[bytes]:
    own = getattr(settings, "CERCLE_SECRETS_KEY", "")
    secrets = [own] if own else [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [_derive(secret) for secret in secrets]


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(plain: str) -> str:
    """`plain` sealed under the current key; "" stays "" and a sealed value is not sealed again."""
    if not plain or is_sealed(plain):
        return plain
    nonce = os.urandom(NONCE_BYTES)
    box = AESGCM(_keys()[0]).encrypt(nonce, plain.encode(), PREFIX.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + box).decode()


def unseal(value: str) -> str:
    """The secret a sealed value holds; a value stored in clear is returned as it is."""
    if not is_sealed(value):
        return value
    try:
        raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode())
    except ValueError:
        logger.error("a sealed secret is damaged: enter it again")
        return ""
    nonce, box = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    for key in _keys():
        try:
            return AESGCM(key).decrypt(nonce, box, PREFIX.encode()).decode()
        except InvalidTag:
            continue
    logger.error("a sealed secret opens with no current key (SECRET_KEY changed?): enter it again")
    return ""
