"""OpenID Connect's callback, keeping the provider's ID token for single logout.

RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) sends the provider the ID token it
issued (`id_token_hint`): Entra ID, Keycloak and Okta then end the right session without asking
who is leaving, and some refuse a `post_logout_redirect_uri` without it. allauth decodes the ID
token and keeps its claims only, so this callback (allauth's own, with an adapter that also
keeps the token as received) puts it aside in the session; it becomes the session's once the
sign-in completes (`receivers.on_logged_in`), and the logout redirect carries it
(`adapter._end_session_url`). It lives only in the session, which logging out deletes.
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse

# {"provider": key, "id_token": "..."}: received, sign-in not completed yet.
PENDING_SESSION_KEY = "cercle.sso.id_token_pending"
# The same, for the signed-in session.
ID_TOKEN_SESSION_KEY = "cercle.sso.id_token"  # noqa: S105  (a session key)
MAX_ID_TOKEN_LENGTH = 16_000
# Also on the request: signing in over another person's session starts a new session.
REQUEST_ATTRIBUTE = "_cercle_id_token_pending"


class KeepingIdTokenAdapter(OpenIDConnectOAuth2Adapter):
    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any:
        login = super().complete_login(request, app, token, **kwargs)
        raw = (kwargs.get("response") or {}).get("id_token")
        session = getattr(request, "session", None)
        if session is not None:
            if isinstance(raw, str) and 0 < len(raw) <= MAX_ID_TOKEN_LENGTH:
                pending = {"provider": self.provider_id, "id_token": raw}
                session[PENDING_SESSION_KEY] = pending
                setattr(request, REQUEST_ATTRIBUTE, pending)
            else:
                session.pop(PENDING_SESSION_KEY, None)
        return login


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's `openid_connect_callback`, with the adapter above."""
    try:
        view = OAuth2CallbackView.adapter_view(KeepingIdTokenAdapter(request, provider_id))
        return view(request)  # type: ignore[no-any-return]
    except SocialApp.DoesNotExist:
        raise Http404 from None


def keep_id_token(request: HttpRequest) -> None:
    """At sign-in: the ID token received on the way becomes this session's (or none)."""
    pending = request.session.pop(PENDING_SESSION_KEY, None) or getattr(
        request, REQUEST_ATTRIBUTE, None
    )
    if isinstance(pending, dict) and pending.get("id_token"):
        request.session[ID_TOKEN_SESSION_KEY] = pending
    else:
        request.session.pop(ID_TOKEN_SESSION_KEY, None)


def forget_pending(request: HttpRequest) -> None:
    """An administrator's connection test signs nobody in: its token is not kept."""
    request.session.pop(PENDING_SESSION_KEY, None)
    if hasattr(request, REQUEST_ATTRIBUTE):
        delattr(request, REQUEST_ATTRIBUTE)


def id_token_for(request: HttpRequest, provider_key: str) -> str:
    """The ID token this session was signed in with, if it came from this provider."""
    kept = request.session.get(ID_TOKEN_SESSION_KEY)
    if isinstance(kept, dict) and kept.get("provider") == provider_key:
        return str(kept.get("id_token") or "")
    return ""
