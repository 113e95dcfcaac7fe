"""Forms of the privacy pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.core.personal_data import RetentionTarget
from cercle.spaces.models import Space


def _space_choices(spaces: list[Space], empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *((str(space.pk), space.name) for space in spaces)]


class PolicyForm(forms.Form):
    target = forms.ChoiceField(label=_("Content"))
    days = forms.IntegerField(label=_("Delete after (days)"), min_value=1, max_value=36600)
    space = forms.ChoiceField(label=_("Space"), required=False)
    archived_spaces_only = forms.BooleanField(label=_("Only in archived spaces"), required=False)

    def __init__(
        self, *args: Any, targets: dict[str, RetentionTarget], spaces: list[Space], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            (key, target.label) for key, target in targets.items()
        ]
        self.fields["space"].choices = _space_choices(  # type: ignore[attr-defined]
            spaces, _("Every space, and personal content")
        )


def _person(login: str) -> User:
    login = (login or "").strip()
    person = User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).first()
    if person is None:
        raise forms.ValidationError(_("Nobody has this username or email address."))
    return person


class HoldForm(forms.Form):
    space = forms.ChoiceField(label=_("Space"), required=False)
    person = forms.CharField(
        label=_("Or a person (username or email address)"), required=False, max_length=254
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args: Any, spaces: list[Space], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["space"].choices = _space_choices(  # type: ignore[attr-defined]
            spaces, _("No space")
        )

    def clean_person(self) -> User | None:
        login = self.cleaned_data.get("person", "")
        return _person(login) if login.strip() else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("space")) == bool(data.get("person")):
            raise forms.ValidationError(_("Choose one space or one person."))
        return data


class FindPersonForm(forms.Form):
    person = forms.CharField(label=_("Username or email address"), max_length=254)

    def clean_person(self) -> User:
        return _person(self.cleaned_data.get("person", ""))


class EraseForm(forms.Form):
    shared_content = forms.ChoiceField(
        label=_("What they wrote in spaces, conversations and pages"),
        widget=forms.RadioSelect,
        choices=[
            ("anonymise", _("Keep it, signed “Former colleague”")),
            ("delete", _("Delete it")),
        ],
    )
    confirm = forms.CharField(label=_("Type the username to confirm"), max_length=150)

    def __init__(self, *args: Any, person: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data.get("confirm", "").strip()
        if value != self.person.username:
            raise forms.ValidationError(_("Type the username exactly as shown."))
        return value
