"""Single sign-on's administration pages (/manage/sso/): identity providers, their attribute
mapping and a connection test, the domains that must use single sign-on, break-glass accounts.
The writes are `cercle.sso.actions`' (audited there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.socialaccount.providers.base import AuthProcess
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercle.accounts.models import User
from cercle.administration.decorators import admin_required
from cercle.administration.sso_forms import (
    BreakGlassForm,
    MappingForm,
    OidcProviderForm,
    RequiredDomainsForm,
    SamlProviderForm,
    SessionPolicyForm,
    TwoFactorPolicyForm,
)
from cercle.administration.views import _message_error
from cercle.core.forms import error_into_form
from cercle.core.typing import AuthenticatedRequest
from cercle.sso import actions, queries
from cercle.sso.adapter import TEST_RESULT_SESSION_KEY, TEST_SESSION_KEY

KINDS = {"oidc": queries.OIDC, "saml": queries.SAML}


def _addresses(request: AuthenticatedRequest, provider: queries.Provider) -> list[tuple[str, str]]:
    """What to give the identity provider's administrator."""
    absolute = request.build_absolute_uri
    if provider.kind == queries.SAML:
        key = provider.key
        return [
            (_("Entity ID and metadata"), absolute(reverse("saml_metadata", args=[key]))),
            (_("Assertion consumer service (ACS)"), absolute(reverse("saml_acs", args=[key]))),
            (_("Single logout service (SLS)"), absolute(reverse("saml_sls", args=[key]))),
        ]
    return [
        (
            _("Redirect URI"),
            absolute(reverse("openid_connect_callback", kwargs={"provider_id": provider.key})),
        ),
        (_("Post-logout redirect URI"), absolute(reverse("account_login"))),
    ]


def _page(request: AuthenticatedRequest, **extra: Any) -> HttpResponse:
    domains_form = extra.pop("domains_form", None) or RequiredDomainsForm(
        initial={"domains": "\n".join(queries.required_domains())}
    )
    context = {
        "admin_section": "sso",
        "providers": queries.identity_providers(request),
        "domains_form": domains_form,
        "break_glass_form": extra.pop("break_glass_form", None) or BreakGlassForm(),
        "break_glass": queries.break_glass_accounts(),
        "two_factor_form": extra.pop("two_factor_form", None) or _two_factor_form(),
        "session_form": extra.pop("session_form", None) or _session_form(),
        **extra,
    }
    return render(request, "administration/sso.html", context)


def _two_factor_form() -> TwoFactorPolicyForm:
    policy = queries.two_factor_policy()
    return TwoFactorPolicyForm(initial={"scope": policy.scope, "grace_days": policy.grace_days})


