"""Single sign-on's own settings. The identity providers themselves are allauth's `SocialApp`
rows (or entries of `CERCLE_SSO_PROVIDERS`); what Cercle adds is kept here."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
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


class TwoFactorScope(models.TextChoices):
    NOBODY = "nobody", _("Nobody (each person chooses)")
    ADMINS = "admins", _("Administrators")
    EVERYONE = "everyone", _("Everyone")


class TwoFactorPolicy(models.Model):
    """One row (pk=1): who must set up two-factor authentication, and how long they have."""

    scope = models.CharField(
        _("require two-factor authentication of"),
        max_length=16,
        choices=TwoFactorScope.choices,
        default=TwoFactorScope.NOBODY,
    )
    grace_days = models.PositiveSmallIntegerField(
        _("days to set it up"), default=7, validators=[MaxValueValidator(365)]
    )
    # When the requirement started: the grace period counts from it (or from a newcomer's
    # first day, whichever is later).
    since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor policy")
        verbose_name_plural = _("two-factor policy")

    def __str__(self) -> str:
        return self.scope


class SessionPolicy(models.Model):
    """One row (pk=1): how long a signed-in session lasts (OWASP ASVS 3.3): signed out after
    `idle_minutes` without activity and `lifetime_hours` after signing in; 0 is no limit (the
    session cookie's own two weeks without a visit still apply)."""

    idle_minutes = models.PositiveIntegerField(
        _("sign out after this many minutes without activity"),
        default=0,
        validators=[MaxValueValidator(60 * 24 * 30)],
    )
    lifetime_hours = models.PositiveIntegerField(
        _("sign out this many hours after signing in"),
        default=0,
        validators=[MaxValueValidator(24 * 365)],
    )

    class Meta:
        verbose_name = _("session policy")
        verbose_name_plural = _("session policy")

    def __str__(self) -> str:
        return f"{self.idle_minutes} min / {self.lifetime_hours} h"
