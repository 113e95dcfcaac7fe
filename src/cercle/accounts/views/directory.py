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
    filters = queries.DirectoryFilters(
        q=_param(request, "q"),
        department=_param(request, "department"),
        site=_param(request, "site"),
        skill=_param(request, "skill"),
        sort=_param(request, "sort") or "name",
    )
    status = 200
    try:
        page = queries.directory_page(
            request.user, filters, cursor=_param(request, "cursor") or None
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
        },
        status=status,
    )


@login_required
@require_GET
def experts(request: AuthenticatedRequest) -> HttpResponse:
    """Who knows X? Holders of a skill, best first, with the reason they rank."""
    wanted = _param(request, "skill")
    skill = queries.find_skill(wanted) if wanted else None
    suggestions = queries.skill_suggestions(wanted) if wanted and skill is None else []
    page: Page[object] = Page(items=[], next_cursor=None)
    status = 200
    if skill is not None:
        try:
            found = queries.experts_page(
                request.user, skill, cursor=_param(request, "cursor") or None
            )
            page = Page(
                items=[(u, queries.expert_reason(u)) for u in found.items],
                next_cursor=found.next_cursor,
            )
        except InvalidCursor:
            status = 400
    return render(
        request,
        "accounts/experts.html",
        {"wanted": wanted, "skill": skill, "suggestions": suggestions, "page": page},
        status=status,
    )
