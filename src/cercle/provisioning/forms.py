from django import forms
from django.utils.translation import gettext_lazy as _

from cercle.provisioning.models import GrantedRole, MatchBy
from cercle.spaces.models import Space


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who will use it, for instance “Entra ID” or “Okta”."),
    )


class GroupRuleForm(forms.Form):
    match_by = forms.ChoiceField(label=_("Find the group by"), choices=MatchBy.choices)
    value = forms.CharField(
        label=_("Group"),
        max_length=255,
        help_text=_(
            "Its name as the provider shows it (e.g. “Sales”), or its identifier there "
            "(Entra ID's object id, Okta's group id), which a rename does not change."
        ),
    )
    space = forms.ModelChoiceField(
        label=_("Space"),
        queryset=Space.objects.filter(is_organisation=False, archived_at__isnull=True).order_by(
            "name"
        ),
    )
    role = forms.ChoiceField(
        label=_("Its members become"), choices=GrantedRole.choices, initial=GrantedRole.MEMBER
    )
