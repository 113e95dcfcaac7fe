"""The page to import an `.ics` file into one of my calendars, and its report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from cercle.agenda import actions, ics_import, queries
from cercle.agenda.models import Calendar
from cercle.core.typing import AuthenticatedRequest


class ImportForm(forms.Form):
    calendar = forms.ModelChoiceField(queryset=Calendar.objects.none(), label=_("Calendar"))
    file = forms.FileField(
        label=_("iCalendar file (.ics)"), help_text=_("At most 5 MB and 2,000 events.")
    )

    def __init__(self, *args: Any, calendars: list[tuple[Calendar, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {calendar.pk: name for calendar, name in calendars}
        field = self.fields["calendar"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Calendar.objects.filter(pk__in=list(names))
        field.label_from_instance = lambda c: names.get(c.pk, str(c))  # type: ignore[method-assign,assignment]


@login_required
def import_ics(request: AuthenticatedRequest) -> HttpResponse:
    actions.ensure_calendars(request.user)
    writable = [
        (c, queries.calendar_name(c))
        for c in queries.my_calendars(request.user)
        if queries.can_write_in(request.user, c)
    ]
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        calendars=writable,
        initial={"calendar": writable[0][0].pk if writable else None},
    )
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = ics_import.import_file(
                    actor=request.user,
                    calendar=form.cleaned_data["calendar"],
                    upload=upload,
                    name=upload.name or "calendar.ics",
                )
            except ValidationError as error:
                form.add_error("file", error.messages)
            except PermissionDenied as error:
                form.add_error("calendar", str(error))
        if report is None:
            status = 400
    return render(request, "agenda/import.html", {"form": form, "report": report}, status=status)
