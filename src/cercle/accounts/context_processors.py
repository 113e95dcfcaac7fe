"""What the base layout needs on every page: the organisation's branding and what of the
administration the person may open (its link in the header, its navigation)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from cercle.accounts.queries import admin_rights, get_organisation, may_change_email


def layout(request: HttpRequest) -> dict[str, Any]:
    # A request refused before the authentication middleware ran (a Host header not allowed is a
    # 400 drawn by Django's error view) has no user: drawn as for an anonymous visitor, not a 500.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "organisation": get_organisation(),
        "admin_rights": admin_rights(user),
        # The email page shows "Add" and "Remove" only when the policy allows them.
        "may_change_email": may_change_email(user),
    }
