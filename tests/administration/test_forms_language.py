"""Admin forms read in the page's language (issue 17): file fields have a translated button
instead of the browser's own, and dates are typed and shown in the person's format."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cercle.audit.actions import log_event
from cercle.audit.models import AuditEntry
from tests.factories import make_admin

pytestmark = pytest.mark.django_db


def client_for(language: str) -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(make_admin())
    return client


@pytest.mark.parametrize(
    ("language", "button", "none"),
    [
        ("fr", "Choisir un fichier", "Aucun fichier choisi"),
        ("en", "Choose a file", "No file chosen"),
    ],
)
def test_file_fields_have_a_translated_button(language: str, button: str, none: str) -> None:
    client = client_for(language)
    for name in ("admin_import", "admin_organisation"):
        page = client.get(reverse(name)).content.decode()
        assert "data-file-field" in page, name
        assert f">{button}</label>" in page and none in page, name
        assert "cercle/js/admin.js" in page


def test_dates_are_typed_and_shown_in_the_persons_format() -> None:
    admin = make_admin()
    log_event(actor=admin, action="accounts.site_created")
    old = log_event(actor=admin, action="accounts.site_deleted")
    AuditEntry.objects.filter(pk=old.pk).update(
        created_at=timezone.make_aware(dt.datetime(2026, 3, 9, 12))
    )
    client = Client(headers={"Accept-Language": "fr"})
    client.force_login(admin)
    response = client.get(
        reverse("admin_audit"), {"date_from": "01/03/2026", "date_to": "10/03/2026"}
    )
    page = response.content.decode()
    field = re.search(r'<input[^>]*name="date_from"[^>]*>', page)
    assert field is not None
    assert 'type="text"' in field.group(0) and 'value="01/03/2026"' in field.group(0)
    assert 'placeholder="jj/mm/aaaa"' in field.group(0)
    assert [row["entry"].pk for row in response.context["entries"]] == [old.pk]
    with translation.override("en"):
        english = client_for("en").get(reverse("admin_audit"), {"date_from": "2026-03-01"})
    field = re.search(r'<input[^>]*name="date_from"[^>]*>', english.content.decode())
    assert field is not None and 'value="2026-03-01"' in field.group(0)
