"""Shared fixtures: services (PostgreSQL, Redis) required in CI, skipped elsewhere when absent."""

from __future__ import annotations

import os

import pytest

from cercle.core.services import reachable

REQUIRE_SERVICES = os.environ.get("CERCLE_REQUIRE_SERVICES") == "1"
TEST_REDIS_URL = os.environ.get("CERCLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def require_service(name: str, ok: bool) -> None:
    """Skip when a server is missing, except in CI where a missing server is a failure."""
    if ok:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required (CERCLE_REQUIRE_SERVICES=1) but not reachable")
    pytest.skip(f"{name} not reachable")


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", reachable(TEST_REDIS_URL, 6379))
    return TEST_REDIS_URL


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """The cache holds rate-limit counters and the organisation: each test starts clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def mailoutbox_memory(settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
