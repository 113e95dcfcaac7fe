"""Administration → Home page (`/manage/home/`): the quick links and the header's links (add,
change, move, remove), and the home's parts (shown, order, whom for). Administrators only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cercle.accounts.models import Department, Site
from cercle.accounts.queries import may_manage_settings
from cercle.core.typing import AuthenticatedRequest
from cercle.homepage import actions, queries
from cercle.homepage.models import HomeLink, HomePart

View = Callable[..., HttpResponse]


def admin_required(view: View) -> View:
    """Signed out: to the login page; without the administrators' right: 403."""

    @wraps(view)
    def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_manage_settings(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _icon_choices() -> list[tuple[str, str]]:
    return [(icon.key, f"{icon.emoji} {icon.label}") for icon in queries.ICONS.values()]


class LinkForm(forms.Form):
    place = forms.ChoiceField(label=gettext_lazy("Where"), choices=HomeLink.Place.choices)
    label_fr = forms.CharField(
        label=gettext_lazy("Label in French"), required=False, max_length=actions.LABEL_MAX
    )
    label_en = forms.CharField(
        label=gettext_lazy("Label in English"),
        required=False,
        max_length=actions.LABEL_MAX,
        help_text=gettext_lazy("Each person sees the label in their language, else the other."),
    )
    url = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=actions.URL_MAX,
        help_text=gettext_lazy(
            "https://… for another tool, or a page of Cercle such as /intranet/."
        ),
    )
    icon = forms.ChoiceField(label=gettext_lazy("Icon"), choices=_icon_choices, initial="link")
    sites = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only for the sites"),
        queryset=Site.objects.order_by("name"),
        required=False,
        help_text=gettext_lazy("None chosen, here and below: for everyone."),
    )
    departments = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only for the departments"),
        queryset=Department.objects.order_by("name"),
        required=False,
    )

    def data_for_action(self) -> actions.LinkInput:
        data = self.cleaned_data
        return actions.LinkInput(
            place=data["place"],
            label_fr=data["label_fr"],
            label_en=data["label_en"],
            url=data["url"],
            icon=data["icon"],
            sites=data["sites"],
            departments=data["departments"],
        )

    def add_action_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


class PartForm(forms.Form):
    shown = forms.BooleanField(label=gettext_lazy("Shown"), required=False)
    position = forms.IntegerField(
        label=gettext_lazy("Position"), min_value=1, max_value=len(queries.PARTS)
    )
    sites = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only for the sites"),
        queryset=Site.objects.order_by("name"),
        required=False,
    )
    departments = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only for the departments"),
        queryset=Department.objects.order_by("name"),
        required=False,
    )


def _part_forms(data: QueryDict | None = None) -> list[tuple[queries.Part, PartForm]]:
    saved = queries.part_settings()
    forms_ = []
    for index, part in enumerate(queries.PARTS.values(), start=1):
        row: HomePart | None = saved.get(part.key)
        initial = (
            {
                "shown": row.shown,
                "position": row.position,
                "sites": list(row.sites.all()),
                "departments": list(row.departments.all()),
            }
            if row is not None
            else {"shown": part.shown, "position": index}
        )
        forms_.append((part, PartForm(data, prefix=part.key, initial=initial)))
    return forms_


def _page(
    request: AuthenticatedRequest,
    link_form: LinkForm | None = None,
    part_forms: list[tuple[queries.Part, PartForm]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "homepage/manage.html",
        {
            "admin_section": "homepage",
            "quick_links": queries.all_links(HomeLink.Place.HOME),
            "menu_links": queries.all_links(HomeLink.Place.MENU),
            "icons": queries.ICONS,
            "link_form": link_form or LinkForm(),
            "part_forms": part_forms or _part_forms(),
        },
        status=status,
    )


@admin_required
def manage(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    if "parts" in request.POST:
        part_forms = _part_forms(request.POST)
        if all(form.is_valid() for _part, form in part_forms):
            try:
                actions.save_parts(
                    actor=request.user,
                    parts=[
                        actions.PartInput(key=part.key, **form.cleaned_data)
                        for part, form in part_forms
                    ],
                )
            except ValidationError as error:
                for part, form in part_forms:
                    if part.key in error.message_dict:
                        form.add_error("position", error.message_dict[part.key])
            else:
                messages.success(request, _("The home page's parts are saved."))
                return redirect("homepage_manage")
        return _page(request, part_forms=part_forms, status=400)
    link_form = LinkForm(request.POST)
    if link_form.is_valid():
        try:
            actions.save_link(actor=request.user, data=link_form.data_for_action())
        except ValidationError as error:
            link_form.add_action_errors(error)
        else:
            messages.success(request, _("The link is added."))
            return redirect("homepage_manage")
    return _page(request, link_form=link_form, status=400)


@admin_required
def edit_link(request: AuthenticatedRequest, link_id: int) -> HttpResponse:
    link = queries.access_link(link_id)
    if request.method == "POST":
        form = LinkForm(request.POST)
        if form.is_valid():
            try:
                actions.save_link(actor=request.user, data=form.data_for_action(), link=link)
            except ValidationError as error:
                form.add_action_errors(error)
            else:
                messages.success(request, _("The link is saved."))
                return redirect("homepage_manage")
        status = 400
    else:
        form = LinkForm(
            initial={
                "place": link.place,
                "label_fr": link.label_fr,
                "label_en": link.label_en,
                "url": link.url,
                "icon": link.icon,
                "sites": list(link.sites.all()),
                "departments": list(link.departments.all()),
            }
        )
        status = 200
    return render(
        request,
        "homepage/edit_link.html",
        {"admin_section": "homepage", "link": link, "form": form},
        status=status,
    )


@admin_required
@require_POST
def move_link(request: AuthenticatedRequest, link_id: int) -> HttpResponse:
    link = queries.access_link(link_id)
    actions.move_link(actor=request.user, link=link, up=request.POST.get("direction") == "up")
    return redirect("homepage_manage")


@admin_required
@require_POST
def remove_link(request: AuthenticatedRequest, link_id: int) -> HttpResponse:
    link = queries.access_link(link_id)
    actions.remove_link(actor=request.user, link=link)
    messages.success(request, _("The link is removed."))
    return redirect("homepage_manage")
