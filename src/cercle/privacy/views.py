"""Pages of personal data: "My data" for everyone; erasure, retention, legal holds and the audit
log's export for administrators."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cercle.accounts.models import User
from cercle.accounts.queries import may_manage_settings
from cercle.administration.decorators import admin_required
from cercle.administration.forms import AuditFilterForm
from cercle.audit import queries as audit_queries
from cercle.audit.actions import log_event
from cercle.audit.retention import retention_days
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule
from cercle.core.typing import AuthenticatedRequest
from cercle.core.uploads import content_disposition
from cercle.privacy import actions, queries
from cercle.privacy.forms import EraseForm, FindPersonForm, HoldForm, PolicyForm
from cercle.spaces.models import Space

# --- My data ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        actions.request_export(person=request.user)
        messages.success(request, _("Your download is being prepared."))
        return redirect("privacy_my_data")
    exports = queries.my_exports(request.user)
    return render(
        request,
        "privacy/my_data.html",
        {
            "exports": exports,
            "running": next((export for export in exports if export.is_running), None),
            "days": actions.export_days(),
            "downloadable": {export.pk for export in exports if queries.downloadable(export)},
        },
    )


@login_required
def export_status(request: AuthenticatedRequest, export_id: int) -> HttpResponse:
    export = queries.access_export(request.user, export_id)
    response = render(request, "privacy/_export_progress.html", {"running": export})
    if not export.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
def export_download(request: AuthenticatedRequest, export_id: int) -> FileResponse:
    export = queries.access_export(request.user, export_id)
    if not queries.downloadable(export):
        raise Http404
    response = FileResponse(
        actions.export_storage().open(export.file_name, "rb"), content_type="application/zip"
    )
    day = timezone.localdate(export.created_at).isoformat()
    response["Content-Disposition"] = content_disposition(
        "attachment", f"cercle-{request.user.username}-{day}.zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Administration: erasure, retention, holds, the audit log's export -----------------------


def _error(request: AuthenticatedRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@admin_required
@require_http_methods(["GET", "POST"])
def admin_privacy(request: AuthenticatedRequest) -> HttpResponse:
    spaces = queries.spaces_for_choice()
    targets = personal_data.retention_targets()
    policy_form = PolicyForm(targets=targets, spaces=spaces)
    hold_form = HoldForm(spaces=spaces)
    find_form = FindPersonForm()
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "policy":
                policy_form = PolicyForm(request.POST, targets=targets, spaces=spaces)
                if policy_form.is_valid():
                    data = policy_form.cleaned_data
                    actions.add_policy(
                        actor=request.user,
                        target=data["target"],
                        days=data["days"],
                        space=_space(data["space"]),
                        archived_spaces_only=data["archived_spaces_only"],
                    )
                    messages.success(request, _("The retention policy is added."))
                    return redirect("privacy_admin")
            elif what == "remove_policy":
                actions.remove_policy(actor=request.user, policy_id=_id(request.POST))
                messages.success(request, _("The retention policy is removed."))
                return redirect("privacy_admin")
            elif what == "hold":
                hold_form = HoldForm(request.POST, spaces=spaces)
                if hold_form.is_valid():
                    data = hold_form.cleaned_data
                    actions.add_hold(
                        actor=request.user,
                        reason=data["reason"],
                        space=_space(data["space"]),
                        person=data["person"],
                    )
                    messages.success(request, _("The legal hold is placed."))
                    return redirect("privacy_admin")
            elif what == "remove_hold":
                actions.remove_hold(actor=request.user, hold_id=_id(request.POST))
                messages.success(request, _("The legal hold is lifted."))
                return redirect("privacy_admin")
            elif what == "run":
                run = actions.run_retention(actor=request.user)
                messages.success(
                    request,
                    _("Retention applied: %(count)s items deleted.")
                    % {"count": sum(run.deleted.values())},
                )
                return redirect("privacy_admin")
            elif what == "find":
                find_form = FindPersonForm(request.POST)
                if find_form.is_valid():
                    return redirect("privacy_erase", person_id=find_form.cleaned_data["person"].pk)
        except ValidationError as error:
            _error(request, error)
    return render(
        request,
        "privacy/admin.html",
        {
            "admin_section": "privacy",
            "policy_form": policy_form,
            "hold_form": hold_form,
            "find_form": find_form,
            "policies": [
                (
                    policy,
                    targets[policy.target].label if policy.target in targets else policy.target,
                )
                for policy in queries.policies()
            ],
            "holds": queries.holds(),
            "plans": actions.retention_plan(),
            "runs": queries.recent_runs(),
            "audit_days": retention_days(),
            "audit_form": AuditFilterForm(actions=audit_queries.audit_actions(request.user)),
        },
    )


def _space(space_id: Any) -> Space | None:
    if not space_id:
        return None
    space = Space.objects.filter(pk=space_id).first()
    if space is None:
        raise ValidationError(_("This space no longer exists."))
    return space


def _id(data: Any) -> int:
    try:
        return int(data.get("id", ""))
    except ValueError:
        return 0


@admin_required
@require_http_methods(["GET", "POST"])
def erase(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    form = EraseForm(
        request.POST or None,
        person=person,
        initial={"shared_content": actions.default_rule().shared_content},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.erase_person(
                actor=request.user,
                person=person,
                rule=ErasureRule(shared_content=form.cleaned_data["shared_content"]),
            )
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, _("The person's personal data is erased."))
            return redirect("privacy_admin")
    return render(
        request,
        "privacy/erase.html",
        {"admin_section": "privacy", "person": person, "form": form},
    )


def _audit_filters(request: AuthenticatedRequest) -> audit_queries.AuditFilters:
    form = AuditFilterForm(request.GET or None, actions=audit_queries.audit_actions(request.user))
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    return audit_queries.AuditFilters(
        action=values.get("action") or "",
        actor=values.get("actor") or "",
        target=values.get("target") or "",
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
        ip=values.get("ip") or "",
    )


@login_required
def audit_export(request: AuthenticatedRequest, export_format: str) -> StreamingHttpResponse:
    # The administration's rule, checked here: its decorators type views as plain responses.
    if not may_manage_settings(request.user):
        raise PermissionDenied
    filters = _audit_filters(request)
    log_event(actor=request.user, action="privacy.audit_exported", extra={"format": export_format})
    day = timezone.localdate().isoformat()
    response: StreamingHttpResponse
    if export_format == "csv":
        response = StreamingHttpResponse(
            queries.audit_csv_lines(request.user, filters), content_type="text/csv; charset=utf-8"
        )
        name = f"cercle-audit-{day}.csv"
    else:
        response = StreamingHttpResponse(
            queries.audit_json_lines(request.user, filters),
            content_type="application/x-ndjson; charset=utf-8",
        )
        name = f"cercle-audit-{day}.jsonl"
    response["Content-Disposition"] = content_disposition("attachment", name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
