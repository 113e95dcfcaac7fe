"""SAML 2.0 single logout (SLO), both ways, on allauth's SAML provider and python3-saml.

- **Started in Cercle**: a LogoutRequest names the person by the NameID (with its format and
  qualifiers) and the SessionIndex the provider's assertion gave. allauth keeps neither, so the
  assertion consumer's second step (allauth's own view, its provider wrapped) puts them aside in
  the session; they become the signed-in session's (`receivers.on_logged_in`), and logging out
  redirects to the provider's SLO address with the request (`adapter._end_session_url`). The
  provider answers at Cercle's SLS address (allauth's view, below), which checks its signature
  when signed and its destination, then shows the login page.
- **Started at the provider**: its LogoutRequest arrives at the SLS address in the person's
  browser. Cercle's session ends only if it was opened through that provider for that NameID
  (and one of the request's SessionIndexes, when it gives any); so do the person's other
  sessions opened the same way, each with its sockets (a request naming someone else, or
  reaching a session opened another way, ends nothing); the answer is a LogoutResponse back to
  the provider either way, as the protocol wants. Audited (`sso.provider_logout`).

Only the HTTP-Redirect binding is offered for logout (python3-saml's only one). Nothing here is
kept outside the session, which logging out deletes.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.providers.saml import views as saml_views
from allauth.socialaccount.providers.saml.utils import build_auth
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from onelogin.saml2.errors import OneLogin_Saml2_Error
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from cercle.accounts.actions.auth import session_data
from cercle.sso import actions

logger = logging.getLogger(__name__)

# {"provider": key, "name_id": ..., "name_id_format": ..., "nq": ..., "spnq": ...,
#  "session_index": ...}: received, sign-in not completed yet.
PENDING_SESSION_KEY = "cercle.sso.saml_pending"
# The same, for the signed-in session.
SESSION_KEY = "cercle.sso.saml"
# Also on the request: signing in over another person's session starts a new session.
REQUEST_ATTRIBUTE = "_cercle_saml_pending"
MAX_VALUE_LENGTH = 1_000


def _short(value: Any) -> str:
    text = str(value or "")
    return text if len(text) <= MAX_VALUE_LENGTH else ""


class FinishACSView(saml_views.FinishACSView):
    """allauth's second assertion-consumer step, keeping the assertion's NameID and
    SessionIndex for a logout started in Cercle."""

    def get_provider(self, organization_slug: str) -> Any:
        provider = super().get_provider(organization_slug)
        original = provider.sociallogin_from_response
        request = self.request

        def sociallogin_from_response(req: HttpRequest, auth: Any) -> Any:
            login = original(req, auth)
            pending = {
                "provider": provider.app.provider_id or provider.app.client_id,
                "name_id": _short(auth.get_nameid()),
                "name_id_format": _short(auth.get_nameid_format()),
                "nq": _short(auth.get_nameid_nq()),
                "spnq": _short(auth.get_nameid_spnq()),
                "session_index": _short(auth.get_session_index()),
            }
            if pending["name_id"]:
                request.session[PENDING_SESSION_KEY] = pending
                setattr(request, REQUEST_ATTRIBUTE, pending)
            else:
                request.session.pop(PENDING_SESSION_KEY, None)
            return login

        provider.sociallogin_from_response = sociallogin_from_response
        return provider


finish_acs = FinishACSView.as_view()


def keep_name_id(request: HttpRequest) -> None:
    """At sign-in: the NameID received on the way becomes this session's (or none)."""
    pending = request.session.pop(PENDING_SESSION_KEY, None) or getattr(
        request, REQUEST_ATTRIBUTE, None
    )
    if isinstance(pending, dict) and pending.get("name_id"):
        request.session[SESSION_KEY] = pending
    else:
        request.session.pop(SESSION_KEY, None)


def forget_pending(request: HttpRequest) -> None:
    """An administrator's connection test signs nobody in: its NameID is not kept."""
    request.session.pop(PENDING_SESSION_KEY, None)
    if hasattr(request, REQUEST_ATTRIBUTE):
        delattr(request, REQUEST_ATTRIBUTE)


