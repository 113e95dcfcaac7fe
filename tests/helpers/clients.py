"""Django test clients signed in as a person."""

from __future__ import annotations

from typing import Any

from django.test import Client


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
