from django import forms
from django.utils.translation import gettext_lazy as _


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who will use it, for instance “Entra ID” or “Okta”."),
    )
