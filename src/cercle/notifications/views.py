"""Notification pages: the list, the bell (polled by htmx), marking read, preferences and
the devices that receive pushes."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cercle.core.pagination import InvalidCursor, Page
from cercle.core.typing import AuthenticatedRequest
from cercle.notifications import actions, push, queries, registry
from cercle.notifications.models import Notification, PushSubscription, SpaceLevel
from cercle.spaces import queries as space_queries


@login_required
@require_GET
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    status = 200
    page: Page[Notification]
    try:
        page = queries.notifications_page(
            request.user,
            cursor=(request.GET.get("cursor") or "")[:1000] or None,
            unread_only=request.GET.get("unread") == "1",
        )
    except InvalidCursor:
        page, status = Page(items=[], next_cursor=None), 400
    rows = [(n, queries.describe(n), queries.open_url(n), queries.detail(n)) for n in page.items]
    return render(
        request,
        "notifications/list.html",
        {"rows": rows, "page": page, "unread_only": request.GET.get("unread") == "1"},
        status=status,
    )


@login_required
@require_GET
def bell(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "notifications/_bell.html", {"unread": queries.unread_count(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def open_notification(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    """A plain link (opens in a new tab too): marks the notification read, then goes to it. A GET
    marks it read only with the key Cercle put in its own links (`queries.open_url`); without it,
    from a link elsewhere, it only goes to the subject."""
    notification = queries.access_notification(request.user, notification_id)
    if request.method == "POST" or queries.is_open_key(notification, request.GET.get("k", "")):
        actions.mark_read(actor=request.user, notification=notification)
    return HttpResponseRedirect(queries.target_url(notification))


@login_required
@require_POST
def read_all(request: AuthenticatedRequest) -> HttpResponse:
    actions.mark_all_read(actor=request.user)
    return redirect("notifications")


def _time(value: str) -> datetime.time | None:
    if not value:
        return None
    try:
        return datetime.time.fromisoformat(value)
    except ValueError:
        raise ValidationError({"quiet_start": [_("Enter a time such as 21:00.")]}) from None


@login_required
def settings_page(request: AuthenticatedRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            actions.set_preferences(
                actor=request.user,
                email={k: f"email_{k}" in request.POST for k in registry.KINDS},
                digest={k: f"digest_{k}" in request.POST for k in registry.KINDS},
                push={k: f"push_{k}" in request.POST for k in registry.KINDS},
                quiet_start=_time(request.POST.get("quiet_start", "")),
                quiet_end=_time(request.POST.get("quiet_end", "")),
            )
        except ValidationError as exc:
            error = " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notification_settings")
    prefs = queries.preferences(request.user)
    quiet = getattr(request.user, "quiet_hours", None)
    return render(
        request,
        "notifications/settings.html",
        {
            "rows": [(k.key, k.label, prefs[k.key]) for k in registry.KINDS.values()],
            "quiet": quiet,
            "error": error,
            "devices": list(PushSubscription.objects.filter(person_id=request.user.pk)),
            "push_key": push.public_key(),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def remove_device(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    """The "Remove" button of a device in the settings page."""
    actions.remove_push_subscription(actor=request.user, subscription_id=subscription_id)
    messages.success(request, _("The device will no longer receive notifications."))
    return redirect("notification_settings")


@login_required
@require_POST
def space_level(request: AuthenticatedRequest, space_id: int) -> HttpResponse:
    space = space_queries.access_space(request.user, space_id)
    try:
        actions.set_space_level(
            actor=request.user, space=space, level=request.POST.get("level", "")
        )
    except ValidationError:
        messages.error(request, _("Choose a notification level."))
    else:
        messages.success(request, _("Notification level saved."))
    return HttpResponseRedirect(reverse("space", args=[space.slug]))


def level_choices() -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in SpaceLevel.choices]
