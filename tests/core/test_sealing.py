"""Secrets sealed at rest (cercle.core.sealing): an identity provider's client secret and the
directory's bind password are not in the database in clear, open again for the code that needs
them, survive a rotation of SECRET_KEY listed in SECRET_KEY_FALLBACKS, and the data migrations
seal what was stored in clear before (and open it again going back)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cercle.core import sealing
from cercle.directory import actions as directory_actions
from cercle.directory import queries as directory_queries
from cercle.directory.models import DirectorySettings
from cercle.sso import actions as sso_actions
from cercle.sso.adapter import SocialAccountAdapter
from tests.factories import make_admin


def test_seal_and_unseal() -> None:
    sealed = sealing.seal("cercle-secret")
    assert sealed.startswith("s1:") and "cercle-secret" not in sealed
    assert sealed != sealing.seal("cercle-secret")  # a fresh nonce each time
    assert sealing.unseal(sealed) == "cercle-secret"
    assert len(sealed) == sealing.sealed_length("cercle-secret")
    assert sealing.seal(sealed) == sealed  # not sealed twice
    assert sealing.seal("") == "" and sealing.unseal("") == ""
    assert sealing.unseal("stored in clear") == "stored in clear"


def test_a_rotated_key_still_opens_through_the_fallbacks(settings: Any) -> None:
    sealed = sealing.seal("été 2026")
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a new secret key " * 4
    assert sealing.unseal(sealed) == ""  # no fallback: nothing opens it, nothing crashes
    settings.SECRET_KEY_FALLBACKS = [old]
    assert sealing.unseal(sealed) == "été 2026"
    resealed = sealing.seal("été 2026")
    settings.SECRET_KEY_FALLBACKS = []
    assert sealing.unseal(resealed) == "été 2026"  # sealed again under the new key


def test_a_key_of_its_own_and_tampering(settings: Any) -> None:
    settings.CERCLE_SECRETS_KEY = "kept apart from SECRET_KEY"
    sealed = sealing.seal("x")
    assert sealing.unseal(sealed) == "x"
    settings.CERCLE_SECRETS_KEY = ""
    assert sealing.unseal(sealed) == ""
    settings.CERCLE_SECRETS_KEY = "kept apart from SECRET_KEY"
    # One bit of the sealed bytes flipped (a base64 character near the end may only carry padding
    # bits, so the text is not changed there).
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(sealing.PREFIX) :]))
    raw[-1] ^= 1
    flipped = sealing.PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()
    assert sealing.unseal(flipped) == ""
    assert sealing.unseal("s1:not base64 at all!") == ""


def _stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608  (fixed names)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_client_secret_is_stored_sealed_and_given_to_allauth_open() -> None:
    app = sso_actions.save_oidc_provider(
        actor=make_admin(),
        key="acme-idp",
        name="Acme ID",
        server_url="https://id.acme.example",
        client_id="cercle",
        secret="cercle-secret",
    )
    (stored,) = _stored("socialaccount_socialapp", "secret")
    assert stored.startswith("s1:") and "cercle-secret" not in stored
    (listed,) = SocialAccountAdapter().list_apps(None, provider="acme-idp")
    assert listed.secret == "cercle-secret"
    # Too long to fit the column once sealed: a clear refusal, nothing saved.
    with pytest.raises(ValidationError):
        sso_actions.save_oidc_provider(
            actor=make_admin(username="other"),
            app=app,
            key="acme-idp",
            name="Acme ID",
            server_url="https://id.acme.example",
            client_id="cercle",
            secret="x" * 150,
        )
    assert _stored("socialaccount_socialapp", "secret") == [stored]


@pytest.mark.django_db
def test_the_bind_password_is_stored_sealed_and_read_open() -> None:
    directory_actions.save_settings(
        actor=make_admin(),
        enabled=False,
        server_uri="ldap://127.0.0.1:1",
        bind_dn="cn=admin,dc=example,dc=org",
        bind_password="pw-of-the-directory",
        user_base_dn="ou=people,dc=example,dc=org",
        group_base_dn="",
    )
    (stored,) = _stored("directory_directorysettings", "bind_password")
    assert stored.startswith("s1:") and "pw-of-the-directory" not in stored
    row = DirectorySettings.objects.get()
    assert directory_queries.config_of(row).bind_password == "pw-of-the-directory"


@pytest.mark.django_db(transaction=True)
def test_the_migrations_seal_what_was_stored_in_clear_and_open_it_going_back() -> None:
    SocialApp.objects.create(provider="openid_connect", provider_id="old", secret="in-clear")
    DirectorySettings.objects.create(bind_password="old-password")
    executor = MigrationExecutor(connection)
    executor.migrate([("sso", "0003_session_policy"), ("directory", "0001_initial")])
    assert _stored("socialaccount_socialapp", "secret") == ["in-clear"]  # going back: opened
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    (secret,) = _stored("socialaccount_socialapp", "secret")
    (password,) = _stored("directory_directorysettings", "bind_password")
    assert secret.startswith("s1:") and sealing.unseal(secret) == "in-clear"
    assert password.startswith("s1:") and sealing.unseal(password) == "old-password"
