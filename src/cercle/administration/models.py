"""The organisation's own settings: name, branding, HR-field lock, sign-up domains."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class Organisation(models.Model):
    """One row (pk=1): read through `administration.queries.get_organisation`, which caches it."""

    name = models.CharField(_("name"), max_length=120, default="Cercle")
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True, default="")
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1f5fae", validators=[colour_validator]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#e0711c", validators=[colour_validator]
    )
    lock_hr_fields = models.BooleanField(
        _("only admins edit job title, department and manager"), default=False
    )
    # Comma-separated email domains whose people may sign up by themselves; empty: invitation only.
    signup_domains = models.TextField(
        _("sign-up allowed for these email domains"), blank=True, default=""
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")

    def __str__(self) -> str:
        return self.name

    @property
    def signup_domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.signup_domains.split(",") if d.strip()]
