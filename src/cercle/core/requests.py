"""Facts about the HTTP request shared by audit and rate limiting."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address; behind a proxy, the first address of CLIENT_IP_HEADER."""
    if request is None:
        return None
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.headers.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45] or None
    return request.META.get("REMOTE_ADDR")
