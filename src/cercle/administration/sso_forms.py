"""Forms of the single sign-on administration page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cercle.accounts.actions.identity import IDENTITY_ATTRIBUTES
from cercle.sso.models import TwoFactorScope
from cercle.sso.queries import ATTRIBUTE_LABELS


class _ProviderForm(forms.Form):
    key = forms.CharField(
        label=_("Identifier"),
        max_length=63,
        help_text=_("Lower-case letters, digits and hyphens; part of the addresses below."),
    )
    name = forms.CharField(
        label=_("Name on the sign-in button"), max_length=40, help_text=_("E.g. “Entra ID”.")
    )
    create_accounts = forms.BooleanField(
        label=_("Create the account of a person signing in for the first time"),
        required=False,
        initial=True,
    )
    trust_email = forms.BooleanField(
        label=_("Trust the email addresses this provider sends (match existing people by them)"),
        required=False,
        initial=True,
    )


class OidcProviderForm(_ProviderForm):
    server_url = forms.CharField(
        label=_("Issuer URL"),
        max_length=500,
        help_text=_(
            "The address before /.well-known/openid-configuration, e.g. "
            "https://login.microsoftonline.com/<tenant>/v2.0."
        ),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=191)
    secret = forms.CharField(
        label=_("Client secret"),
        max_length=191,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the stored secret."),
    )
    scopes = forms.CharField(
        label=_("Scopes"),
        max_length=500,
        initial="openid profile email",
        help_text=_("Separated by spaces; add those that carry the mapped claims (e.g. phone)."),
    )


class SamlProviderForm(_ProviderForm):
    metadata_url = forms.CharField(
        label=_("Metadata URL"),
        max_length=500,
        required=False,
        help_text=_("Either the provider's metadata URL, or the three fields below."),
    )
    idp_entity_id = forms.CharField(label=_("Provider's entity ID"), max_length=500, required=False)
    sso_url = forms.CharField(label=_("Sign-in URL (SSO)"), max_length=500, required=False)
    slo_url = forms.CharField(label=_("Sign-out URL (SLO)"), max_length=500, required=False)
    x509cert = forms.CharField(
        label=_("Signing certificate (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Leave empty to keep the stored certificate."),
    )
    email_attribute = forms.CharField(
        label=_("Attribute holding the email address"),
        max_length=200,
        required=False,
        help_text=_("Empty: urn:oid:0.9.2342.19200300.100.1.3 (mail)."),
    )
    uid_attribute = forms.CharField(
        label=_("Attribute holding the person's unique ID"),
        max_length=200,
        required=False,
        help_text=_("Empty: the subject ID attribute, else the NameID."),
    )


class MappingForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in IDENTITY_ATTRIBUTES:
            self.fields[name] = forms.CharField(
                label=ATTRIBUTE_LABELS[name], max_length=200, required=False
            )


class RequiredDomainsForm(forms.Form):
    domains = forms.CharField(
        label=_("Email domains that must sign in through single sign-on"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line or separated by commas. Their password and sign-in code are then "
            "refused, except for the break-glass accounts below."
        ),
    )


class BreakGlassForm(forms.Form):
    person = forms.CharField(label=_("Administrator (username or email address)"), max_length=254)


class TwoFactorPolicyForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Require two-factor authentication of"), choices=TwoFactorScope.choices
    )
    grace_days = forms.IntegerField(
        label=_("Days to set it up"),
        min_value=0,
        max_value=365,
        help_text=_(
            "Counted from now (or from a newcomer's first day). After it, people who have not "
            "set it up can only do that."
        ),
    )


class SessionPolicyForm(forms.Form):
    idle_minutes = forms.IntegerField(
        label=_("Sign out after this many minutes without activity"),
        min_value=0,
        max_value=60 * 24 * 30,
        help_text=_("E.g. 30 on shared computers; 0: no limit."),
    )
    lifetime_hours = forms.IntegerField(
        label=_("Sign out this many hours after signing in"),
        min_value=0,
        max_value=24 * 365,
        help_text=_("E.g. 12 for a working day; 0: no limit."),
    )
