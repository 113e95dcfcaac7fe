"""A sign-in counts as coming that day (the page's live connection counts too: consumers.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in

from cercle.adoption.actions import record_active_day


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_active_day(user.pk)


def register() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="adoption_signed_in")
