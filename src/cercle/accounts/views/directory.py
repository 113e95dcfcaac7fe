"""The directory and the expert finder."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cercle.accounts import queries
from cercle.core.pagination import InvalidCursor, Page
from cercle.core.typing import AuthenticatedRequest

MAX_PARAM = 200


def _param(request: AuthenticatedRequest, name: str) -> str:
    return (request.GET.get(name) or "")[:MAX_PARAM].strip()


@login_required
@require_GET
def directory(request: AuthenticatedRequest) -> HttpResponse:
    q = _param(request, "q")
    filters = queries.DirectoryFilters(
        q=q,
        department=_param(request, "department"),
        site=_param(request, "site"),
        skill=_param(request, "skill"),
        # A search comes best match first unless another order is asked for.
        sort=_param(request, "sort") or ("relevance" if q else "name"),
    )
    status = 200
    try:
        page = queries.directory_page(
            request.user, filters, cursor=_param(request, "cursor") or None, with_count=True
        )
    except InvalidCursor:
        page, status = queries.DirectoryPage(items=[], next_cursor=None, sort=filters.sort), 400
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "accounts/directory.html",
        {
            "filters": filters,
            "page": page,
            "departments": queries.departments(),
            "sites": queries.sites(),
            "base_query": query.urlencode(),
            "bad_cursor": status == 400,
            # A search too broad to sort by name comes newest first: say so.
            "sorted_newest_first": page.sort == "recent" and filters.sort != "recent",
            # The filters besides the search words that are set, for the folded form's summary.
            "active_filters": sum(
                1 for value in (filters.department, filters.site, filters.skill) if value
            ),
        },
        status=status,
    )


@login_required
@require_GET
def experts(request: AuthenticatedRequest) -> HttpResponse:
    """Who knows X? People holding a skill whose name holds the words searched, or speaking a
    language so named: exact matches first, then by level and endorsements, with the reason."""
    wanted = _param(request, "skill")
    found = queries.expert_search(wanted) if wanted else None
    suggestions = (
        queries.skill_suggestions(wanted) if wanted and (found is None or not found.matched) else []
    )
    page: Page[queries.ExpertResult] = Page(items=[], next_cursor=None)
    status = 200
    if found is not None and found.matched:
        try:
            page = queries.find_experts(
                request.user, found, cursor=_param(request, "cursor") or None
            )
        except InvalidCursor:
            status = 400
    return render(
        request,
        "accounts/experts.html",
        {"wanted": wanted, "found": found, "suggestions": suggestions, "page": page},
        status=status,
    )
