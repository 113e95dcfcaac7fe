from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_user


@pytest.fixture(autouse=True)
def documents_storage(settings: Any, tmp_path: Path) -> Path:
    """The documents' storage in a directory of the test's own."""
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/no-url/"},
        },
    }
    return root


@pytest.fixture
def anne() -> Any:
    """Anne, with an address (a module may have an Anne of its own)."""
    return make_user(username="anne", email="anne@example.org", first_name="Anne")


@pytest.fixture
def bruno() -> Any:
    return make_user(username="bruno", first_name="Bruno")
