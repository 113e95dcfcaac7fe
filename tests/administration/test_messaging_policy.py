"""Review 2, finding 8: the organisation's messaging policy is in the administration.

The read-receipts switch is on /manage/messaging/ (changed by chat's own action, audited with the
address); /messages/settings/ keeps only one's own choice and says when the organisation
switched receipts off."""

from __future__ import annotations

import pytest
from django.test import Client

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.chat import queries as chat_queries
from cercle.chat.models import ChatSettings
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db

URL = "/manage/messaging/"


def client_for(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"}, REMOTE_ADDR="203.0.113.9")
    client.force_login(user)
    return client


def test_the_admin_nav_links_to_the_messaging_policy() -> None:
    page = client_for(make_admin()).get("/manage/organisation/").content.decode()
    assert f'href="{URL}"' in page


def test_an_admin_switches_receipts_off_and_on_with_an_audit_entry() -> None:
    admin = make_admin()
    client = client_for(admin)
    page = client.get(URL).content.decode()
    assert 'name="read_receipts"' in page and "checked" in page
    response = client.post(URL, {})
    assert response.status_code == 302 and response["Location"] == URL
    assert not ChatSettings.objects.get(pk=1).read_receipts
    entry = AuditEntry.objects.get(action="chat.settings_changed")
    assert entry.actor == admin
    assert entry.old_value == {"read_receipts": True}
    assert entry.new_value == {"read_receipts": False}
    assert entry.ip_address == "203.0.113.9"  # chat's action is not handed the request
    assert "checked" not in client.get(URL).content.decode()
    client.post(URL, {"read_receipts": "on"})
    assert chat_queries.chat_settings().read_receipts
    assert AuditEntry.objects.filter(action="chat.settings_changed").count() == 2


@pytest.mark.parametrize("role", ["member", "staff"])
def test_others_may_not_see_or_change_it(role: str) -> None:
    client = client_for(make_user(role=role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {}).status_code == 403
    assert chat_queries.chat_settings().read_receipts
    assert not AuditEntry.objects.filter(action="chat.settings_changed").exists()


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().post(URL, {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert chat_queries.chat_settings().read_receipts


def test_personal_settings_keep_only_the_personal_switch() -> None:
    admin = make_admin()
    client = client_for(admin)
    page = client.get("/messages/settings/").content.decode()
    assert 'name="org_read_receipts"' not in page
    assert 'name="read_receipts"' in page
    assert "switched off by your organisation" not in page
    # Saving one's own choice (even as an admin) never touches the organisation's switch.
    client.post("/messages/settings/", {})
    assert not chat_queries.own_read_receipts(admin)
    assert chat_queries.chat_settings().read_receipts
    assert not AuditEntry.objects.filter(action="chat.settings_changed").exists()


def test_personal_settings_say_when_the_organisation_switched_receipts_off() -> None:
    client_for(make_admin()).post(URL, {})
    member = client_for(make_user())
    page = member.get("/messages/settings/").content.decode()
    assert "Read receipts are switched off by your organisation" in page
    assert URL not in page  # only administrators are pointed to the administration
