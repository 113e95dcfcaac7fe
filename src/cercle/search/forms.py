"""The search page's filters, read from the address (bad values are reported, never a 500)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercle.search import registry
from cercle.search.queries import FILE_TYPES


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=10_000, strip=True)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    space = forms.IntegerField(label=_("Space"), required=False, min_value=1, max_value=2**63 - 1)
    author = forms.CharField(label=_("Author"), required=False, max_length=150)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    type = forms.ChoiceField(label=_("File type"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("relevance", _("Relevance")), ("date", _("Newest first"))],
    )
    page = forms.IntegerField(required=False, min_value=0, max_value=1000)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = [("", _("Everything"))] + [  # type: ignore[attr-defined]
            (kind.key, kind.label) for kind in registry.kinds()
        ]
        self.fields["type"].choices = [("", _("Any"))] + [  # type: ignore[attr-defined]
            (key, label) for key, (label, _endings) in FILE_TYPES.items()
        ]

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q") or "").replace("\x00", "")


def day_start(day: date | None) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def day_after(day: date | None) -> datetime | None:
    start = day_start(day)
    return start + timedelta(days=1) if start else None
