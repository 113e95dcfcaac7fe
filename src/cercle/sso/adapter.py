"""allauth adapters with single sign-on's rules.

- Sign-in by password, by code or by a passkey alone is refused for people whose email domain
  requires single sign-on (break-glass administrators excepted); the login form says so first
  (forms.py), this is the last word for every way allauth signs someone in.
- A sign-in through a provider creates the person (just in time, a whole person: the accounts'
  `post_save` receiver gives the profile) or finds them by a verified email address, then applies
  the provider's attributes to the profile through the mapping shown in /manage/sso/.
- An administrator's "test this connection" stops after the provider answered, signs nobody in
  and shows what the provider sent.
- Logging out of a session opened through OpenID Connect also ends it at the provider
  (`end_session_endpoint`, with the sign-in's ID token as `id_token_hint`: oidc.py), so the
  next sign-in asks again (single logout); through SAML, a LogoutRequest goes to the provider's
  SLO address when it has one (saml.py).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.stagekit import clear_login
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialLogin
from allauth.utils import build_absolute_uri
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from cercle.accounts.actions.identity import apply_identity_attributes
from cercle.accounts.adapter import AccountAdapter as BaseAccountAdapter
from cercle.accounts.models import User
from cercle.core import sealing
from cercle.sso import actions, oidc, queries, saml

logger = logging.getLogger(__name__)

TEST_SESSION_KEY = "cercle.sso.test"
TEST_RESULT_SESSION_KEY = "cercle.sso.test_result"
END_SESSION_ATTRIBUTE = "_cercle_end_session_url"
PASSWORD_METHODS = {"password", "code"}


def sso_required_message(method: str = "password") -> str:
    if method == "passkey_add":
        return _(
            "Your organisation signs you in through its identity provider: a passkey cannot "
            "sign you in, so none can be added. A security key used as a second factor can."
        )
    if method == "passkey":
        return _(
            "Your organisation signs you in through its identity provider: use the "
            "“Sign in with…” button below instead of a passkey."
        )
    return _(
        "Your organisation signs you in through its identity provider: use the "
        "“Sign in with…” button below instead of a password or a sign-in code."
    )


class AccountAdapter(BaseAccountAdapter):
    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        records = get_authentication_records(request, user)
        method = _refused_method(records[-1]) if records else ""
        if method and queries.sso_required_for(user):
            clear_login(request)
            actions.record_password_refused(user=user, method=method, request=request)
            messages.error(request, sso_required_message(method))
            return HttpResponseRedirect(reverse("account_login"))
        return super().pre_login(request, user, **kwargs)  # type: ignore[no-any-return]

    def logout(self, request: HttpRequest) -> None:
        end_session = _end_session_url(request)
        super().logout(request)
        if end_session:
            setattr(request, END_SESSION_ATTRIBUTE, end_session)

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        # allauth asks for it before or after logging out, depending on the view.
        end_session = getattr(request, END_SESSION_ATTRIBUTE, "") or _end_session_url(request)
        return end_session or str(super().get_logout_redirect_url(request))


def _refused_method(record: dict[str, Any]) -> str:
    """How this sign-in was made, when single sign-on required refuses it: a password, a sign-in
    code, or a passkey used alone ("passwordless"). A passkey is a second factor too: after a
    password (refused before it is asked) or after the provider's sign-in (allowed)."""
    method = str(record.get("method") or "")
    if method in PASSWORD_METHODS:
        return method
    if method == "mfa" and record.get("type") == "webauthn" and record.get("passwordless"):
        return "passkey"
    return ""


