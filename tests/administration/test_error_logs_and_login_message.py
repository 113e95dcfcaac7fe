"""A 403 or 404 is one warning line in the server log, not a
traceback (5xx keep theirs); after login the message names the person by their display name."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import translation

from cercle.core.logging import ClientErrorWithoutTraceback
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_403_is_one_warning_line_without_traceback(caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    client.force_login(make_user())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/manage/").status_code == 403
    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden (Permission denied): /manage/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_404_is_one_warning_line_without_traceback(caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    client.force_login(make_user())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/spaces/no-such-space/").status_code == 404
    [record] = request_records(caplog)
    assert record.getMessage().startswith("Not Found: /spaces/no-such-space/")
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionDenied
    except PermissionDenied:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), exc_info)
    record.status_code = status
    return record


def test_server_errors_keep_their_traceback() -> None:
    quiet = ClientErrorWithoutTraceback()
    server_error = _record(500)
    assert quiet.filter(server_error) and server_error.exc_info is not None
    forbidden = _record(403)
    assert quiet.filter(forbidden) and forbidden.exc_info is None
    unrelated = logging.LogRecord("x", logging.ERROR, __file__, 1, "y", (), None)
    assert quiet.filter(unrelated)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Successfully signed in as Patrick Lemaire."), ("fr", "Patrick Lemaire")],
)
def test_the_login_message_uses_the_display_name(language: str, expected: str) -> None:
    person = make_user(username="patrick.lemaire", first_name="Patrick", last_name="Lemaire")
    client = Client(headers={"Accept-Language": language})
    with translation.override(language):
        response = client.post(
            "/accounts/login/", {"login": "patrick.lemaire", "password": PASSWORD}, follow=True
        )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(expected in m for m in shown), shown
    assert not any("patrick.lemaire" in m for m in shown)
    assert person.display_name == "Patrick Lemaire"
