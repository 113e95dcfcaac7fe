"""The search pages: results (`/search/?q=`), suggestions as one types, recent searches."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cercle.accounts.models import User
from cercle.core.typing import AuthenticatedRequest
from cercle.search import actions, queries, registry
from cercle.search.forms import SearchForm, day_after, day_start
from cercle.spaces import queries as space_queries


@login_required
@require_GET
def search(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    context: dict[str, object] = {
        "form": form,
        "kinds": registry.kinds(),
        "file_types": [(key, label) for key, (label, _endings) in queries.FILE_TYPES.items()],
    }
    if not form.is_valid():
        return render(request, "search/results.html", context, status=400)
    data = form.cleaned_data
    text = data["q"]
    author = None
    if data["author"]:
        author = User.objects.filter(username__iexact=data["author"], is_active=True).first()
    # The filter's spaces (those one is a member of), read once: the search's relevance weighs
    # the same spaces (`own_spaces`), so it does not read them again.
    spaces = list(
        space_queries.visible_spaces(request.user)
        .filter(pk__in=space_queries.member_space_ids(request.user))
        .order_by("name")
        .values_list("pk", "name")
    )
    results = None
    if text:
        results = queries.search(
            request.user,
            text,
            kinds=[data["kind"]] if data["kind"] else None,
            space_id=data["space"],
            author_id=author.pk if author else (0 if data["author"] else None),
            date_from=day_start(data["start"]),
            date_to=day_after(data["end"]),
            file_type=data["type"] or None,
            sort="date" if data["sort"] == "date" else "relevance",
            offset=(data["page"] or 0) * queries.PAGE,
            own_spaces={pk for pk, _name in spaces},
        )
        actions.remember(request.user, text)
    keep = {key: value for key, value in request.GET.items() if key not in {"kind", "page"}}
    tabs = [
        {
            "key": "",
            "label": None,
            "count": results.total if results else 0,
            "capped": bool(results and results.total_capped),
            "url": "?" + urlencode(keep),
            "current": not data["kind"],
        }
    ] + [
        {
            "key": kind.key,
            "label": kind.label,
            "count": results.counts.get(kind.key, 0) if results else 0,
            "capped": bool(results and kind.key in results.capped),
            "url": "?" + urlencode({**keep, "kind": kind.key}),
            "current": data["kind"] == kind.key,
        }
        for kind in registry.kinds()
    ]
    more = None
    if results and results.next_offset is not None:
        more = "?" + urlencode({**request.GET.dict(), "page": (data["page"] or 0) + 1})
    context.update(
        {
            "q": text,
            "results": results,
            "tabs": tabs,
            "more": more,
            "budget": queries.BUDGET,
            "spaces": [{"pk": pk, "name": name} for pk, name in spaces[:100]],
            "recent": [] if text else queries.recent_searches(request.user),
        }
    )
    return render(request, "search/results.html", context)


@login_required
@require_GET
def suggest(request: AuthenticatedRequest) -> HttpResponse:
    """The header's suggestions as one types (an htmx fragment)."""
    text = request.GET.get("q", "")[:300]
    hits = queries.suggest(request.user, text) if text.strip() else []
    return render(
        request,
        "search/_suggestions.html",
        {"hits": hits, "q": text, "all_url": reverse("search") + "?" + urlencode({"q": text})},
    )


@login_required
@require_POST
def clear_recent(request: AuthenticatedRequest) -> HttpResponse:
    actions.forget_recent(request.user)
    return HttpResponseRedirect(reverse("search"))
