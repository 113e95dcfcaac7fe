"""Writes about single sign-on, by administrators: identity providers (allauth's `SocialApp`
rows), their attribute mapping, the domains that require single sign-on, break-glass accounts.
Each change is audited; secrets never reach the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from allauth.socialaccount.models import SocialApp
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.actions.auth import end_sessions
from cercle.accounts.actions.identity import IDENTITY_ATTRIBUTES
from cercle.accounts.models import User
from cercle.accounts.queries import may_manage_settings
from cercle.audit.actions import log_event
from cercle.core import sealing
from cercle.core.kept import forget_now_and_at_commit
from cercle.sso import queries
from cercle.sso.models import (
    BreakGlassAccount,
    RequiredSsoDomain,
    SessionPolicy,
    TwoFactorPolicy,
    TwoFactorScope,
)

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _require_admin(actor: User) -> None:
    if not may_manage_settings(actor):
        raise PermissionDenied


def _clean_key(key: str, *, app: SocialApp | None) -> str:
    key = key.strip().lower()
    if not KEY_PATTERN.match(key):
        raise ValidationError(
            {"key": _("Use lower-case letters, digits and hyphens (e.g. “entra-id”).")}
        )
    taken = {p.key for p in queries.identity_providers() if app is None or p.app.pk != app.pk}
    if key in taken:
        raise ValidationError({"key": _("Another identity provider has this identifier.")})
    return key


def _clean_url(name: str, value: str, *, required: bool = True) -> str:
    value = value.strip()
    if not value and not required:
        return ""
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValidationError({name: _("Enter an address starting with https://.")})
    return value


def _clean_scopes(scopes: str) -> list[str]:
    wanted = [s for s in re.split(r"[\s,]+", scopes) if s]
    if any(not re.match(r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$", s) for s in wanted):
        raise ValidationError({"scopes": _("Separate the scopes with spaces.")})
    return ["openid", *[s for s in dict.fromkeys(wanted) if s != "openid"]]


def _clean_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    return {name: str(mapping.get(name, "") or "").strip()[:200] for name in IDENTITY_ATTRIBUTES}


# allauth's SocialApp.secret column.
SECRET_COLUMN_LENGTH = 191


def _audit_settings(app: SocialApp) -> dict[str, Any]:
    """What the audit log keeps of a provider: no secret, no certificate."""
    kept = {k: v for k, v in app.settings.items() if k not in {"idp", "advanced"}}
    return {"key": queries.provider_key(app), "name": app.name, "kind": app.provider, **kept}


@transaction.atomic
def save_oidc_provider(
    *,
    actor: User,
    app: SocialApp | None = None,
    key: str,
    name: str,
    server_url: str,
    client_id: str,
    secret: str,
    scopes: str = "openid profile email",
    create_accounts: bool = True,
    trust_email: bool = True,
    request: HttpRequest | None = None,
) -> SocialApp:
    """Add or change an OpenID Connect provider; an empty `secret` keeps the stored one."""
    _require_admin(actor)
    key = _clean_key(key, app=app)
    server_url = _clean_url("server_url", server_url)
    if not client_id.strip():
        raise ValidationError({"client_id": _("The client ID is required.")})
    if app is None and not secret.strip():
        raise ValidationError({"secret": _("The client secret is required.")})
    old = _audit_settings(app) if app is not None else None
    app = app or SocialApp(provider=queries.OIDC)
    app.provider_id = key
    app.name = name.strip()[:40] or key
    app.client_id = client_id.strip()
    if secret.strip():
        # Sealed at rest (cercle.core.sealing); the adapter opens it for allauth.
        if sealing.sealed_length(secret.strip()) > SECRET_COLUMN_LENGTH:
            raise ValidationError({"secret": _("This client secret is too long.")})
        app.secret = sealing.seal(secret.strip())
    app.settings = {
        **(app.settings or {}),
        "server_url": server_url,
        "scope": _clean_scopes(scopes),
        "create_accounts": create_accounts,
        "trust_email": trust_email,
    }
    app.save()
    log_event(
        actor=actor, action="sso.provider_saved", old=old, new=_audit_settings(app), request=request
    )
    return app


@transaction.atomic
def save_saml_provider(
    *,
    actor: User,
    app: SocialApp | None = None,
    key: str,
    name: str,
    idp_entity_id: str,
    sso_url: str,
    slo_url: str = "",
    x509cert: str = "",
    metadata_url: str = "",
    email_attribute: str = "",
    uid_attribute: str = "",
    create_accounts: bool = True,
    trust_email: bool = True,
    request: HttpRequest | None = None,
) -> SocialApp:
    """Add or change a SAML 2.0 identity provider: its metadata URL, or its entity ID, sign-in
    URL and signing certificate."""
    _require_admin(actor)
    key = _clean_key(key, app=app)
    metadata_url = _clean_url("metadata_url", metadata_url, required=False)
    idp: dict[str, Any]
    if metadata_url:
        idp = {"metadata_url": metadata_url}
    else:
        if not idp_entity_id.strip():
            raise ValidationError(
                {"idp_entity_id": _("Give the provider's entity ID, or its metadata URL.")}
            )
        cert = "".join(
            line
            for line in x509cert.strip().splitlines()
            if line.strip() and "CERTIFICATE" not in line
        )
        if not cert and app is not None:
            cert = app.settings.get("idp", {}).get("x509cert", "")
        if not cert:
            raise ValidationError({"x509cert": _("Paste the provider's signing certificate.")})
        idp = {
            "entity_id": idp_entity_id.strip(),
            "sso_url": _clean_url("sso_url", sso_url),
            "x509cert": cert,
        }
        if slo_url.strip():
            idp["slo_url"] = _clean_url("slo_url", slo_url)
    account_mapping = dict(queries.DEFAULT_SAML_ACCOUNT_MAPPING)
    if email_attribute.strip():
        account_mapping["email"] = email_attribute.strip()
    if uid_attribute.strip():
        account_mapping["uid"] = uid_attribute.strip()
    old = _audit_settings(app) if app is not None else None
    app = app or SocialApp(provider=queries.SAML)
    app.provider_id = key
    app.client_id = key
    app.name = name.strip()[:40] or key
    app.settings = {
        **(app.settings or {}),
        "idp": idp,
        "attribute_mapping": account_mapping,
        "create_accounts": create_accounts,
        "trust_email": trust_email,
    }
    app.save()
    log_event(
        actor=actor, action="sso.provider_saved", old=old, new=_audit_settings(app), request=request
    )
    return app


@transaction.atomic
def update_mapping(
    *, actor: User, app: SocialApp, mapping: Mapping[str, str], request: HttpRequest | None = None
) -> SocialApp:
    """Which claim or attribute fills each profile attribute (empty: not filled)."""
    _require_admin(actor)
    if app.pk is None:
        raise ValidationError(_("This provider is set in the environment: change it there."))
    old = queries.mapping_of(app)
    app.settings = {**(app.settings or {}), "profile_mapping": _clean_mapping(mapping)}
    app.save(update_fields=["settings"])
    log_event(
        actor=actor,
        action="sso.provider_saved",
        old={"key": queries.provider_key(app), "profile_mapping": old},
        new={"key": queries.provider_key(app), "profile_mapping": app.settings["profile_mapping"]},
        request=request,
    )
    return app


@transaction.atomic
def delete_provider(*, actor: User, app: SocialApp, request: HttpRequest | None = None) -> None:
    _require_admin(actor)
    if app.pk is None:
        raise ValidationError(_("This provider is set in the environment: change it there."))
    old = _audit_settings(app)
    app.delete()
    log_event(actor=actor, action="sso.provider_deleted", old=old, request=request)


def parse_domains(text: str) -> list[str]:
    """Domains separated by commas, spaces or lines; raises ValidationError for a bad one."""
    domains: list[str] = []
    for raw in re.split(r"[\s,;]+", text):
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if not DOMAIN_PATTERN.match(domain):
            raise ValidationError(
                {"domains": _("“%(domain)s” is not an email domain.") % {"domain": raw}}
            )
        if domain not in domains:
            domains.append(domain)
    return domains


@transaction.atomic
def set_required_domains(
    *, actor: User, domains: Iterable[str], request: HttpRequest | None = None
) -> list[str]:
    """Require single sign-on for exactly these domains. Refused while no identity provider
    exists (nobody of those domains could sign in) or when it would lock the actor out."""
    _require_admin(actor)
    wanted = sorted(set(domains))
    old = queries.required_domains()
    if wanted and not queries.identity_providers():
        raise ValidationError(
            {"domains": _("Add an identity provider first: nobody could sign in otherwise.")}
        )
    if queries.email_domain(actor.email) in wanted and not queries.is_break_glass(actor):
        raise ValidationError(
            {
                "domains": _(
                    "Your own domain would require single sign-on: make yourself a break-glass "
                    "account first, so that you keep a way in."
                )
            }
        )
    RequiredSsoDomain.objects.exclude(domain__in=wanted).delete()
    for domain in wanted:
        RequiredSsoDomain.objects.get_or_create(domain=domain)
    if wanted != sorted(old):
        log_event(
            actor=actor,
            action="sso.domains_changed",
            old=sorted(old),
            new=wanted,
            request=request,
        )
    return wanted


@transaction.atomic
def add_break_glass(*, actor: User, person: User, request: HttpRequest | None = None) -> None:
    _require_admin(actor)
    if not person.is_admin:
        raise ValidationError(
            {"person": _("Only an active administrator can be a break-glass account.")}
        )
    _account, created = BreakGlassAccount.objects.get_or_create(user=person)
    if created:
        log_event(actor=actor, action="sso.break_glass_added", target=person, request=request)


@transaction.atomic
def remove_break_glass(*, actor: User, person: User, request: HttpRequest | None = None) -> None:
    _require_admin(actor)
    deleted, _rows = BreakGlassAccount.objects.filter(user=person).delete()
    if deleted:
        log_event(actor=actor, action="sso.break_glass_removed", target=person, request=request)


def record_password_refused(*, user: User, method: str, request: HttpRequest | None) -> None:
    log_event(
        actor=user,
        action="sso.password_refused",
        target=user,
        extra={"method": method},
        request=request,
    )


def end_provider_sessions(
    *, user: User, provider: str, session_keys: list[str], request: HttpRequest | None
) -> int:
    """A single logout started at the identity provider: the person's sessions it names end,
    with their sockets (`end_sessions`); audited."""
    count = end_sessions(user=user, session_keys=session_keys)
    log_event(
        actor=user,
        action="sso.provider_logout",
        target=user,
        extra={"provider": provider, "sessions": count},
        request=request,
    )
    return count


def set_two_factor_policy(
    *, actor: User, scope: str, grace_days: int, request: HttpRequest | None = None
) -> TwoFactorPolicy:
    """Require two-factor authentication of nobody, administrators or everyone, with `grace_days`
    to set it up, counted from now (a change of scope starts the count again)."""
    _require_admin(actor)
    if scope not in TwoFactorScope.values:
        raise ValidationError({"scope": _("Choose who must use two-factor authentication.")})
    if not 0 <= grace_days <= 365:
        raise ValidationError({"grace_days": _("Give between 0 and 365 days.")})
    with transaction.atomic():
        policy, _created = TwoFactorPolicy.objects.select_for_update().get_or_create(pk=1)
        old = {"scope": policy.scope, "grace_days": policy.grace_days}
        if scope != policy.scope or policy.since is None:
            policy.since = timezone.now()
        policy.scope = scope
        policy.grace_days = grace_days
        policy.save()
        new = {"scope": scope, "grace_days": grace_days}
        if new != old:
            log_event(
                actor=actor, action="sso.two_factor_policy", old=old, new=new, request=request
            )
        # Now (this request reads it again) and once committed (others read the new row).
        forget_now_and_at_commit(queries.TWO_FACTOR_CACHE_KEY)
    return policy


def set_session_policy(
    *, actor: User, idle_minutes: int, lifetime_hours: int, request: HttpRequest | None = None
) -> SessionPolicy:
    """Sign people out after `idle_minutes` without activity and `lifetime_hours` after signing
    in (0: no such limit). Open sessions follow the new policy at their next request."""
    _require_admin(actor)
    errors = {}
    if not 0 <= idle_minutes <= 60 * 24 * 30:
        errors["idle_minutes"] = _("Give between 0 and 43,200 minutes (30 days).")
    if not 0 <= lifetime_hours <= 24 * 365:
        errors["lifetime_hours"] = _("Give between 0 and 8,760 hours (a year).")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy, _created = SessionPolicy.objects.select_for_update().get_or_create(pk=1)
        old = {"idle_minutes": policy.idle_minutes, "lifetime_hours": policy.lifetime_hours}
        policy.idle_minutes = idle_minutes
        policy.lifetime_hours = lifetime_hours
        policy.save()
        new = {"idle_minutes": idle_minutes, "lifetime_hours": lifetime_hours}
        if new != old:
            log_event(actor=actor, action="sso.session_policy", old=old, new=new, request=request)
        forget_now_and_at_commit(queries.SESSION_POLICY_CACHE_KEY)
        transaction.on_commit(queries.forget_session_limits)
    return policy
