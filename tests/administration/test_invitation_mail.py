"""The invitation reaches a real SMTP server (aiosmtpd) and its link lets the person in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from cercle.accounts.actions import people
from cercle.accounts.models import Invitation
from cercle.administration import actions
from cercle.core.mail import site_url
from tests.factories import make_admin

pytestmark = pytest.mark.django_db


def test_invitation_is_delivered_by_smtp_with_a_working_link(
    smtp_server: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    admin = make_admin(first_name="Ada", last_name="Lovelace")
    with django_capture_on_commit_callbacks(execute=True):
        person = people.invite_person(
            actor=admin, email="nina@example.org", first_name="Nina", last_name="Simone"
        )
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "nina@example.org"
    assert "invited" in message["Subject"]
    text = smtp_server.texts()[0]
    assert "Hello Nina" in text and "Ada Lovelace" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    link = re.search(r"(http\S+/invitation/[\w-]+/)", text)
    assert link is not None and link.group(1) in html
    assert 'lang="en"' in html
    path = link.group(1).removeprefix(site_url())
    assert Invitation.objects.get(user=person).accepted_at is None
    client = Client(headers={"Accept-Language": "en"})
    response = client.get(path)
    assert response.status_code == 200
    response = client.post(
        path, {"password1": "a long new passphrase 42", "password2": "a long new passphrase 42"}
    )
    assert response.status_code in {200, 302}
    assert Invitation.objects.get(user=person).accepted_at is not None
    person.refresh_from_db()
    assert person.check_password("a long new passphrase 42")


def test_imported_people_receive_their_invitations_by_smtp(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = make_admin()
    data = b"email,first_name,last_name\na@example.org,A,Un\nb@example.org,B,Deux\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.start_import(actor=admin, filename="p.csv", data=data, send_invitations=True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.run_import_job(job_id=job.pk)
    messages = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["a@example.org", "b@example.org"]
