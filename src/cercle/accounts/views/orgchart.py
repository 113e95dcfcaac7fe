"""The org chart: a person's chain of managers and direct reports; department and site pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cercle.accounts import queries
from cercle.core.pagination import InvalidCursor, Page
from cercle.core.typing import AuthenticatedRequest


@login_required
@require_GET
def orgchart(request: AuthenticatedRequest, username: str) -> HttpResponse:
    profile = queries.access_profile(request.user, username)
    chain = queries.manager_chain(request.user, profile)
    return render(
        request,
        "accounts/orgchart.html",
        {
            "profile": profile,
            "person": profile.user,
            # From the top down to the person.
            "chain": list(reversed(chain)),
            "direct_reports": queries.direct_reports(request.user, profile.user),
        },
    )


def _members(request: AuthenticatedRequest, filters: queries.DirectoryFilters) -> tuple[Page, int]:  # type: ignore[type-arg]
    try:
        cursor = (request.GET.get("cursor") or "")[:1000] or None
        return queries.directory_page(request.user, filters, cursor=cursor), 200
    except InvalidCursor:
        return Page(items=[], next_cursor=None), 400


@login_required
@require_GET
def department(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    record = queries.access_department(request.user, slug)
    page, status = _members(request, queries.DirectoryFilters(department=record.slug))
    return render(
        request,
        "accounts/group.html",
        {"record": record, "kind": "department", "page": page},
        status=status,
    )


@login_required
@require_GET
def site(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    record = queries.access_site(request.user, slug)
    page, status = _members(request, queries.DirectoryFilters(site=record.slug))
    return render(
        request,
        "accounts/group.html",
        {"record": record, "kind": "site", "page": page},
        status=status,
    )
