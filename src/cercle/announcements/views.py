"""Pages of announcements: the home page's banners (fragment), making a post an announcement
(or changing it), taking it back, dismissing or confirming one, and the read confirmations (page,
reminder, CSV export).

Thin views: they read through `cercle.announcements.queries` and write through its `actions`;
the feed's helpers (`param`, `back`, `error_text`) are reused.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cercle.announcements import actions, queries
from cercle.announcements.models import Announcement
from cercle.core.markdown import markdown_to_text
from cercle.core.typing import AuthenticatedRequest
from cercle.feed import queries as feed_queries
from cercle.feed.queries import NotFound
from cercle.feed.views import back, error_text, is_htmx, param

# The report quotes the announcement as plain text, at most this long.
EXCERPT_LENGTH = 300


@login_required
@require_GET
def announcements(request: AuthenticatedRequest) -> HttpResponse:
    """The home page's announcement banners, fetched again by the page when the socket says a
    new one targets me (`feed.announcement`) and after a reconnection (a fragment, asked with
    `HX-Request`); opened in the browser, the same banners as a whole page."""
    feed_filter = param(request, "filter") or "all"
    home = reverse("home")
    if feed_filter in feed_queries.FILTERS and feed_filter != "all":
        home = f"{home}?filter={feed_filter}"
    context = {
        "announcements": queries.shown_announcements(request.user),
        "announcement_next": home,
    }
    if is_htmx(request):
        return render(request, "announcements/_banners.html", context)
    return render(request, "announcements/announcements.html", context)


def targets(data: QueryDict) -> tuple[list[Any], list[Any]]:
    """The departments and sites ticked in an announcement form (unknown ids left out)."""
    return queries.announcement_targets(
        [int(v) for v in data.getlist("departments")[:500] if v.isdigit()],
        [int(v) for v in data.getlist("sites")[:500] if v.isdigit()],
    )


def announced_message(announcement: Announcement) -> str:
    """The success message of a new (or changed) announcement: with the link to its read
    confirmations when it asks for them."""
    if not announcement.requires_ack:  # no confirmations to follow
        return _("The announcement is published.")
    return format_html(
        '{} <a href="{}">{}</a>',
        _("The announcement is published."),
        reverse("announcement_report", args=[announcement.pk]),
        _("Follow its read confirmations"),
    )


@login_required
def announce(request: AuthenticatedRequest, post_id: int) -> HttpResponse:

    post = feed_queries.access_post(request.user, post_id)
    if not queries.can_announce(request.user, post):
        raise PermissionDenied
    if request.method == "POST":
        departments, sites = targets(request.POST)
        announcement = actions.announce(
            actor=request.user,
            post=post,
            departments=departments,
            sites=sites,
            requires_ack=request.POST.get("requires_ack") == "on",
        )
        messages.success(request, announced_message(announcement))
        return redirect("post", post.pk)
    current = queries.announcement_of(post)
    # An announcement already: its targets ticked, to change them.
    chosen_departments, chosen_sites = (
        queries.announcement_target_ids(current) if current else (set(), set())
    )
    return render(
        request,
        "announcements/announce.html",
        {
            "post": post,
            **queries.announcement_choices(),
            "current": current,
            "chosen_departments": chosen_departments,
            "chosen_sites": chosen_sites,
        },
    )


@login_required
@require_POST
def unannounce(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    """Withdraw an announcement: the post stays, its banners go (live too)."""
    post = feed_queries.access_post(request.user, post_id)
    try:
        actions.unannounce(actor=request.user, post=post)
    except PermissionDenied as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The post is no longer an announcement."))
    return back(request, reverse("post", args=[post.pk]))


@login_required
@require_POST
def announcement_receipt(request: AuthenticatedRequest, announcement_id: int) -> HttpResponse:
    announcement = queries.access_announcement(request.user, announcement_id)
    ack = request.POST.get("ack") == "1"
    try:
        if ack:
            actions.acknowledge(actor=request.user, announcement=announcement)
        else:
            actions.dismiss_announcement(actor=request.user, announcement=announcement)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            (
                _("Thank you: your confirmation is recorded.")
                if ack
                else _("The announcement is hidden from your feed.")
            ),
        )
    return back(request, reverse("home"))


def _follow_up(request: AuthenticatedRequest, announcement_id: int, *, asking: bool = False) -> Any:
    """The announcement its author or announcers follow up; with `asking`, only one that asks for
    "read and understood" (a report of confirmations nobody was asked for would read as a
    compliance failure: 404)."""
    announcement = queries.access_announcement(request.user, announcement_id)
    if not queries.can_follow_up(request.user, announcement):
        raise PermissionDenied
    if asking and not announcement.requires_ack:
        raise NotFound(_("This announcement does not ask for confirmation."))
    return announcement


@login_required
@require_GET
def announcement_report(request: AuthenticatedRequest, announcement_id: int) -> HttpResponse:
    announcement = _follow_up(request, announcement_id, asking=True)
    rows = queries.acknowledgements(announcement)
    done = [r for r in rows if r.acknowledged_at]
    pending_only = request.GET.get("pending") == "1"
    next_reminder = queries.next_reminder_at(announcement)
    return render(
        request,
        "announcements/report.html",
        {
            "announcement": announcement,
            "post": announcement.post,
            "excerpt": markdown_to_text(announcement.post.body, limit=EXCERPT_LENGTH),
            "departments": list(announcement.departments.order_by("name")),
            "sites": list(announcement.sites.order_by("name")),
            "rows": [r for r in rows if not r.acknowledged_at] if pending_only else rows,
            "pending_only": pending_only,
            "done_count": len(done),
            "pending_count": len(rows) - len(done),
            "total_count": len(rows),
            "percent": round(100 * len(done) / len(rows)) if rows else 0,
            "next_reminder_at": next_reminder,
            "can_remind": next_reminder is None,
        },
    )


@login_required
@require_POST
def announcement_remind(request: AuthenticatedRequest, announcement_id: int) -> HttpResponse:
    announcement = _follow_up(request, announcement_id)
    try:
        actions.remind(actor=request.user, announcement=announcement)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("A reminder is on its way to those who have not confirmed."))
    return redirect("announcement_report", announcement.pk)


@login_required
@require_GET
def announcement_csv(request: AuthenticatedRequest, announcement_id: int) -> HttpResponse:
    announcement = _follow_up(request, announcement_id, asking=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="announcement-{announcement.pk}-acknowledgements.csv"'
    )
    # French Excel reads a CSV in the system's code page, split on ";" (the comma is the decimal
    # sign there): a UTF-8 byte-order mark and semicolons make it open as it should.
    french = (get_language() or "").startswith("fr")
    if french:
        response.write("\ufeff")
    writer = csv.writer(response, delimiter=";" if french else ",")
    # Times in the exporting person's time zone (named in the header), as spreadsheets read them.
    zone = timezone.get_current_timezone_name()
    writer.writerow(
        [
            _("Name"),
            _("Username"),
            _("Department"),
            _("Site"),
            _("Read and understood (%(zone)s)") % {"zone": zone},
        ]
    )
    for row in queries.acknowledgements(announcement):
        profile = getattr(row.user, "profile", None)
        writer.writerow(
            [
                _csv_safe(row.user.display_name),
                _csv_safe(row.user.username),
                _csv_safe(str(profile.department) if profile and profile.department else ""),
                _csv_safe(str(profile.site) if profile and profile.site else ""),
                timezone.localtime(row.acknowledged_at).strftime("%Y-%m-%d %H:%M")
                if row.acknowledged_at
                else "",
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    """No spreadsheet formula injection: a leading =, +, - or @ is neutralised."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
