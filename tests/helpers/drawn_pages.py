"""Whole pages drawn twice, with the former templates kept under a test's `reference/` folder and
with today's code, compared byte for byte (issue 15: parts drawn in Python or kept drawn must
give the very pages the templates gave)."""

from __future__ import annotations

import copy
import difflib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from cercle.accounts.models import User

# What differs from one request to the next whatever draws the page: the CSRF token's mask, the
# CSP nonce, the socket's token, the moment the page was drawn.
VARYING = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": ""'),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
    (re.compile(r'data-token="[^"]+"'), 'data-token=""'),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00"), "NOW"),
]


def reference_templates(
    reference: Path, libraries: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The TEMPLATES setting with `reference` looked in first (and template libraries replaced)."""
    templates: list[dict[str, Any]] = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [reference, *templates[0]["DIRS"]]
    if libraries:
        templates[0]["OPTIONS"]["libraries"] = libraries
    return templates


def page(client: Client, url: str, status: int | None = 200) -> str:
    response = client.get(url)
    assert status is None or response.status_code == status, (url, response.status_code)
    text = response.content.decode()
    for pattern, replacement in VARYING:
        text = pattern.sub(replacement, text)
    return text


def same_page(
    client: Client,
    url: str,
    who: str,
    templates: list[dict[str, Any]],
    status: int | None = 200,
) -> str:
    """The page drawn with `templates` (the former ones) and as today: the same, or the diff."""
    with override_settings(TEMPLATES=templates):
        before = page(client, url, status)
    after = page(client, url, status)
    if before != after:
        diff = "\n".join(
            difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2)
        )
        pytest.fail(f"{who} {url}: the page changed\n{diff}")
    return after


def settled(user: User) -> User:
    """Joined long ago: no newcomer's welcome on their pages (the same in both drawings)."""
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=400))
    user.refresh_from_db()
    return user
