"""Reads about single sign-on: the identity providers (database and environment), their
attribute mapping, the claims a sign-in brought, and who must sign in through a provider."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from django.core.cache import cache
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from cercle.accounts.actions.identity import IDENTITY_ATTRIBUTES
from cercle.accounts.models import User
from cercle.sso.models import (
    BreakGlassAccount,
    RequiredSsoDomain,
    SessionPolicy,
    TwoFactorPolicy,
    TwoFactorScope,
)

OIDC = "openid_connect"
SAML = "saml"
KIND_LABELS = {OIDC: "OpenID Connect", SAML: "SAML 2.0"}

ATTRIBUTE_LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "job_title": _("Job title"),
    "department": _("Department"),
    "site": _("Site"),
    "manager": _("Manager (email address)"),
    "phone": _("Phone"),
    "language": _("Language"),
}

# What each kind of provider usually calls the profile's attributes (admins change it per
# provider: Entra ID's optional claims, a Keycloak mapper, an IdP's attribute names).
DEFAULT_MAPPING = {
    OIDC: {
        "first_name": "given_name",
        "last_name": "family_name",
        "job_title": "job_title",
        "department": "department",
        "site": "site",
        "manager": "manager_email",
        "phone": "phone_number",
        "language": "locale",
    },
    SAML: {
        "first_name": "urn:oid:2.5.4.42",
        "last_name": "urn:oid:2.5.4.4",
        "job_title": "urn:oid:2.5.4.12",
        "department": "urn:oid:2.5.4.11",
        "site": "urn:oid:2.5.4.7",
        "manager": "manager",
        "phone": "urn:oid:2.5.4.20",
        "language": "urn:oid:2.16.840.1.113730.3.1.39",
    },
}
# For SAML, allauth's own mapping (uid, email, names) when an admin gives none.
DEFAULT_SAML_ACCOUNT_MAPPING = {
    "uid": "urn:oasis:names:tc:SAML:attribute:subject-id",
    "email": "urn:oid:0.9.2342.19200300.100.1.3",
    "first_name": "urn:oid:2.5.4.42",
    "last_name": "urn:oid:2.5.4.4",
}


@dataclass
class Provider:
    """An identity provider as the pages show it."""

    key: str
    kind: str
    name: str
    app: SocialApp
    from_environment: bool
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def creates_accounts(self) -> bool:
        return bool(self.app.settings.get("create_accounts", True))

    @property
    def trusts_email(self) -> bool:
        return bool(self.app.settings.get("trust_email", True))

    @property
    def mapping_rows(self) -> list[tuple[str, Any, str]]:
        return [
            (name, ATTRIBUTE_LABELS[name], self.mapping.get(name, ""))
            for name in IDENTITY_ATTRIBUTES
        ]


def provider_key(app: SocialApp) -> str:
    """The name a provider goes by in URLs and sign-ins: its provider id (OpenID Connect) or
    organisation slug (SAML, allauth's `client_id`)."""
    if app.provider == SAML:
        return str(app.client_id)
    return str(app.provider_id or app.provider)


def mapping_of(app: SocialApp) -> dict[str, str]:
    stored = app.settings.get("profile_mapping")
    base = DEFAULT_MAPPING.get(app.provider, {})
    if not isinstance(stored, dict):
        return dict(base)
    return {name: str(stored.get(name, "")) for name in IDENTITY_ATTRIBUTES}


def _provider(app: SocialApp) -> Provider:
    return Provider(
        key=provider_key(app),
        kind=app.provider,
        name=app.name or provider_key(app),
        app=app,
        from_environment=app.pk is None,
        mapping=mapping_of(app),
    )


def identity_providers(request: HttpRequest | None = None) -> list[Provider]:
    """Every OpenID Connect and SAML provider, from the database and from the environment."""
    adapter = get_adapter()
    apps = [
        *adapter.list_apps(request, provider=OIDC),
        *adapter.list_apps(request, provider=SAML),
    ]
    return sorted((_provider(app) for app in apps), key=lambda p: (p.name.lower(), p.key))


def access_provider(key: str, request: HttpRequest | None = None) -> Provider:
    for provider in identity_providers(request):
        if provider.key == key:
            return provider
    raise Http404


def provider_for_app(app: SocialApp) -> Provider:
    return _provider(app)


def claims_of(extra_data: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes a sign-in brought, flat: OpenID Connect's ID token and userinfo claims
    (userinfo wins), SAML's attributes (first value of each)."""
    if "userinfo" in extra_data or "id_token" in extra_data:
        claims: dict[str, Any] = {}
        for part in ("id_token", "userinfo"):
            value = extra_data.get(part)
            if isinstance(value, Mapping):
                claims.update(value)
        return claims
    flat: dict[str, Any] = {}
    for name, value in extra_data.items():
        if isinstance(value, list):
            flat[name] = value[0] if len(value) == 1 else value
        else:
            flat[name] = value
    return flat


def mapped_values(mapping: Mapping[str, str], claims: Mapping[str, Any]) -> dict[str, str]:
    """Profile attribute → the claim's value, for the mapped claims the sign-in brought."""
    values: dict[str, str] = {}
    for name in IDENTITY_ATTRIBUTES:
        claim = (mapping.get(name) or "").strip()
        if not claim or claim not in claims:
            continue
        value = claims[claim]
        if isinstance(value, list):
            value = value[0] if value else ""
        if isinstance(value, (str, int, float)) and str(value).strip():
            values[name] = str(value).strip()
    return values


# --- Who must use single sign-on --------------------------------------------------------------


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def required_domains() -> list[str]:
    return list(RequiredSsoDomain.objects.values_list("domain", flat=True))


def domain_requires_sso(email: str) -> bool:
    domain = email_domain(email)
    return bool(domain) and RequiredSsoDomain.objects.filter(domain=domain).exists()


def is_break_glass(user: User) -> bool:
    return user.is_admin and BreakGlassAccount.objects.filter(user_id=user.pk).exists()


def sso_required_for(user: Any) -> bool:
    """Whether this person may sign in only through an identity provider (password and sign-in
    code refused): their domain requires it and they are not a break-glass administrator."""
    if not isinstance(user, User) or not user.email:
        return False
    return domain_requires_sso(user.email) and not is_break_glass(user)


def break_glass_accounts() -> list[BreakGlassAccount]:
    return list(BreakGlassAccount.objects.select_related("user").order_by("user__username"))


# --- Session lifetime -------------------------------------------------------------------------

SESSION_POLICY_CACHE_KEY = "cercle.sso.session_policy"


def session_policy() -> SessionPolicy:
    """The policy, cached (read on every signed-in request); `actions` clears the cache."""
    policy = cache.get(SESSION_POLICY_CACHE_KEY)
    if not isinstance(policy, SessionPolicy):
        policy = SessionPolicy.objects.filter(pk=1).first() or SessionPolicy(pk=1)
        cache.set(SESSION_POLICY_CACHE_KEY, policy, 300)
    return policy


POLICY_RECHECK = 60  # seconds a process keeps the limits before reading the policy again
_limits_memo: dict[str, Any] = {"read_at": -POLICY_RECHECK, "limits": (0, 0)}


def session_limits() -> tuple[int, int]:
    """(idle seconds, lifetime seconds), 0 for none: the middleware's per-request read, kept in
    the process for `POLICY_RECHECK` seconds so a request costs no cache round trip."""
    now = time.monotonic()
    if now - _limits_memo["read_at"] > POLICY_RECHECK:
        policy = session_policy()
        _limits_memo["limits"] = (policy.idle_minutes * 60, policy.lifetime_hours * 3600)
        _limits_memo["read_at"] = now
    limits: tuple[int, int] = _limits_memo["limits"]
    return limits


def forget_session_limits() -> None:
    """This process reads the policy again at its next request (after a change here)."""
    _limits_memo["read_at"] = -POLICY_RECHECK


# --- Two-factor authentication required -------------------------------------------------------

TWO_FACTOR_CACHE_KEY = "cercle.sso.two_factor_policy"


def two_factor_policy() -> TwoFactorPolicy:
    """The policy, cached (read on every page by the middleware); `actions` clears the cache."""
    policy = cache.get(TWO_FACTOR_CACHE_KEY)
    if not isinstance(policy, TwoFactorPolicy):
        policy = TwoFactorPolicy.objects.filter(pk=1).first() or TwoFactorPolicy(pk=1)
        cache.set(TWO_FACTOR_CACHE_KEY, policy, 300)
    return policy


def has_two_factor(user: User) -> bool:
    return bool(
        Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
    )


def two_factor_deadline(user: Any, policy: TwoFactorPolicy | None = None) -> datetime | None:
    """When this person must have two-factor authentication (None: they need not, or have it)."""
    policy = policy or two_factor_policy()
    if not isinstance(user, User) or policy.since is None:
        return None
    if policy.scope == TwoFactorScope.NOBODY:
        return None
    if policy.scope == TwoFactorScope.ADMINS and not user.is_admin:
        return None
    if has_two_factor(user):
        return None
    start = max(policy.since, user.date_joined)
    return start + timedelta(days=policy.grace_days)
