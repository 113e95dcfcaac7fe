"""The company directory's administration pages (/manage/directory/): the connection and its
test, the group rules, running a synchronisation (or a dry run) and the runs' reports, whose
progress the page polls. Administrators only; the writes are `actions`' (audited there)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercle.administration.decorators import admin_required
from cercle.core.forms import error_into_form
from cercle.core.typing import AuthenticatedRequest
from cercle.directory import actions, queries, reader
from cercle.directory.forms import RuleForm, SettingsForm
from cercle.directory.models import GroupRule, SyncRun


def _settings_form(data: Any = None) -> SettingsForm:
    row = queries.stored_settings()
    initial = {
        "enabled": row.enabled,
        "server_uri": row.server_uri,
        "start_tls": row.start_tls,
        "bind_dn": row.bind_dn,
        "preset": row.preset,
        "user_base_dn": row.user_base_dn,
        "user_filter": row.user_filter,
        "group_base_dn": row.group_base_dn,
        "group_filter": row.group_filter,
        "max_deactivation_percent": row.max_deactivation_percent,
        **{f"map_{name}": value for name, value in (row.attribute_map or {}).items()},
    }
    preset = (data or {}).get("preset") or row.preset
    return SettingsForm(data, initial=initial, preset=preset)


def _page(request: AuthenticatedRequest, status: int = 200, **extra: Any) -> HttpResponse:
    row = queries.stored_settings()
    environment = reader.environment_config()
    context = {
        "admin_section": "directory",
        "form": extra.pop("form", None) or _settings_form(),
        "rule_form": extra.pop("rule_form", None) or RuleForm(),
        "rules": list(queries.rules()),
        "runs": queries.runs(),
        "running": queries.running(),
        "configured": queries.is_configured(),
        "has_password": bool(row.bind_password),
        "from_environment": environment is not None and not (row.enabled and row.server_uri),
        **extra,
    }
    return render(request, "directory/settings.html", context, status=status)


@admin_required
def settings_page(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = _settings_form(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.save_settings(
                actor=request.user,
                enabled=data["enabled"],
                server_uri=data["server_uri"],
                bind_dn=data["bind_dn"],
                bind_password=data["bind_password"],
                user_base_dn=data["user_base_dn"],
                user_filter=data["user_filter"],
                group_base_dn=data["group_base_dn"],
                group_filter=data["group_filter"],
                preset=data["preset"],
                attribute_map=form.attribute_map(),
                start_tls=data["start_tls"],
                max_deactivation_percent=data["max_deactivation_percent"],
                request=request,
            )
        except ValidationError as error:
            error_into_form(form, error)
        else:
            messages.success(request, _("The directory's settings are saved."))
            return redirect("directory_settings")
    return _page(request, status=400, form=form)


@admin_required
@require_POST
def test(request: AuthenticatedRequest) -> HttpResponse:
    return _page(request, test=actions.test_connection(actor=request.user))


@admin_required
@require_POST
def add_rule(request: AuthenticatedRequest) -> HttpResponse:
    form = RuleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_rule(
                actor=request.user,
                group_dn=data["group_dn"],
                kind=data["kind"],
                space=data["space"],
                name=data["name"],
                request=request,
            )
        except ValidationError as error:
            error_into_form(form, error)
        else:
            messages.success(request, _("The rule is added: the next synchronisation applies it."))
            return redirect("directory_settings")
    return _page(request, status=400, rule_form=form)


@admin_required
@require_POST
def delete_rule(request: AuthenticatedRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(GroupRule, pk=rule_id)
    actions.delete_rule(actor=request.user, rule=rule, request=request)
    messages.success(request, _("The rule is deleted."))
    return redirect("directory_settings")


@admin_required
@require_POST
def start(request: AuthenticatedRequest) -> HttpResponse:
    dry_run = request.POST.get("dry_run") == "1"
    try:
        run = actions.start_run(actor=request.user, dry_run=dry_run, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("directory_settings")
    return redirect("directory_run", run.pk)


@admin_required
def run_page(request: AuthenticatedRequest, directory_run_id: int) -> HttpResponse:
    run = get_object_or_404(SyncRun.objects.select_related("requested_by"), pk=directory_run_id)
    context = {"admin_section": "directory", "run": run, "report": run.report or {}}
    if request.headers.get("HX-Request"):
        return render(request, "directory/_progress.html", context)
    return render(request, "directory/run.html", context)
