"""The page Content-Security-Policy (`cercle.core.security`) and HSTS: on every page, error pages
included, with a fresh nonce each time that the page's own inline style carries; a response that
set its own policy (an uploaded file's sandbox) keeps it. The browser walk
(`tests/e2e/test_accessibility.py`) checks that Chromium refuses nothing on any page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from cercle.core import uploads
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'")


def directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def test_a_page_has_the_policy_and_its_style_the_nonce() -> None:
    client = Client()
    client.force_login(make_user())
    response = client.get("/")
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    policy = directives(header)
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    match = NONCE.search(header)
    assert match is not None, header
    nonce = match.group(1)
    assert policy["style-src"] == f"'self' 'nonce-{nonce}'"
    html = response.content.decode()
    # Every inline <style> and <script> of the page carries the nonce; no inline handler.
    for tag in re.findall(r"<style[^>]*>", html):
        assert f'nonce="{nonce}"' in tag, tag
    for tag in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html):
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+=\"", html)
    assert not re.search(r"\sstyle=\"", html)


def test_each_response_has_a_new_nonce() -> None:
    client = Client()
    first = NONCE.search(client.get("/accounts/login/")["Content-Security-Policy"])
    second = NONCE.search(client.get("/accounts/login/")["Content-Security-Policy"])
    assert first and second and first.group(1) != second.group(1)


@pytest.mark.parametrize("path", ["/no-such-page/", "/manage/people/"])
def test_error_pages_have_the_policy(path: str) -> None:
    client = Client()
    client.force_login(make_user())
    response = client.get(path)
    assert response.status_code in (403, 404)
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == "'none'"


def test_an_uploaded_file_keeps_its_sandbox(
    settings: pytest.FixtureRequest, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    (tmp_path / "page.html").write_text("<script>alert(1)</script>")
    response = Client().get("/media/page.html")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == uploads.SANDBOX


def test_hsts_over_https_only(settings: pytest.FixtureRequest) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000  # type: ignore[attr-defined]
    assert "Strict-Transport-Security" not in Client().get("/accounts/login/")
    secure = Client().get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
