"""Administration pages: people, invitations, CSV import, roles, places, branding, audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cercle.accounts import importer
from cercle.accounts.actions import people as people_actions
from cercle.accounts.models import Role
from cercle.accounts.queries import assignable_roles, get_organisation, may_manage_settings
from cercle.administration import actions, queries
from cercle.administration.decorators import (
    admin_required,
    administrator_required,
    people_manager_required,
)
from cercle.administration.forms import (
    AuditFilterForm,
    DocumentQuotaDefaultsForm,
    DocumentQuotaForm,
    ImportForm,
    InviteForm,
    MessagingPolicyForm,
    OrganisationForm,
    PeopleFilterForm,
    PlaceForm,
    RoleForm,
)
from cercle.audit import queries as audit_queries
from cercle.chat import actions as chat_actions
from cercle.chat import queries as chat_queries
from cercle.core.forms import error_into_form
from cercle.core.pagination import InvalidCursor
from cercle.core.typing import AuthenticatedRequest
from cercle.documents import actions as documents_actions
from cercle.documents import queries as documents_queries
from cercle.documents.models import Library

PEOPLE_PER_PAGE = 25


def _message_error(request: AuthenticatedRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _next_target(request: AuthenticatedRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("admin_people")


def _back_to_people(request: AuthenticatedRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(_next_target(request, request.POST.get("next", "")))


# --- People -----------------------------------------------------------------------------------


@administrator_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    """/manage/ itself: the overview — people, spaces, storage, the task queue, the last import
    and the last mail (the IT department's figures for administrators only)."""
    return render(
        request,
        "administration/overview.html",
        {"overview": queries.overview(request.user), "admin_section": "overview"},
    )


@people_manager_required
def people(request: AuthenticatedRequest) -> HttpResponse:
    filters = PeopleFilterForm(request.GET or None)
    values: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    department = values.get("department")
    found = queries.people_for_admin(
        request.user,
        q=values.get("q", ""),
        role=values.get("role", ""),
        status=values.get("status", ""),
        department=department.pk if department else None,
    )
    page = Paginator(found, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "administration/people.html",
        {
            "filters": filters,
            "page": page,
            "rows": queries.person_rows(request.user, page.object_list),
            "query": query.urlencode(),
            "role_form": RoleForm(roles=assignable_roles(request.user)),
            "admin_section": "people",
        },
    )


@people_manager_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, roles=assignable_roles(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = people_actions.invite_person(
                actor=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                department=data["department"],
                site=data["site"],
                job_title=data["job_title"],
                manager=data["manager"],
                request=request,
            )
        except ValidationError as error:
            error_into_form(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is invited; the invitation is on its way to %(email)s.")
                % {"name": person.display_name, "email": person.email},
            )
            return redirect("admin_people")
    return render(request, "administration/invite.html", {"form": form, "admin_section": "invite"})


@people_manager_required
@require_POST
def set_role(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = queries.access_person_for_admin(request.user, person_id)
    form = RoleForm(request.POST, roles=assignable_roles(request.user))
    if not form.is_valid():
        if not may_manage_settings(request.user) and request.POST.get("role") == Role.ADMIN:
            raise PermissionDenied
        messages.error(request, _("Choose a role."))
        return _back_to_people(request)
    try:
        people_actions.set_role(
            actor=request.user, person=person, role=form.cleaned_data["role"], request=request
        )
    except ValidationError as error:
        _message_error(request, error)
    else:
        messages.success(
            request,
            _("%(name)s is now: %(role)s.")
            % {"name": person.display_name, "role": Role(form.cleaned_data["role"]).label},
        )
    return _back_to_people(request)


@people_manager_required
@require_http_methods(["GET", "POST"])
def deactivate(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """GET: a page that names the person and says what happens; POST: deactivate them."""
    person = queries.access_person_for_admin(request.user, person_id)
    if request.method == "GET":
        return render(
            request,
            "administration/deactivate.html",
            {
                "person": person,
                "next": _next_target(request, request.GET.get("next", "")),
                "admin_section": "people",
            },
        )
    try:
        people_actions.deactivate_person(actor=request.user, person=person, request=request)
    except ValidationError as error:
        _message_error(request, error)
    else:
        # The success message carries an undo button (a real form: works without JavaScript).
        messages.success(
            request,
            format_html(
                '{} <form method="post" action="{}" class="inline-form message-undo">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<input type="hidden" name="next" value="{}">'
                '<button type="submit" class="secondary">{}</button></form>',
                _("%(name)s is deactivated.") % {"name": person.display_name},
                reverse("admin_reactivate", args=[person.pk]),
                get_token(request),
                _next_target(request, request.POST.get("next", "")),
                _("Reactivate"),
            ),
        )
    return _back_to_people(request)


@people_manager_required
@require_POST
def reactivate(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = queries.access_person_for_admin(request.user, person_id)
    people_actions.reactivate_person(actor=request.user, person=person, request=request)
    messages.success(request, _("%(name)s is active again.") % {"name": person.display_name})
    return _back_to_people(request)


@people_manager_required
@require_POST
def resend_invitation(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = queries.access_person_for_admin(request.user, person_id)
    try:
        people_actions.resend_invitation(actor=request.user, person=person, request=request)
    except ValidationError as error:
        _message_error(request, error)
    else:
        messages.success(
            request, _("A new invitation is on its way to %(email)s.") % {"email": person.email}
        )
    return _back_to_people(request)


# --- CSV import -------------------------------------------------------------------------------


@people_manager_required
@require_http_methods(["GET", "POST"])
def import_people(request: AuthenticatedRequest) -> HttpResponse:
    # Housekeeping here too, so that the list is right even where no scheduler runs.
    actions.expire_import_jobs()
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = actions.start_import(
                actor=request.user,
                filename=upload.name or "",
                data=upload.read(),
                create_missing=form.cleaned_data["create_missing"],
                send_invitations=form.cleaned_data["send_invitations"],
                language=getattr(request, "LANGUAGE_CODE", ""),
            )
        except ValidationError as error:
            error_into_form(form, error)
        else:
            return redirect("admin_import_job", job_id=job.pk)
    return render(
        request,
        "administration/import.html",
        {
            "form": form,
            "columns": importer.COLUMNS,
            "required_columns": importer.REQUIRED_COLUMNS,
            "jobs": queries.import_jobs(request.user)[:10],
            "admin_section": "import",
        },
    )


@people_manager_required
def import_template(request: AuthenticatedRequest) -> HttpResponse:
    response = HttpResponse(
        "\ufeff" + importer.template_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="cercle-people.csv"'
    return response


@people_manager_required
def import_job(request: AuthenticatedRequest, job_id: int) -> HttpResponse:
    # An interrupted import must stop being polled even where no scheduler runs.
    actions.expire_import_jobs()
    job = queries.access_import_job(request.user, job_id)
    context = {
        "job": job,
        "errors": queries.import_report_errors(job),
        "admin_section": "import",
    }
    if request.headers.get("HX-Request"):
        response = render(request, "administration/_import_progress.html", context)
        if not job.is_running:
            # The whole page changes (the report, the buttons): ask htmx to reload it.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "administration/import_job.html", context)


@people_manager_required
@require_POST
def import_job_valid_rows(request: AuthenticatedRequest, job_id: int) -> HttpResponse:
    job = queries.access_import_job(request.user, job_id)
    try:
        actions.import_valid_rows(actor=request.user, job=job)
    except ValidationError as error:
        _message_error(request, error)
    return redirect("admin_import_job", job_id=job.pk)


@people_manager_required
@require_POST
def import_job_cancel(request: AuthenticatedRequest, job_id: int) -> HttpResponse:
    job = queries.access_import_job(request.user, job_id)
    try:
        actions.cancel_import(actor=request.user, job=job)
    except ValidationError as error:
        _message_error(request, error)
        return redirect("admin_import_job", job_id=job.pk)
    messages.success(request, _("The import is cancelled; nothing was imported."))
    return redirect("admin_import")


# --- Roles ------------------------------------------------------------------------------------


@administrator_required
def roles(request: AuthenticatedRequest) -> HttpResponse:
    """Each role and what it may do, in words (read from the rules themselves)."""
    return render(
        request,
        "administration/roles.html",
        {
            "roles": list(Role),
            "rights": queries.roles_and_rights(request.user),
            "admin_section": "roles",
        },
    )


# --- Departments and sites --------------------------------------------------------------------


def _places(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    is_department = kind == "department"
    form = PlaceForm(request.POST or None) if request.method == "POST" else PlaceForm()
    if request.method == "POST":
        action = request.POST.get("action", "create")
        if action == "create":
            if form.is_valid():
                try:
                    if is_department:
                        people_actions.create_department(
                            actor=request.user, name=form.cleaned_data["name"], request=request
                        )
                    else:
                        people_actions.create_site(
                            actor=request.user, name=form.cleaned_data["name"], request=request
                        )
                except ValidationError as error:
                    error_into_form(form, error)
                else:
                    messages.success(request, _("Created."))
                    return redirect(request.path)
        else:
            try:
                place_id = int(request.POST.get("id", ""))
            except ValueError:
                messages.error(request, _("Choose an entry."))
                return redirect(request.path)
            place: Any = (
                queries.access_department(request.user, place_id)
                if is_department
                else queries.access_site(request.user, place_id)
            )
            try:
                if action == "rename":
                    name = request.POST.get("name", "")
                    if is_department:
                        people_actions.rename_department(
                            actor=request.user, department=place, name=name, request=request
                        )
                    else:
                        people_actions.rename_site(
                            actor=request.user, site=place, name=name, request=request
                        )
                    messages.success(request, _("Renamed."))
                elif action == "delete":
                    if is_department:
                        people_actions.delete_department(
                            actor=request.user, department=place, request=request
                        )
                    else:
                        people_actions.delete_site(actor=request.user, site=place, request=request)
                    messages.success(request, _("Deleted."))
            except ValidationError as error:
                _message_error(request, error)
            return redirect(request.path)
    places = (
        queries.departments_for_admin(request.user)
        if is_department
        else queries.sites_for_admin(request.user)
    )
    return render(
        request,
        "administration/places.html",
        {
            "form": form,
            "places": places,
            "kind": kind,
            "admin_section": "departments" if is_department else "sites",
        },
    )


@people_manager_required
@require_http_methods(["GET", "POST"])
def departments(request: AuthenticatedRequest) -> HttpResponse:
    return _places(request, "department")


@people_manager_required
@require_http_methods(["GET", "POST"])
def sites(request: AuthenticatedRequest) -> HttpResponse:
    return _places(request, "site")


# --- Organisation -----------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def organisation(request: AuthenticatedRequest) -> HttpResponse:
    current = get_organisation()
    initial = {
        "name": current.name,
        "primary_colour": current.primary_colour,
        "accent_colour": current.accent_colour,
        "lock_hr_fields": current.lock_hr_fields,
        "email_changes_allowed": current.email_changes_allowed,
        "signup_domains": current.signup_domains,
    }
    form = OrganisationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_organisation(
                actor=request.user,
                name=data["name"],
                primary_colour=data["primary_colour"],
                accent_colour=data["accent_colour"],
                lock_hr_fields=data["lock_hr_fields"],
                email_changes_allowed=data["email_changes_allowed"],
                signup_domains=data["signup_domains"],
                logo=data["logo"] or None,
                remove_logo=data["remove_logo"],
                request=request,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                error_into_form(form, error)
            else:
                form.add_error("logo", error)
        else:
            messages.success(request, _("The organisation's settings are saved."))
            return redirect("admin_organisation")
    return render(
        request,
        "administration/organisation.html",
        {"form": form, "current": current, "admin_section": "organisation"},
    )


# --- Messaging policy -------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def messaging(request: AuthenticatedRequest) -> HttpResponse:
    """The organisation's messaging policy; the change is chat's own action (audited there)."""
    current = chat_queries.chat_settings()
    form = MessagingPolicyForm(
        request.POST if request.method == "POST" else None,
        initial={"read_receipts": current.read_receipts},
    )
    if request.method == "POST" and form.is_valid():
        chat_actions.update_chat_settings(
            actor=request.user, read_receipts=form.cleaned_data["read_receipts"]
        )
        messages.success(request, _("The messaging policy is saved."))
        return redirect("admin_messaging")
    return render(
        request, "administration/messaging.html", {"form": form, "admin_section": "messaging"}
    )


# --- Audit log --------------------------------------------------------------------------------


@admin_required
def audit(request: AuthenticatedRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, actions=audit_queries.audit_actions(request.user))
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    filters = audit_queries.AuditFilters(
        action=values.get("action") or "",
        actor=values.get("actor") or "",
        target=values.get("target") or "",
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
        ip=values.get("ip") or "",
    )
    try:
        page = audit_queries.audit_page(request.user, filters, cursor=request.GET.get("cursor", ""))
    except InvalidCursor:
        messages.error(request, _("This page link is no longer valid; here is the first page."))
        page = audit_queries.audit_page(request.user, filters)
    # Ids in the details are shown as names: two queries for the whole page at most.
    details = audit_queries.describe_entries(request.user, page.items)
    entries = [
        {
            "entry": entry,
            "action_label": described.action_label,
            "target": described.target,
            "changes": described.changes,
            "extra": described.extra,
        }
        for entry, described in zip(page.items, details, strict=True)
    ]
    query = request.GET.copy()
    query.pop("cursor", None)
    next_url = None
    if page.next_cursor:
        query["cursor"] = page.next_cursor
        next_url = f"{reverse('admin_audit')}?{query.urlencode()}"
    return render(
        request,
        "administration/audit.html",
        {
            "form": form,
            "entries": entries,
            "next_url": next_url,
            "is_first_page": not request.GET.get("cursor"),
            "admin_section": "audit",
        },
    )


# --- Documents: quotas and the largest file --------------------------------------------------


@admin_required
def documents(request: AuthenticatedRequest) -> HttpResponse:
    """The document quotas: the defaults (a space's, a person's, the largest file), and the
    spaces and people given a quota of their own, with what they use. Each change is the
    documents' own action (audited there)."""
    row = documents_queries.quota_settings()
    ceiling = documents_queries.max_upload_setting_mb()
    which = request.POST.get("form", "") if request.method == "POST" else ""
    defaults = DocumentQuotaDefaultsForm(
        request.POST if which == "defaults" else None,
        initial={
            "space_quota_mb": row.space_quota_mb,
            "person_quota_mb": row.person_quota_mb,
            "max_file_mb": row.max_file_mb,
        },
        space_mb=documents_queries.setting_quota_mb("space"),
        person_mb=documents_queries.setting_quota_mb("person"),
        ceiling_mb=ceiling,
        prefix="defaults",
    )
    own = DocumentQuotaForm(request.POST if which == "quota" else None, prefix="quota")
    if which == "defaults" and defaults.is_valid():
        try:
            documents_actions.set_quota_defaults(
                actor=request.user,
                space_quota_mb=defaults.cleaned_data["space_quota_mb"],
                person_quota_mb=defaults.cleaned_data["person_quota_mb"],
                max_file_mb=defaults.cleaned_data["max_file_mb"],
            )
        except ValidationError as error:
            defaults.add_error(None, error)
        else:
            messages.success(request, _("The document quotas are saved."))
            return redirect("admin_documents")
    if which == "quota" and own.is_valid():
        try:
            _library, name = documents_actions.set_quota_for(
                actor=request.user,
                kind=own.cleaned_data["kind"],
                who=own.cleaned_data["who"],
                quota_mb=own.cleaned_data["quota_mb"],
            )
        except ValidationError as error:
            own.add_error(None, error)
        else:
            messages.success(request, _("The quota of %(name)s is saved.") % {"name": name})
            return redirect("admin_documents")
    if which == "reset":
        library = Library.objects.filter(pk=_int(request.POST.get("library"))).first()
        if library is not None:
            documents_actions.set_library_quota(actor=request.user, library=library, quota_mb=None)
            messages.success(request, _("Back to the default quota."))
        return redirect("admin_documents")
    return render(
        request,
        "administration/documents.html",
        {
            "defaults": defaults,
            "own": own,
            "rows": documents_queries.libraries_with_own_quota(),
            "space_default": documents_queries.default_quota_mb("space", row),
            "person_default": documents_queries.default_quota_mb("person", row),
            "max_file": documents_queries.max_file_mb(row),
            "admin_section": "documents",
        },
    )


def _int(value: str | None) -> int:
    try:
        number = int(value or 0)
    except ValueError:
        return 0
    return number if 0 < number < 2**63 else 0
