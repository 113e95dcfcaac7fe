"""The audit log exported as CSV and JSON lines, streamed, with the page's filters."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from cercle.audit.actions import log_event
from cercle.audit.models import AuditEntry
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


def _body(response: object) -> str:
    return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]


def test_csv_and_json_lines() -> None:
    admin = make_admin()
    member = make_user()
    log_event(actor=member, action="auth.login", target=member)
    log_event(actor=admin, action="accounts.role_changed", target=member, new={"role": "=1+2"})
    client = Client()
    client.force_login(admin)
    response = client.get(reverse("privacy_audit_csv"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert len(rows) == AuditEntry.objects.count()  # newest first: this export's own entry
    assert rows[0]["action"] == "privacy.audit_exported"
    (changed,) = [row for row in rows if row["action"] == "accounts.role_changed"]
    assert changed["new_value"] == '{"role": "=1+2"}' and changed["actor"] == admin.username
    assert any(row["actor"] == member.username for row in rows if row["action"] == "auth.login")

    response = client.get(
        reverse("privacy_audit_jsonl"), {"action": "auth.login", "actor": member.username}
    )
    lines = [json.loads(line) for line in _body(response).splitlines()]
    assert [line["action"] for line in lines] == ["auth.login"]
    assert lines[0]["target_id"] == str(member.pk)
    # The export itself is audited.
    assert AuditEntry.objects.filter(action="privacy.audit_exported").count() == 2


def test_formulas_are_not_run_by_spreadsheets() -> None:
    admin = make_admin()
    log_event(actor=None, action='=HYPERLINK("x")')
    client = Client()
    client.force_login(admin)
    rows = list(csv.DictReader(io.StringIO(_body(client.get(reverse("privacy_audit_csv"))))))
    assert rows[-1]["action"] == '\'=HYPERLINK("x")'


def test_only_administrators_export() -> None:
    client = Client()
    client.force_login(make_user())
    assert client.get(reverse("privacy_audit_csv")).status_code == 403
    assert Client().get(reverse("privacy_audit_jsonl")).status_code == 302