def _save_policy(
    request: AuthenticatedRequest,
    form: forms.Form,
    form_key: str,
    save: Callable[[dict[str, Any]], object],
    saved: str,
) -> HttpResponse:
    """A policy form of the page posted: saved through its action (whose refusals go back into
    the form), then back to the page with `saved`; else the page again with the form's errors."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            error_into_form(form, error)
        else:
            messages.success(request, saved)
            return redirect("admin_sso")
    return _page(request, **{form_key: form})


@admin_required
@require_POST
def two_factor(request: AuthenticatedRequest) -> HttpResponse:
    return _save_policy(
        request,
        TwoFactorPolicyForm(request.POST),
        "two_factor_form",
        lambda data: actions.set_two_factor_policy(actor=request.user, request=request, **data),
        _("The two-factor policy is saved."),
    )


def _session_form() -> SessionPolicyForm:
    policy = queries.session_policy()
    return SessionPolicyForm(
        initial={"idle_minutes": policy.idle_minutes, "lifetime_hours": policy.lifetime_hours}
    )


@admin_required
@require_POST
def sessions(request: AuthenticatedRequest) -> HttpResponse:
    return _save_policy(
        request,
        SessionPolicyForm(request.POST),
        "session_form",
        lambda data: actions.set_session_policy(actor=request.user, request=request, **data),
        _("The session lifetime is saved."),
    )


@admin_required
def sso(request: AuthenticatedRequest) -> HttpResponse:
    return _page(request)


def _initial(provider: queries.Provider) -> dict[str, Any]:
    app = provider.app
    initial: dict[str, Any] = {
        "key": provider.key,
        "name": app.name,
        "create_accounts": provider.creates_accounts,
        "trust_email": provider.trusts_email,
    }
    if provider.kind == queries.OIDC:
        initial |= {
            "server_url": app.settings.get("server_url", ""),
            "client_id": app.client_id,
            "scopes": " ".join(app.settings.get("scope") or ["openid", "profile", "email"]),
        }
    else:
        idp = app.settings.get("idp", {})
        mapping = app.settings.get("attribute_mapping", {})
        initial |= {
            "metadata_url": idp.get("metadata_url", ""),
            "idp_entity_id": idp.get("entity_id", ""),
            "sso_url": idp.get("sso_url", ""),
            "slo_url": idp.get("slo_url", ""),
            "email_attribute": mapping.get("email", ""),
            "uid_attribute": mapping.get("uid", ""),
        }
    return initial


def _save(request: AuthenticatedRequest, kind: str, form: Any, app: Any) -> Any:
    data = form.cleaned_data
    common = {
        "actor": request.user,
        "app": app,
        "key": data["key"],
        "name": data["name"],
        "create_accounts": data["create_accounts"],
        "trust_email": data["trust_email"],
        "request": request,
    }
    if kind == queries.OIDC:
        return actions.save_oidc_provider(
            **common,
            server_url=data["server_url"],
            client_id=data["client_id"],
            secret=data["secret"],
            scopes=data["scopes"],
        )
    return actions.save_saml_provider(
        **common,
        metadata_url=data["metadata_url"],
        idp_entity_id=data["idp_entity_id"],
        sso_url=data["sso_url"],
        slo_url=data["slo_url"],
        x509cert=data["x509cert"],
        email_attribute=data["email_attribute"],
        uid_attribute=data["uid_attribute"],
    )


@admin_required
def add_provider(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    form_class = OidcProviderForm if kind == "oidc" else SamlProviderForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = _save(request, KINDS[kind], form, None)
        except ValidationError as error:
            error_into_form(form, error)
        else:
            messages.success(request, _("The identity provider is saved."))
            return redirect("admin_sso_provider", provider_key=queries.provider_key(app))
    return render(
        request,
        "administration/sso_provider.html",
        {"admin_section": "sso", "form": form, "kind": KINDS[kind], "provider": None},
    )


@admin_required
def provider(request: AuthenticatedRequest, provider_key: str) -> HttpResponse:
    found = queries.access_provider(provider_key, request)
    form_class = OidcProviderForm if found.kind == queries.OIDC else SamlProviderForm
    editable = not found.from_environment
    form = form_class(
        request.POST if request.method == "POST" and editable else None, initial=_initial(found)
    )
    if request.method == "POST" and editable and form.is_valid():
        try:
            app = _save(request, found.kind, form, found.app)
        except ValidationError as error:
            error_into_form(form, error)
        else:
            messages.success(request, _("The identity provider is saved."))
            return redirect("admin_sso_provider", provider_key=queries.provider_key(app))
    mapping_form = MappingForm(initial=found.mapping)
    return render(
        request,
        "administration/sso_provider.html",
        {
            "admin_section": "sso",
            "form": form,
            "kind": found.kind,
            "provider": found,
            "editable": editable,
            "mapping_form": mapping_form,
            "addresses": _addresses(request, found),
        },
    )


@admin_required
@require_POST
def mapping(request: AuthenticatedRequest, provider_key: str) -> HttpResponse:
    found = queries.access_provider(provider_key, request)
    form = MappingForm(request.POST)
    if form.is_valid():
        try:
            actions.update_mapping(
                actor=request.user, app=found.app, mapping=form.cleaned_data, request=request
            )
        except ValidationError as error:
            _message_error(request, error)
        else:
            messages.success(request, _("The attribute mapping is saved."))
    return redirect("admin_sso_provider", provider_key=found.key)


@admin_required
@require_POST
def delete_provider(request: AuthenticatedRequest, provider_key: str) -> HttpResponse:
    found = queries.access_provider(provider_key, request)
    try:
        actions.delete_provider(actor=request.user, app=found.app, request=request)
    except ValidationError as error:
        _message_error(request, error)
        return redirect("admin_sso_provider", provider_key=found.key)
    messages.success(request, _("The identity provider is deleted."))
    return redirect("admin_sso")


@admin_required
@require_POST
def test_provider(request: AuthenticatedRequest, provider_key: str) -> HttpResponse:
    """Start a sign-in at the provider that ends on the result page (see `sso.adapter`)."""
    found = queries.access_provider(provider_key, request)
    request.session[TEST_SESSION_KEY] = found.key
    request.session.pop(TEST_RESULT_SESSION_KEY, None)
    try:
        return found.app.get_provider(request).redirect(  # type: ignore[no-any-return]
            request,
            AuthProcess.LOGIN,
            next_url=reverse("admin_sso_test_result", args=[found.key]),
        )
    except Exception as error:  # unreachable provider, bad metadata: say so, never a 500
        request.session.pop(TEST_SESSION_KEY, None)
        messages.error(
            request,
            _("The identity provider could not be reached: %(error)s") % {"error": error},
        )
        return redirect("admin_sso_provider", provider_key=found.key)


@admin_required
def test_result(request: AuthenticatedRequest, provider_key: str) -> HttpResponse:
    found = queries.access_provider(provider_key, request)
    result = request.session.get(TEST_RESULT_SESSION_KEY)
    if not isinstance(result, dict) or result.get("provider") != found.key:
        result = None
    mapped = (result or {}).get("mapped", {})
    rows = [
        (label, found.mapping.get(name, ""), mapped.get(name, ""))
        for name, label, _claim in found.mapping_rows
    ]
    return render(
        request,
        "administration/sso_test.html",
        {"admin_section": "sso", "provider": found, "result": result, "rows": rows},
    )


@admin_required
@require_POST
def domains(request: AuthenticatedRequest) -> HttpResponse:
    form = RequiredDomainsForm(request.POST)
    if form.is_valid():
        try:
            saved = actions.set_required_domains(
                actor=request.user,
                domains=actions.parse_domains(form.cleaned_data["domains"]),
                request=request,
            )
        except ValidationError as error:
            error_into_form(form, error)
        else:
            messages.success(
                request,
                _("Single sign-on is now required for: %(domains)s.")
                % {"domains": ", ".join(saved)}
                if saved
                else _("No domain requires single sign-on."),
            )
            return redirect("admin_sso")
    return _page(request, domains_form=form)


@admin_required
@require_POST
def add_break_glass(request: AuthenticatedRequest) -> HttpResponse:
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        login = form.cleaned_data["person"].strip()
        person = User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).first()
        if person is None:
            form.add_error("person", _("Nobody has this username or email address."))
        else:
            try:
                actions.add_break_glass(actor=request.user, person=person, request=request)
            except ValidationError as error:
                error_into_form(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s keeps a password as a break-glass account.")
                    % {"name": person.display_name},
                )
                return redirect("admin_sso")
    return _page(request, break_glass_form=form)


@admin_required
@require_POST
def remove_break_glass(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    actions.remove_break_glass(actor=request.user, person=person, request=request)
    messages.success(request, _("The break-glass account is removed."))
    return redirect("admin_sso")
