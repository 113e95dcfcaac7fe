"""/manage/adoption/: the adoption figures for administrators and the communication/HR team, and
their CSV export. Read from the daily figures (`queries.dashboard`), never from raw activity."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cercle.accounts.queries import may_administer
from cercle.adoption import charts
from cercle.adoption.actions import MIN_GROUP
from cercle.adoption.queries import BOARD_TTL, PERIODS, board_key, csv_rows, dashboard


def _allowed(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_administer(request.user):
        raise PermissionDenied
    return None


def _period(request: HttpRequest) -> int:
    try:
        period = int(request.GET.get("period", PERIODS[0]))
    except ValueError:
        return PERIODS[0]
    return period if period in PERIODS else PERIODS[0]


@require_GET
def adoption(request: HttpRequest) -> HttpResponse:
    refused = _allowed(request)
    if refused is not None:
        return refused
    period = _period(request)
    # The figures change only when an aggregation runs: their HTML is drawn once per run.
    key = board_key(period, "page")
    board_html = cache.get(key)
    if board_html is None:
        board_html = render_to_string("adoption/_board.html", _board_context(period))
        cache.set(key, board_html, BOARD_TTL)
    context = {
        "board_html": mark_safe(board_html),  # noqa: S308 (our template's own output)
        "period": period,
        "periods": PERIODS,
        "min_group": MIN_GROUP,
        "admin_section": "adoption",
    }
    return render(request, "adoption/dashboard.html", context)


def _board_context(period: int) -> dict[str, Any]:
    board = dashboard(period)
    return {
        "board": board,
        "active_chart": charts.columns(
            [day.active_day for day in board.days], _("People active each day")
        ),
        "metric_charts": [
            (label, total, charts.columns([day.counts[index] for day in board.days], label))
            for index, (label, total) in enumerate(
                zip(board.metric_labels, board.totals, strict=True)
            )
        ],
        "reach": [
            (
                table,
                [
                    charts.bars(
                        [
                            (group.name, group.rates[index].share)
                            for group in (table.organisation, *table.departments, *table.sites)
                        ],
                        _("%(label)s: %(name)s") % {"label": table.label, "name": label},
                    )
                    for index, label in enumerate(table.rate_labels)
                ],
            )
            for table in board.reach
        ],
    }


@require_GET
def adoption_csv(request: HttpRequest) -> HttpResponse:
    """The organisation's daily figures; in French, the form Excel opens as it is (`;` and a
    byte-order mark)."""
    refused = _allowed(request)
    if refused is not None:
        return refused
    board = dashboard(_period(request))
    french = (get_language() or "").startswith("fr")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="adoption-{board.period}d.csv"'
    if french:
        response.write("\ufeff")
    writer = csv.writer(response, delimiter=";" if french else ",")
    writer.writerows(csv_rows(board))
    return response
