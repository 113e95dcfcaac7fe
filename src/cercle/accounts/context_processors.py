"""What the base layout needs on every page: the organisation's branding and what of the
administration the person may open (its link in the header, its navigation)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cercle.accounts.queries import admin_rights, get_organisation, may_change_email


def layout(request: HttpRequest) -> dict[str, Any]:
    return {
        "organisation": get_organisation(),
        "admin_rights": admin_rights(request.user),
        # The email page shows "Add" and "Remove" only when the policy allows them.
        "may_change_email": may_change_email(request.user),
    }
