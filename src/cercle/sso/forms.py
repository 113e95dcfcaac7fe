"""The login and sign-in-code forms, saying clearly when single sign-on is required; the form
adding a security key, without passkeys then."""

from __future__ import annotations

import json
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm as AllauthAddWebAuthnForm
from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _

from cercle.accounts.forms_auth import LoginForm as AccountsLoginForm
from cercle.accounts.models import User
from cercle.sso import actions, queries
from cercle.sso.adapter import sso_required_message


class LoginForm(AccountsLoginForm):
    def clean(self) -> dict[str, Any]:
        login = str(self.data.get("login") or "").strip()
        password = str(self.data.get("password") or "")
        if login and password:
            user = (
                User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
                .order_by("pk")
                .first()
            )
            if user is not None and queries.sso_required_for(user):
                # Said only to whoever knows the password, so the message reveals no account;
                # and counted by allauth's limit on failed logins first, so it is no way round
                # that limit (a locked-out attempt stops here with allauth's own message).
                get_adapter(self.request).pre_authenticate(self.request, **self.user_credentials())
                if user.check_password(password):
                    actions.record_password_refused(
                        user=user, method="password", request=self.request
                    )
                    raise forms.ValidationError(sso_required_message(), code="sso_required")
            elif user is None and "@" in login and queries.domain_requires_sso(login):
                # The address's domain says as much as the message.
                raise forms.ValidationError(sso_required_message(), code="sso_required")
        return super().clean()  # type: ignore[no-any-return]


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    def clean_email(self) -> str:
        email = str(super().clean_email() or "")
        if email and queries.domain_requires_sso(email):
            user = User.objects.filter(email__iexact=email).first()
            if user is None or queries.sso_required_for(user):
                raise forms.ValidationError(sso_required_message(), code="sso_required")
        return email


class AddWebAuthnForm(AllauthAddWebAuthnForm):
    """allauth's form adding a security key, without passkeys (keys that sign in alone) for
    people whose domain requires single sign-on: their identity provider is the only way in, as
    Entra ID and Okta have it (break-glass administrators excepted). A key used as a second
    factor stays allowed. The passkey's sign-in itself is refused too (adapter.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sso_required = queries.sso_required_for(self.user)
        if self.sso_required:
            self.fields.pop("passwordless", None)

    def clean(self) -> dict[str, Any]:
        if self.sso_required:
            asked = str(self.data.get("passwordless") or "").lower()
            if asked in {"on", "true", "1", "yes"} or _discoverable(self.data.get("credential")):
                raise forms.ValidationError(sso_required_message("passkey_add"))
        try:
            return super().clean()  # type: ignore[no-any-return]
        except (ValueError, KeyError, TypeError) as error:
            # A credential that is no WebAuthn answer: allauth's parser lets it out as a 500.
            raise forms.ValidationError(
                _("The security key's answer could not be read: try again.")
            ) from error


def _discoverable(credential: Any) -> bool:
    """Whether the browser says it made a discoverable credential (a passkey: its extension
    `credProps.rk`)."""
    if isinstance(credential, str):
        try:
            credential = json.loads(credential)
        except ValueError:
            return False
    if not isinstance(credential, dict):
        return False
    results = credential.get("clientExtensionResults")
    props = results.get("credProps") if isinstance(results, dict) else None
    return isinstance(props, dict) and props.get("rk") is True
