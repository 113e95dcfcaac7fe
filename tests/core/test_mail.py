"""Links in emails use the address the server is reached at (issue 17), through a real SMTP
server (aiosmtpd): SITE_URL when set, else the request that triggered the mail; production
sending real mail without SITE_URL refuses to start (system check cercle.E001)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse

from cercle.accounts.actions import people
from cercle.accounts.models import Invitation
from cercle.core.mail import check_site_url, last_mail, site_url
from tests.factories import make_admin

pytestmark = pytest.mark.django_db

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _invite_through_the_page(host: str, capture: Any) -> None:
    client = Client(headers={"Accept-Language": "en"}, HTTP_HOST=host)
    client.force_login(make_admin())
    with capture(execute=True):
        response = client.post(
            reverse("admin_invite"),
            {"email": "nina@example.org", "first_name": "Nina", "last_name": "S", "role": "member"},
        )
    assert response.status_code == 302


def _link(smtp_server: Any) -> str:
    smtp_server.wait_for(1)
    found = re.search(r"(http\S+/invitation/[\w-]+/)", smtp_server.texts()[0])
    assert found is not None
    return found.group(1)


def test_without_site_url_the_link_uses_the_address_of_the_request(
    smtp_server: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SITE_URL = ""
    # As under `make run PORT=8200`: the page was reached on port 8200, not the default 8000.
    _invite_through_the_page("127.0.0.1:8200", django_capture_on_commit_callbacks)
    link = _link(smtp_server)
    assert link.startswith("http://127.0.0.1:8200/invitation/")
    # The link works.
    path = link.removeprefix("http://127.0.0.1:8200")
    assert Client().get(path).status_code == 200


def test_site_url_wins_over_the_request(
    smtp_server: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SITE_URL = "https://cercle.example.org"
    _invite_through_the_page("127.0.0.1:8200", django_capture_on_commit_callbacks)
    assert _link(smtp_server).startswith("https://cercle.example.org/invitation/")


def test_mail_sent_with_no_request_uses_site_url(
    smtp_server: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SITE_URL = "https://intranet.example.org/"
    admin = make_admin()
    person = people.invite_person(
        actor=admin, email="t@example.org", first_name="T", last_name="T", send=False
    )
    # What the task does, outside any request.
    invitation = Invitation.objects.get(user=person)
    assert people.send_invitation_email(invitation_id=invitation.pk, language="en")
    assert _link(smtp_server).startswith("https://intranet.example.org/invitation/")
    assert site_url() == "https://intranet.example.org"


def test_production_sending_real_mail_needs_site_url(settings: Any) -> None:
    settings.DEBUG = False
    settings.SITE_URL = ""
    settings.EMAIL_BACKEND = "cercle.core.mail.RecordingBackend"
    settings.CERCLE_EMAIL_BACKEND = SMTP
    [error] = check_site_url()
    assert error.id == "cercle.E001"
    assert "SITE_URL" in error.msg and "SITE_URL=https://" in (error.hint or "")
    with pytest.raises(SystemCheckError, match="SITE_URL is not set"):
        call_command("check")
    # Set, or in development, or with mail that stays on the machine: no error.
    settings.SITE_URL = "https://cercle.example.org"
    assert check_site_url() == []
    settings.SITE_URL = ""
    settings.DEBUG = True
    assert check_site_url() == []
    settings.DEBUG = False
    settings.CERCLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert check_site_url() == []


def test_the_recording_backend_sends_through_smtp_and_keeps_the_last_mail(
    smtp_server: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "cercle.core.mail.RecordingBackend"
    settings.CERCLE_EMAIL_BACKEND = SMTP
    assert last_mail() is None
    mail.send_mail("Bonjour", "Texte", "cercle@example.org", ["a@example.org", "b@example.org"])
    assert len(smtp_server.wait_for(1)) == 1
    record = last_mail()
    assert record is not None
    assert record.subject == "Bonjour" and record.recipients == 2