def kept_for(request: HttpRequest, provider_key: str) -> dict[str, str]:
    kept = request.session.get(SESSION_KEY)
    if isinstance(kept, dict) and kept.get("provider") == provider_key and kept.get("name_id"):
        return {k: str(v) for k, v in kept.items()}
    return {}


def logout_url(request: HttpRequest, provider: Any, *, return_to: str) -> str:
    """The provider's SLO address carrying a LogoutRequest for this session's person, or "" when
    the provider has no SLO address or the session has no NameID from it."""
    kept = kept_for(request, provider.app.provider_id or provider.app.client_id)
    if not kept:
        return ""
    auth = build_auth(request, provider)
    if not auth.get_slo_url():
        return ""
    return str(
        auth.logout(
            return_to=return_to,
            name_id=kept["name_id"],
            session_index=kept.get("session_index") or None,
            nq=kept.get("nq") or None,
            name_id_format=kept.get("name_id_format") or None,
            spnq=kept.get("spnq") or None,
        )
    )


@method_decorator(csrf_exempt, name="dispatch")
class SLSView(saml_views.SLSView):
    """allauth's single logout service, ending Cercle's sessions only for the person the
    provider's LogoutRequest names (see the module's docstring)."""

    def dispatch(self, request: HttpRequest, organization_slug: str) -> HttpResponse:
        if "SAMLRequest" not in request.GET:
            # A LogoutResponse (or nothing): allauth's view checks it and shows the login page.
            return super().dispatch(request, organization_slug)  # type: ignore[no-any-return]
        provider = self.get_provider(organization_slug)
        auth = build_auth(request, provider)
        account_adapter = get_account_adapter(request)
        provider_key = provider.app.provider_id or provider.app.client_id
        named = (
            _named_sessions(request, provider_key, auth) if request.user.is_authenticated else []
        )

        def end_sessions() -> None:
            # Called by python3-saml once the request's signature and destination are checked.
            actions.end_provider_sessions(
                user=request.user,  # type: ignore[arg-type]
                provider=provider_key,
                session_keys=named,
                request=request,
            )
            account_adapter.logout(request)

        try:
            redirect_to = auth.process_slo(
                delete_session_cb=end_sessions, keep_local_session=not named
            )
        except OneLogin_Saml2_Error as error:
            return _refused(str(error))
        if auth.get_errors():
            return _refused(auth.get_last_error_reason() or ", ".join(auth.get_errors()))
        return HttpResponseRedirect(redirect_to or account_adapter.get_logout_redirect_url(request))


def _named_sessions(request: HttpRequest, provider_key: str, auth: Any) -> list[str]:
    """The keys of the person's sessions the LogoutRequest names: opened through this provider
    for its NameID and, when it gives SessionIndexes, for one of them. Only when this browser's
    own session is one of them (a request reaching someone else's browser, or a session opened
    another way, ends nothing): the person's other devices signed in through the same provider
    session (or any, without a SessionIndex) end with it."""
    try:
        xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(request.GET["SAMLRequest"])
        key = auth.get_settings().get_sp_key()
        name_id = OneLogin_Saml2_Logout_Request.get_nameid(xml, key)
        indexes = set(OneLogin_Saml2_Logout_Request.get_session_indexes(xml))
    except Exception:  # unreadable: process_slo refuses it
        return []

    def names(kept: Any) -> bool:
        return (
            isinstance(kept, dict)
            and kept.get("provider") == provider_key
            and bool(name_id)
            and kept.get("name_id") == name_id
            and (not indexes or kept.get("session_index") in indexes)
        )

    if not names(request.session.get(SESSION_KEY)):
        return []
    current = request.session.session_key or ""
    others = [
        session_key
        for session_key, data in session_data(request.user)  # type: ignore[arg-type]
        if session_key != current and names(data.get(SESSION_KEY))
    ]
    return [current, *others] if current else others


def _refused(reason: str) -> HttpResponse:
    logger.warning("SAML single logout refused: %s", reason)
    return HttpResponse(reason, content_type="text/plain", status=HTTPStatus.BAD_REQUEST)


sls = SLSView.as_view()
