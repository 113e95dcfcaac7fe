"""The Content-Security-Policy of every page Cercle answers (OWASP ASVS 14.4.3).

Scripts and styles come from Cercle's own origin only, or from an element carrying this request's
nonce (`{{ request.csp_nonce }}`): an injected `<script>`, an inline event handler (`onclick=`), a
`javascript:` URL or an injected `style` attribute never runs. `frame-ancestors 'none'` keeps
Cercle out of other sites' frames, `object-src 'none'` rules out plugins, `base-uri 'self'` stops a
`<base>` from redirecting relative URLs. A response that set its own policy keeps it: uploaded
files are served under a stricter sandboxing one (`cercle.core.uploads`), the PDF viewer under its
own.

Images may come from any `https:` address because Markdown (posts, pages, news) may show an image
by URL; every other kind of resource is same-origin. `connect-src 'self'` covers the realtime
socket (CSP 3 matches `ws:`/`wss:` of the same host).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data: blob: https:",
            "font-src 'self'",
            "connect-src 'self'",
            "media-src 'self' blob:",
            "frame-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Gives each request a fresh nonce and each response without a policy of its own the page
    policy, error pages included (every middleware below turns an exception into a response)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(nonce)
        return response
