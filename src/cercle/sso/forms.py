"""The login and sign-in-code forms, saying clearly when single sign-on is required."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from django import forms
from django.db.models import Q

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
