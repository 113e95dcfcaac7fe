"""Forms of the messages pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.accounts.queries import pickable_person
from cercle.chat.models import MAX_GROUP_MEMBERS, MAX_NAME_LENGTH


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=MAX_NAME_LENGTH)
    people = forms.CharField(
        label=_("People"),
        help_text=_("Usernames, separated by commas or spaces (up to %(n)d people).")
        % {"n": MAX_GROUP_MEMBERS - 1},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def clean_people(self) -> list[User]:
        raw = self.cleaned_data["people"].replace(",", " ").split()
        names = list(dict.fromkeys(name.lstrip("@") for name in raw))
        people: list[User] = []
        missing: list[str] = []
        for name in names:
            person = pickable_person(self.viewer, name)
            if person is None:
                missing.append(name)
            else:
                people.append(person)
        if missing:
            raise forms.ValidationError(
                _("Nobody active has these usernames: %(names)s"),
                params={"names": ", ".join(missing)},
            )
        return people
