"""Forms of the people pages: one's profile, a skill."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cercle.accounts import queries
from cercle.accounts.models import Department, Profile, Site, SkillLevel, User


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG, GIF or WebP. It is cropped to a square and its metadata removed."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    team = forms.CharField(label=_("Team"), max_length=120, required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    manager = forms.CharField(
        label=_("Manager"),
        max_length=150,
        required=False,
        help_text=_("Type a name and choose; the field holds the person's username."),
    )
    languages = forms.CharField(
        label=_("Languages spoken"),
        max_length=600,
        required=False,
        help_text=_("Separated by commas, e.g. French, English."),
    )
    ask_me_about = forms.CharField(
        label=_("Ask me about"),
        max_length=1500,
        required=False,
        help_text=_("Topics separated by commas."),
    )
    bio = forms.CharField(
        label=_("About me"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, [links](https://example.org), lists."),
    )

    def __init__(
        self, *args: Any, viewer: User, person: User, hr_editable: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.person = person
        department_field: Any = self.fields["department"]
        department_field.queryset = queries.departments()
        site_field: Any = self.fields["site"]
        site_field.queryset = queries.sites()
        self.hr_editable = hr_editable
        if not hr_editable:
            for name in ("job_title", "department", "manager"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only administrators may change this.")

    @classmethod
    def initial_for(cls, profile: Profile) -> dict[str, Any]:
        return {
            "first_name": profile.user.first_name,
            "last_name": profile.user.last_name,
            "job_title": profile.job_title,
            "department": profile.department,
            "team": profile.team,
            "site": profile.site,
            "phone": profile.phone,
            "manager": profile.manager.username if profile.manager else "",
            "languages": ", ".join(str(x) for x in profile.languages or []),
            "ask_me_about": ", ".join(str(x) for x in profile.ask_me_about or []),
            "bio": profile.bio,
        }

    def clean_manager(self) -> User | None:
        value = self.cleaned_data.get("manager")
        if isinstance(value, User) or value is None:
            return value
        username = str(value).strip()
        if not username:
            return None
        if self.person.profile.manager and self.person.profile.manager.username == username:
            return self.person.profile.manager
        manager = queries.pickable_person(self.viewer, username)
        if manager is None:
            raise forms.ValidationError(_("No active person has this username."))
        return manager

    def changes(self) -> dict[str, Any]:
        """The profile fields for `update_profile` (disabled ones left out)."""
        names = (
            "first_name",
            "last_name",
            "job_title",
            "department",
            "team",
            "site",
            "phone",
            "manager",
            "languages",
            "ask_me_about",
            "bio",
        )
        return {
            name: self.cleaned_data[name]
            for name in names
            if name in self.cleaned_data and not self.fields[name].disabled
        }


class SkillForm(forms.Form):
    name = forms.CharField(
        label=_("Skill"),
        max_length=80,
        widget=forms.TextInput(attrs={"list": "skill-suggestions", "autocomplete": "off"}),
    )
    level = forms.TypedChoiceField(
        label=_("Level"), choices=SkillLevel.choices, coerce=int, initial=SkillLevel.INTERMEDIATE
    )


class SkillLevelForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Level"), choices=SkillLevel.choices, coerce=int)
