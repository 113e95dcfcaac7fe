"""Forms of the administration pages: they read input; actions decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department, Role, Site, User, colour_validator
from cercle.administration.queries import PersonStatus
from cercle.audit.labels import action_label


def date_hint() -> str:
    """The person's date format in words ("jj/mm/aaaa" in French, "yyyy-mm-dd" in English)."""
    first = str(get_format("DATE_INPUT_FORMATS")[0])
    return (
        first.replace("%d", str(_("dd")))
        .replace("%m", str(_("mm")))
        .replace("%Y", str(_("yyyy")))
        .replace("%y", str(_("yy")))
    )


class LocalDateInput(forms.DateInput):
    """A date typed and shown in the page's language's format (the field is `localize=True`):
    the browser's own date picker follows the browser's language, not the page's."""

    input_type = "text"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        hint = date_hint()
        attrs = {**(attrs or {}), "placeholder": hint, "title": hint, "autocomplete": "off"}
        return super().get_context(name, value, attrs)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *PersonStatus.CHOICES],
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.order_by("name"),
        empty_label=_("All departments"),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    department = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.order_by("name"),
        empty_label=_("— none —"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        required=False,
        queryset=Site.objects.order_by("name"),
        empty_label=_("— none —"),
    )
    job_title = forms.CharField(label=_("Job title"), required=False, max_length=150)
    manager = forms.EmailField(label=_("Manager's email"), required=False, max_length=254)

    def __init__(self, *args: Any, roles: list[Role] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:
            role_field = self.fields["role"]
            assert isinstance(role_field, forms.ChoiceField)
            role_field.choices = [(role.value, role.label) for role in roles]

    def clean_manager(self) -> User | None:
        email = self.cleaned_data.get("manager") or ""
        if not email:
            return None
        manager = User.objects.filter(email__iexact=email, is_active=True).first()
        if manager is None:
            raise forms.ValidationError(_("Nobody active has this email address."))
        return manager


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, roles: list[Role] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:
            role_field = self.fields["role"]
            assert isinstance(role_field, forms.ChoiceField)
            role_field.choices = [(role.value, role.label) for role in roles]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, separated by commas or semicolons, with a header row."),
    )
    create_missing = forms.BooleanField(
        label=_("Create the departments and sites the file names that do not exist yet"),
        required=False,
    )
    send_invitations = forms.BooleanField(
        label=_("Send each imported person their invitation by email"), required=False
    )


class PlaceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)


class MessagingPolicyForm(forms.Form):
    """The organisation's messaging policy (one switch today)."""

    read_receipts = forms.BooleanField(
        label=_("Read receipts in the organisation"),
        required=False,
        help_text=_(
            "Off: nobody sees read receipts, whatever their own choice. On: each person still "
            "chooses for themselves in their messaging settings."
        ),
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 5 MB; shown at most 256 pixels wide."),
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    primary_colour = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        validators=[colour_validator],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    accent_colour = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        validators=[colour_validator],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    lock_hr_fields = forms.BooleanField(
        label=_("Only administrators edit job title, department and manager"), required=False
    )
    email_changes_allowed = forms.BooleanField(
        label=_("People may change their sign-in email address"),
        required=False,
        help_text=_(
            "Turn off when sign-in addresses come from the company directory: the email page "
            "then offers no “Add” nor “Remove”."
        ),
    )
    signup_domains = forms.CharField(
        label=_("Sign-up allowed for these email domains"),
        required=False,
        max_length=2000,
        help_text=_(
            "Comma-separated, e.g. example.org, example.fr. Empty: people join by invitation only."
        ),
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who"), required=False, max_length=150)
    target = forms.CharField(label=_("Target"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, localize=True, widget=LocalDateInput()
    )
    date_to = forms.DateField(label=_("To"), required=False, localize=True, widget=LocalDateInput())
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = sorted(((a, action_label(a)) for a in actions), key=lambda choice: choice[1])
        self.fields["action"].choices = [("", _("All actions")), *choices]  # type: ignore[attr-defined]


class DocumentQuotaDefaultsForm(forms.Form):
    """The organisation's document quotas: a space's, a person's, and the largest file."""

    space_quota_mb = forms.IntegerField(
        label=_("Quota of a space's documents (MB)"), required=False, min_value=0
    )
    person_quota_mb = forms.IntegerField(
        label=_("Quota of a person's “My documents” (MB)"), required=False, min_value=0
    )
    max_file_mb = forms.IntegerField(label=_("Largest file (MB)"), required=False, min_value=1)

    def __init__(
        self, *args: Any, space_mb: int, person_mb: int, ceiling_mb: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["space_quota_mb"].help_text = _(
            "0: no limit. Empty: the server's setting (%(value)s)."
        ) % {"value": _limit_text(space_mb)}
        self.fields["person_quota_mb"].help_text = _(
            "0: no limit. Empty: the server's setting (%(value)s)."
        ) % {"value": _limit_text(person_mb)}
        self.fields["max_file_mb"].validators.append(MaxValueValidator(ceiling_mb))
        self.fields["max_file_mb"].widget.attrs["max"] = ceiling_mb
        self.fields["max_file_mb"].help_text = _(
            "At most %(max)d MB (the server's limit, which applies when empty)."
        ) % {"max": ceiling_mb}


def _limit_text(mb: int) -> str:
    return str(_("no limit")) if not mb else str(_("%(mb)d MB") % {"mb": mb})


class DocumentQuotaForm(forms.Form):
    """A quota of its own for one space's documents or one person's "My documents"."""

    kind = forms.ChoiceField(
        label=_("For"), choices=[("space", _("A space")), ("person", _("A person"))]
    )
    who = forms.CharField(
        label=_("The space's address or name, or the person's username or e-mail"),
        max_length=254,
    )
    quota_mb = forms.IntegerField(
        label=_("Quota (MB)"),
        required=False,
        min_value=0,
        help_text=_("0: no limit. Empty: back to the default."),
    )
