"""Admins require two-factor authentication of everyone or of admins, with a grace period:
after it, a person without it is sent to set it up; with it, or before the deadline, nothing
changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cercle.audit.models import AuditEntry
from cercle.sso.models import TwoFactorPolicy
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


def set_policy(admin_client: Client, scope: str, days: int) -> None:
    response = admin_client.post("/manage/sso/two-factor/", {"scope": scope, "grace_days": days})
    assert response.status_code == 302, response.content.decode()[:2000]


def signed_in(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_admins_only_past_the_grace_period_are_sent_to_set_it_up() -> None:
    it = make_admin(username="it", email="it@example.org")
    set_policy(signed_in(it), "admins", 0)
    other_admin = make_admin(username="other", email="other@example.org")
    member = make_user(username="mel")
    response = signed_in(other_admin).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # Setting it up stays open (allauth first asks for the password again).
    setup = signed_in(other_admin).get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 200 or setup["Location"].startswith("/accounts/reauthenticate/")
    assert signed_in(member).get("/").status_code == 200
    assert AuditEntry.objects.filter(action="sso.two_factor_policy", actor=it).exists()


def test_the_grace_period_gives_time_and_everyone_includes_members() -> None:
    it = make_admin(username="it", email="it@example.org")
    set_policy(signed_in(it), "everyone", 7)
    member = make_user(username="mel")
    assert signed_in(member).get("/").status_code == 200
    TwoFactorPolicy.objects.filter(pk=1).update(since=timezone.now() - timedelta(days=30))
    cache.clear()
    member.date_joined = timezone.now() - timedelta(days=30)
    member.save(update_fields=["date_joined"])
    assert signed_in(member).get("/")["Location"] == "/accounts/2fa/totp/activate/"
    # Someone who has it set up is never stopped.
    Authenticator.objects.create(user=member, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert signed_in(member).get("/").status_code == 200


def test_bad_values_are_refused_and_change_nothing() -> None:
    client = signed_in(make_admin(username="it", email="it@example.org"))
    page = client.post("/manage/sso/two-factor/", {"scope": "everyone", "grace_days": 900})
    assert page.status_code == 200
    page = client.post("/manage/sso/two-factor/", {"scope": "aliens", "grace_days": 3})
    assert page.status_code == 200
    assert not TwoFactorPolicy.objects.exists()
    assert signed_in(make_user()).post("/manage/sso/two-factor/", {}).status_code == 403
