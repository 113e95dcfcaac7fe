"""Sign-in by LDAP bind (django-auth-ldap): the login form's username (or email address) is
looked up in the company directory with the service account, then bound with the password
given. A person the directory knows and Cercle does not yet is created there and then — a
whole person, as the synchronisation makes them; a person deactivated in Cercle, disabled in
the directory or whose domain requires single sign-on is refused.

The directory is the one of the administration page (or of `CERCLE_LDAP_*`); with none, this
backend answers nobody without contacting anything. A wrong password is a failed sign-in like
any other: allauth counts it against the login limit.
"""

from __future__ import annotations

from typing import Any

import ldap
from django.conf import settings as django_settings
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPSearch, LDAPSettings

from cercle.accounts.models import User
from cercle.directory import actions, queries, reader
from cercle.sso.queries import sso_required_for


def _connection_options() -> dict[int, Any]:
    options: dict[int, Any] = {ldap.OPT_NETWORK_TIMEOUT: reader.TIMEOUT}
    ca_file = (getattr(django_settings, "CERCLE_LDAP", {}) or {}).get("ca_file")
    if ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: applies the options above
    return options


class DirectoryBackend(LDAPBackend):
    _config: reader.Config | None = None

    @property
    def settings(self) -> LDAPSettings:
        config = self._config
        assert config is not None
        alternatives = "".join(
            f"({name}=%(user)s)" for name in [*config.names("username"), *config.names("email")]
        )
        return LDAPSettings(
            "CERCLE_LDAP_UNUSED_",
            {
                "SERVER_URI": config.server_uri,
                "BIND_DN": config.bind_dn,
                "BIND_PASSWORD": config.bind_password,
                "START_TLS": config.start_tls,
                "USER_SEARCH": LDAPSearch(
                    config.user_base_dn,
                    ldap.SCOPE_SUBTREE,
                    f"(&{config.people_filter}(|{alternatives}))",
                    config.requested_attributes(),
                ),
                "ALWAYS_UPDATE_USER": False,
                "CONNECTION_OPTIONS": _connection_options(),
                "CACHE_TIMEOUT": 0,
            },
        )

    @settings.setter
    def settings(self, value: Any) -> None:  # django-auth-ldap's own setter; unused here
        pass

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        login = username or kwargs.get("email")
        if not login or not password:
            return None
        self._config = queries.config()
        if self._config is None:
            return None
        user = super().authenticate(request, username=str(login), password=password)
        if user is None or not user.is_active or sso_required_for(user):
            return None
        return user

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        assert self._config is not None
        raw = {
            name: [value if isinstance(value, bytes) else str(value).encode() for value in values]
            for name, values in (ldap_user.attrs or {}).items()
        }
        entry = reader.read_person({"dn": ldap_user.dn, "raw_attributes": raw}, self._config)
        person = actions.person_for_sign_in(entry)
        if person is None:
            raise ldap_user.AuthenticationFailed("refused by Cercle")
        return person, False

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()

    def get_group_permissions(self, user: Any, obj: Any = None) -> set[str]:
        return set()
