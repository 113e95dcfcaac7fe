"""Django's createsuperuser makes a Cercle administrator, who reaches the administration pages."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from cercle.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_an_administrator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough password 42")
    call_command(
        "createsuperuser", "--no-input", username="root", email="root@example.org", verbosity=0
    )
    root = User.objects.get(username="root")
    assert root.role == Role.ADMIN
    assert root.is_superuser and root.is_staff
    client = Client()
    client.force_login(root)
    assert client.get("/manage/people/").status_code == 200
