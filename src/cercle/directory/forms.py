"""Forms of the company directory's administration page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cercle.directory import reader
from cercle.directory.models import Preset, RuleKind
from cercle.spaces.models import Space

ATTRIBUTE_LABELS = {
    "key": _("Stable identifier"),
    "username": _("Username (sign-in)"),
    "email": _("Email address"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "display_name": _("Full name (when first or last name is missing)"),
    "job_title": _("Job title"),
    "department": _("Department"),
    "site": _("Site"),
    "phone": _("Phone"),
    "manager": _("Manager (an entry's DN)"),
    "language": _("Language"),
    "photo": _("Photo"),
    "disabled": _("Disabled flag (userAccountControl)"),
    "member_of": _("Groups of the person (memberOf)"),
    "group_member": _("Members of a group"),
}


class SettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Synchronise every hour and let people sign in with their directory password"),
        required=False,
    )
    server_uri = forms.CharField(
        label=_("Server address"),
        max_length=500,
        required=False,
        help_text=_("E.g. ldaps://ldap.example.org or ldap://dc1.example.org:389."),
    )
    start_tls = forms.BooleanField(label=_("Use StartTLS (with ldap://)"), required=False)
    bind_dn = forms.CharField(
        label=_("Bind DN (service account)"),
        max_length=500,
        required=False,
        help_text=_("A read-only account, e.g. cn=cercle,ou=services,dc=example,dc=org."),
    )
    bind_password = forms.CharField(
        label=_("Bind password"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the stored password."),
    )
    preset = forms.ChoiceField(label=_("Attribute names"), choices=Preset.choices)
    user_base_dn = forms.CharField(label=_("Base DN of people"), max_length=500, required=False)
    user_filter = forms.CharField(
        label=_("Filter of people"),
        max_length=1000,
        required=False,
        help_text=_(
            "Empty: the preset's, (objectClass=inetOrgPerson) or, for Active Directory, "
            "(&(objectClass=user)(objectCategory=person))."
        ),
    )
    group_base_dn = forms.CharField(label=_("Base DN of groups"), max_length=500, required=False)
    group_filter = forms.CharField(
        label=_("Filter of groups"),
        max_length=1000,
        required=False,
        help_text=_("Empty: the preset's (groupOfNames, groupOfUniqueNames, or group)."),
    )
    max_deactivation_percent = forms.IntegerField(
        label=_("Deactivate nobody when a run would deactivate more than (%)"),
        min_value=0,
        max_value=100,
        initial=10,
        help_text=_(
            "A safety: a wrong base DN or an outage must not deactivate the whole "
            "organisation. The administrators are alerted instead."
        ),
    )

    def __init__(self, *args: Any, preset: str = Preset.OPENLDAP, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defaults = reader.PRESETS.get(preset, reader.PRESETS["openldap"])
        for name in reader.ATTRIBUTES:
            self.fields[f"map_{name}"] = forms.CharField(
                label=ATTRIBUTE_LABELS[name],
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": defaults.get(name) or "—"}),
            )

    def attribute_map(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"map_{name}", "") for name in reader.ATTRIBUTES}


class RuleForm(forms.Form):
    group_dn = forms.CharField(label=_("Group DN"), max_length=500)
    kind = forms.ChoiceField(label=_("Its people become"), choices=RuleKind.choices)
    space = forms.ModelChoiceField(
        label=_("Space"),
        queryset=Space.objects.filter(is_organisation=False, archived_at__isnull=True).order_by(
            "name"
        ),
        required=False,
    )
    name = forms.CharField(
        label=_("Department or site"),
        max_length=120,
        required=False,
        help_text=_("Created when it does not exist."),
    )
