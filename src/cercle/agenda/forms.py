"""The event form: date and time inputs, the repetition as plain choices turned into an RRULE."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from icalendar.prop import vRecur

from cercle.accounts.models import Department, User
from cercle.accounts.queries import pickable_person
from cercle.agenda.models import Calendar, Visibility
from cercle.agenda.queries import can_invite_departments, invitable_departments
from cercle.agenda.recurrence import Timing, get_zone
from cercle.spaces.models import Membership, Space
from cercle.spaces.queries import display_name

WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
REPEATS = [
    ("", _("Does not repeat")),
    ("daily", _("Every day")),
    ("weekly", _("Every week, on the days chosen")),
    ("monthly_date", _("Every month, on the same date")),
    ("monthly_weekday", _("Every month, on the same weekday (the 2nd Tuesday…)")),
    ("yearly", _("Every year")),
]
ENDS = [
    ("never", _("Never")),
    ("until", _("On a date")),
    ("count", _("After a number of times")),
]


class EventForm(forms.Form):
    calendar = forms.ModelChoiceField(queryset=Calendar.objects.none(), label=_("Calendar"))
    title = forms.CharField(label=_("Title"), max_length=200)
    all_day = forms.BooleanField(label=_("All day"), required=False)
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Start time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_date = forms.DateField(
        label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_time = forms.TimeField(
        label=_("End time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.CharField(label=_("Time zone"), max_length=64)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    meeting_url = forms.CharField(label=_("Online meeting link"), max_length=500, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown: **bold**, *italics*, lists, links."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        help_text=_("In a space's calendar, the space's members see the event."),
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=REPEATS, required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("On"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ends = forms.ChoiceField(label=_("Ends"), choices=ENDS, initial="never", required=False)
    until = forms.DateField(
        label=_("Last date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    count = forms.IntegerField(
        label=_("Number of times"), required=False, min_value=1, max_value=5000
    )

    invitees = forms.CharField(
        label=_("Invite (usernames, separated by commas)"),
        required=False,
        max_length=2000,
        help_text=_("Their busy times on that day are shown below."),
    )
    invite_space = forms.ModelChoiceField(
        queryset=Space.objects.none(),
        required=False,
        label=_("Invite the members of a space"),
    )
    invite_department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("Invite the people of a department"),
        help_text=_("Those in it today are invited; who joins it later is not."),
    )

    def __init__(
        self,
        *args: Any,
        calendars: list[tuple[Calendar, str]],
        viewer: User | None = None,
        **kwargs: Any,
    ) -> None:
        """`calendars`: those the person may write in, with their names; `viewer`: whose
        spaces may be invited (none without)."""
        super().__init__(*args, **kwargs)
        spaces = self.fields["invite_space"]
        assert isinstance(spaces, forms.ModelChoiceField)
        if viewer is not None:
            spaces.queryset = Space.objects.filter(
                pk__in=Membership.objects.filter(user_id=viewer.pk).values("space_id"),
                archived_at__isnull=True,
            ).order_by("name")
        spaces.label_from_instance = display_name  # type: ignore[method-assign,assignment]
        departments = self.fields["invite_department"]
        assert isinstance(departments, forms.ModelChoiceField)
        if viewer is not None and can_invite_departments(viewer):
            departments.queryset = invitable_departments(viewer)
        else:
            del self.fields["invite_department"]
        names = {calendar.pk: name for calendar, name in calendars}
        field = self.fields["calendar"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Calendar.objects.filter(pk__in=list(names))
        field.label_from_instance = lambda c: names.get(c.pk, str(c))  # type: ignore[method-assign,assignment]

    def clean_time_zone(self) -> str:
        zone: str = self.cleaned_data["time_zone"].strip()
        get_zone(zone)
        return zone

    def timing(self) -> Timing:
        data = self.cleaned_data
        if data["all_day"]:
            return Timing.dates(
                data["start_date"], data["end_date"] + dt.timedelta(days=1), data["time_zone"]
            )
        zone = get_zone(data["time_zone"])
        start_time = data.get("start_time") or dt.time(9)
        end_time = data.get("end_time") or start_time
        start = dt.datetime.combine(data["start_date"], start_time).replace(tzinfo=zone)
        end = dt.datetime.combine(data["end_date"], end_time).replace(tzinfo=zone)
        return Timing.timed(start, end, data["time_zone"])

    def rule(self) -> str:
        data = self.cleaned_data
        repeat = data.get("repeat") or ""
        if not repeat:
            return ""
        start: dt.date = data["start_date"]
        day = WEEKDAYS[start.weekday()][0]
        parts = {
            "daily": "FREQ=DAILY",
            "weekly": "FREQ=WEEKLY;BYDAY=" + ",".join(data.get("weekdays") or [day]),
            "monthly_date": f"FREQ=MONTHLY;BYMONTHDAY={start.day}",
            "monthly_weekday": f"FREQ=MONTHLY;BYDAY={(start.day - 1) // 7 + 1}{day}",
            "yearly": "FREQ=YEARLY",
        }[repeat]
        ends = data.get("ends") or "never"
        if ends == "until" and data.get("until"):
            parts += f";UNTIL={data['until']:%Y%m%d}"
        elif ends == "count" and data.get("count"):
            parts += f";COUNT={data['count']}"
        return parts


REPEAT_FIELDS = frozenset({"repeat", "weekdays", "ends", "until", "count"})


def repeat_initial(rule: str, zone: str, start: dt.date) -> dict[str, Any] | None:
    """The form's repetition fields for a stored rule (of a series starting on `start`), or None
    when the form cannot say it (an INTERVAL, several months, a rule made elsewhere…): then the
    repetition is changed through the API or a calendar application only."""
    if not rule:
        return {"repeat": "", "ends": "never"}
    try:
        parts = vRecur.from_ical(rule)
        freq = str(parts["FREQ"][0]).upper()
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    others = set(parts) - {"FREQ", "UNTIL", "COUNT", "WKST"}
    days = [str(d).upper() for d in parts.get("BYDAY", [])]
    codes = [code for code, _label in WEEKDAYS]
    own_day = codes[start.weekday()]
    values: dict[str, Any] = {}
    if freq == "DAILY" and not others:
        values["repeat"] = "daily"
    elif freq == "WEEKLY" and others <= {"BYDAY"} and all(d in codes for d in days):
        values.update(repeat="weekly", weekdays=days or [own_day])
    elif freq == "MONTHLY" and (
        not others or (others == {"BYMONTHDAY"} and parts["BYMONTHDAY"] == [start.day])
    ):
        values["repeat"] = "monthly_date"
    elif (
        freq == "MONTHLY"
        and others == {"BYDAY"}
        and days == [f"{(start.day - 1) // 7 + 1}{own_day}"]
    ):
        values["repeat"] = "monthly_weekday"
    elif freq == "YEARLY" and not others:
        values["repeat"] = "yearly"
    else:
        return None
    if "COUNT" in parts:
        values.update(ends="count", count=parts["COUNT"][0])
    elif "UNTIL" in parts:
        until = parts["UNTIL"][0]
        if isinstance(until, dt.datetime):
            until = until.astimezone(get_zone(zone)).date() if until.tzinfo else until.date()
        values.update(ends="until", until=until)
    else:
        values["ends"] = "never"
    return values


def invitee_names(value: str) -> list[str]:
    return list(dict.fromkeys(n.strip().lstrip("@") for n in value.split(",") if n.strip()))[:50]


def pick_invitees(viewer: User, value: str) -> tuple[list[User], list[str]]:
    """The people named (usernames separated by commas), and the names matching no one."""
    people: list[User] = []
    unknown: list[str] = []
    for name in invitee_names(value):
        person = pickable_person(viewer, name)
        if person is None:
            unknown.append(name)
        else:
            people.append(person)
    return people, unknown