def _end_session_url(request: HttpRequest) -> str:
    """The provider's end-session URL when this session was opened through OpenID Connect and
    the provider offers one (its discovery document's `end_session_endpoint`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    records = [
        r for r in get_authentication_records(request, user) if r.get("method") == "socialaccount"
    ]
    if not records:
        return ""
    back = build_absolute_uri(request, reverse("account_login"))
    try:
        provider = get_social_adapter().get_provider(request, records[-1]["provider"])
        if provider.app.provider == queries.SAML:
            # A LogoutRequest to the provider's SLO address (saml.py).
            return saml.logout_url(request, provider, return_to=back)
        if provider.app.provider != queries.OIDC:
            return ""
        endpoint = provider.get_oauth2_adapter(request).openid_config.get("end_session_endpoint")
    except Exception:  # the provider is gone or unreachable: log out locally all the same
        logger.warning("single logout: no end-session endpoint", exc_info=True)
        return ""
    if not endpoint:
        return ""
    parameters = {"client_id": provider.app.client_id, "post_logout_redirect_uri": back}
    # The ID token of this sign-in (oidc.py), so the provider knows whose session ends.
    id_token = oidc.id_token_for(request, records[-1]["provider"])
    if id_token:
        parameters = {"id_token_hint": id_token, **parameters}
    query = urlencode(parameters)
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: Any = None, client_id: Any = None
    ) -> list[Any]:
        """allauth's apps, their client secrets opened: stored sealed (cercle.core.sealing).
        These are this request's copies, never saved."""
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        for app in apps:
            if app.secret:
                app.secret = sealing.unseal(app.secret)
        return apps  # type: ignore[no-any-return]

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """Just-in-time accounts, unless the provider is set to sign in existing people only."""
        return queries.provider_for_app(sociallogin.provider.app).creates_accounts

    def authenticate_by_email(self, sociallogin: SocialLogin) -> tuple[Any, str] | None:
        """An existing person is matched by an address verified on both sides: said verified by
        the provider (or the provider is trusted for its addresses, the organisation's own
        directory), and verified in Cercle."""
        trusted = queries.provider_for_app(sociallogin.provider.app).trusts_email
        for address in sociallogin.email_addresses:
            if not (address.verified or trusted):
                continue
            user = User.objects.filter(
                emailaddress__email__iexact=address.email, emailaddress__verified=True
            ).first()
            if user is not None:
                return user, address.email
        return None

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = queries.provider_for_app(sociallogin.provider.app)
        if request.session.get(TEST_SESSION_KEY) == provider.key:
            _end_test(request, provider, sociallogin)
        user = sociallogin.user
        if sociallogin.is_existing or (user is not None and user.pk is not None):
            _apply_attributes(user, provider, sociallogin)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        _apply_attributes(user, queries.provider_for_app(sociallogin.provider.app), sociallogin)
        return user


def _apply_attributes(user: Any, provider: queries.Provider, sociallogin: SocialLogin) -> None:
    if not isinstance(user, User) or user.pk is None:
        return
    claims = queries.claims_of(sociallogin.account.extra_data or {})
    values = queries.mapped_values(provider.mapping, claims)
    if values and apply_identity_attributes(person=user, values=values, source=provider.key):
        # allauth saves this very object again when it links the provider's account.
        user.refresh_from_db()


def _end_test(request: HttpRequest, provider: queries.Provider, sociallogin: SocialLogin) -> None:
    """An administrator's test: keep what the provider sent for the result page, sign nobody in."""
    request.session.pop(TEST_SESSION_KEY, None)
    oidc.forget_pending(request)
    saml.forget_pending(request)
    claims = queries.claims_of(sociallogin.account.extra_data or {})
    request.session[TEST_RESULT_SESSION_KEY] = {
        "provider": provider.key,
        "uid": str(sociallogin.account.uid),
        "emails": [
            {"email": a.email, "verified": bool(a.verified)} for a in sociallogin.email_addresses
        ],
        "claims": {name: _printable(value) for name, value in sorted(claims.items())},
        "mapped": queries.mapped_values(provider.mapping, claims),
        "existing": sociallogin.user.username
        if sociallogin.user is not None and sociallogin.user.pk is not None
        else "",
    }
    raise ImmediateHttpResponse(
        HttpResponseRedirect(reverse("admin_sso_test_result", args=[provider.key]))
    )


def _printable(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
