"""Forms for spaces: they validate shapes; rules and writes are the actions'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department
from cercle.spaces.models import SpaceKind
from cercle.spaces.registry import space_modules


class SpaceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(
        label=_("Who can join"),
        choices=SpaceKind.choices,
        initial=SpaceKind.OPEN,
        widget=forms.RadioSelect,
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("JPEG, PNG, GIF or WebP; shown square."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    # Choices and defaults from the modules installed (`cercle.spaces.registry`), read per form.
    modules = forms.MultipleChoiceField(
        label=_("Modules"),
        choices=lambda: [(m.key, m.label) for m in space_modules()],
        initial=lambda: [m.key for m in space_modules() if m.default],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class InviteForm(forms.Form):
    usernames = forms.CharField(
        label=_("People"),
        required=False,
        help_text=_("Usernames or e-mail addresses, separated by commas or spaces."),
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Or a whole department"),
        queryset=None,
        required=False,
        empty_label=_("No department"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["department"].queryset = Department.objects.order_by("name")  # type: ignore[attr-defined]
