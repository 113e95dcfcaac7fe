"""Single sign-on's own settings. The identity providers themselves are allauth's `SocialApp`
rows (or entries of `CERCLE_SSO_PROVIDERS`); what Cercle adds is kept here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User


class RequiredSsoDomain(models.Model):
    """People whose email address ends in this domain sign in only through single sign-on:
    password and sign-in code are refused (except for break-glass accounts)."""

    domain = models.CharField(_("email domain"), max_length=253, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("domain requiring single sign-on")
        verbose_name_plural = _("domains requiring single sign-on")

    def __str__(self) -> str:
        return self.domain


class BreakGlassAccount(models.Model):
    """An administrator who keeps their password (and two-factor authentication) when their
    domain requires single sign-on: the way in when the identity provider is down."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="sso_break_glass")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("break-glass account")
        verbose_name_plural = _("break-glass accounts")

    def __str__(self) -> str:
        return str(self.user)
