"""The pages of reminders: my reminders for one event (on the event's page), my default."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercle.agenda import queries, reminders
from cercle.core.typing import AuthenticatedRequest


def _error(request: AuthenticatedRequest, error: ValidationError | PermissionDenied) -> None:
    text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


@login_required
@require_POST
def event_reminders(request: AuthenticatedRequest, event_id: int) -> HttpResponse:
    event = queries.access_event(request.user, event_id)
    chosen = None if "default" in request.POST else request.POST.getlist("minutes")[:20]
    try:
        reminders.set_event_reminders(actor=request.user, event=event, minutes=chosen)
    except (ValidationError, PermissionDenied) as error:
        _error(request, error)
    else:
        messages.success(request, _("Your reminders are saved."))
    return redirect("agenda_event", event_id=event.pk)


@login_required
def default_reminders(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            reminders.set_default_reminders(
                actor=request.user, minutes=request.POST.getlist("minutes")[:20]
            )
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, _("Your reminders are saved."))
        return redirect("agenda_reminders")
    return render(request, "agenda/reminders.html", {"reminders": reminders.panel(request.user)})
