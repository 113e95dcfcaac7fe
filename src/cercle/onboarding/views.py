"""The newcomer's checklist page (`/welcome/`), its buttons, and the administrators' set-up page
(`/manage/onboarding/`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cercle.accounts.actions.profiles import follow_person
from cercle.accounts.models import Department, Site
from cercle.accounts.queries import may_manage_people
from cercle.core.typing import AuthenticatedRequest
from cercle.onboarding import actions, queries
from cercle.spaces import actions as space_actions
from cercle.spaces.models import Space


def _member_only(request: AuthenticatedRequest) -> None:
    if request.user.is_guest:
        raise Http404


@login_required
def checklist(request: AuthenticatedRequest) -> HttpResponse:
    _member_only(request)
    state = actions.ensure_state(request.user)
    return render(
        request,
        "onboarding/checklist.html",
        {
            "checklist": queries.checklist(request.user, state),
            "settings": queries.onboarding_settings(),
        },
    )


def _back(request: AuthenticatedRequest) -> HttpResponse:
    """Back to the page the button was on (the home page or the checklist)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("onboarding")
    return HttpResponseRedirect(target or reverse("onboarding"))


@login_required
@require_POST
def skip(request: AuthenticatedRequest, step: str) -> HttpResponse:
    _member_only(request)
    try:
        actions.skip_step(actor=request.user, key=step, skip=request.POST.get("undo") != "1")
    except ValidationError as error:
        return HttpResponse(error.messages[0], status=400)
    return _back(request)


@login_required
@require_POST
def done(request: AuthenticatedRequest, step: str) -> HttpResponse:
    _member_only(request)
    try:
        actions.mark_done(actor=request.user, key=step)
    except ValidationError as error:
        return HttpResponse(error.messages[0], status=400)
    if step == "welcome" and (url := queries.onboarding_settings().welcome_page_url):
        return HttpResponseRedirect(url)
    if request.headers.get("X-Cercle-Background"):
        return HttpResponse(status=204)  # the app reports it was installed
    return _back(request)


@login_required
@require_POST
def hide(request: AuthenticatedRequest) -> HttpResponse:
    _member_only(request)
    actions.hide(actor=request.user)
    messages.info(
        request, _("The checklist is hidden. Find it again under “Getting started” in your menu.")
    )
    return redirect("home")


@login_required
@require_POST
def show(request: AuthenticatedRequest) -> HttpResponse:
    _member_only(request)
    actions.open_checklist(request.user)
    return redirect("home")


@login_required
@require_POST
def welcome_post(request: AuthenticatedRequest) -> HttpResponse:
    _member_only(request)
    try:
        actions.set_welcome_post(actor=request.user, publish=request.POST.get("publish") == "1")
    except ValidationError as error:
        return HttpResponse(error.messages[0], status=400)
    return _back(request)


@login_required
@require_POST
def join(request: AuthenticatedRequest, space_id: int) -> HttpResponse:
    _member_only(request)
    space = queries.suggested_space_for(request.user, space_id)
    try:
        space_actions.join_space(actor=request.user, space=space)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, getattr(error, "messages", [str(error)])[0])
    else:
        messages.success(request, _("You joined %(space)s.") % {"space": space.name})
    return _back(request)


@login_required
@require_POST
def follow(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    _member_only(request)
    person = queries.colleague_to_follow(person_id)
    try:
        follow_person(actor=request.user, person=person)
    except PermissionDenied as error:
        messages.error(request, str(error))
    return _back(request)


# --- Administrators ----------------------------------------------------------------------------


class SettingsForm(forms.Form):
    welcome_page_url = forms.CharField(
        label=gettext_lazy("Welcome page"),
        required=False,
        max_length=300,
        help_text=gettext_lazy(
            "The address of the page newcomers read first, e.g. /intranet/bienvenue/."
        ),
    )
    welcome_posts = forms.BooleanField(
        label=gettext_lazy("Welcome each newcomer with a post in their team's space"),
        required=False,
    )
    welcome_delay_hours = forms.IntegerField(
        label=gettext_lazy("Hours before the welcome post is published"),
        min_value=0,
        max_value=336,
        help_text=gettext_lazy("Newcomers may turn their post off until then."),
    )
    newcomer_days = forms.IntegerField(
        label=gettext_lazy("Days during which a new person sees the checklist"),
        min_value=1,
        max_value=365,
    )


class SuggestionForm(forms.Form):
    space = forms.ModelChoiceField(
        label=gettext_lazy("Space"), queryset=Space.objects.filter(archived_at__isnull=True)
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("For the department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=gettext_lazy("Every department"),
    )
    site = forms.ModelChoiceField(
        label=gettext_lazy("At the site"),
        queryset=Site.objects.all(),
        required=False,
        empty_label=gettext_lazy("Every site"),
    )


def _manager(request: AuthenticatedRequest) -> None:
    if not may_manage_people(request.user):
        raise PermissionDenied


def _admin_page(
    request: AuthenticatedRequest,
    settings_form: SettingsForm | None = None,
    suggestion_form: SuggestionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    current = queries.onboarding_settings()
    return render(
        request,
        "onboarding/manage.html",
        {
            "admin_section": "onboarding",
            "settings_form": settings_form
            or SettingsForm(
                initial={
                    "welcome_page_url": current.welcome_page_url,
                    "welcome_posts": current.welcome_posts,
                    "welcome_delay_hours": current.welcome_delay_hours,
                    "newcomer_days": current.newcomer_days,
                }
            ),
            "suggestion_form": suggestion_form or SuggestionForm(),
            "suggestions": queries.all_suggestions(),
        },
        status=status,
    )


@login_required
def manage(request: AuthenticatedRequest) -> HttpResponse:
    _manager(request)
    if request.method != "POST":
        return _admin_page(request)
    if "suggest" in request.POST:
        suggestion_form = SuggestionForm(request.POST)
        if suggestion_form.is_valid():
            try:
                actions.suggest_space(actor=request.user, **suggestion_form.cleaned_data)
            except ValidationError as error:
                suggestion_form.add_error(None, error)
            else:
                messages.success(request, _("The space is suggested to newcomers."))
                return redirect("onboarding_manage")
        return _admin_page(request, suggestion_form=suggestion_form, status=400)
    settings_form = SettingsForm(request.POST)
    if settings_form.is_valid():
        try:
            actions.update_settings(actor=request.user, **settings_form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                settings_form.add_error(field if field in settings_form.fields else None, errors)
        else:
            messages.success(request, _("The onboarding is saved."))
            return redirect("onboarding_manage")
    return _admin_page(request, settings_form=settings_form, status=400)


@login_required
@require_POST
def remove_suggestion(request: AuthenticatedRequest, suggestion_id: int) -> HttpResponse:
    _manager(request)
    suggestion = queries.access_suggestion(suggestion_id)
    actions.remove_suggestion(actor=request.user, suggestion=suggestion)
    return redirect("onboarding_manage")
