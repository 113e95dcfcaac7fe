"""A newcomer's first hour: the checklist's state per person, and what admins set up for it (the
spaces suggested per department and site, the welcome page, the welcome post)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department, Site, User
from cercle.spaces.models import Space


class OnboardingState(models.Model):
    """Made at a newcomer's first visit to the home page (`actions.start`). Steps whose state
    Cercle cannot see elsewhere (the welcome page read, the app installed) are kept in `done`."""

    user = models.OneToOneField(
        User, primary_key=True, on_delete=models.CASCADE, related_name="onboarding"
    )
    skipped = models.JSONField(default=list, blank=True)
    done = models.JSONField(default=list, blank=True)
    hidden = models.BooleanField(default=False)
    # The newcomer may turn the welcome post off until it is published.
    welcome_post = models.BooleanField(default=True)
    welcome_posted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("onboarding state")
        verbose_name_plural = _("onboarding states")

    def __str__(self) -> str:
        return f"onboarding of {self.user_id}"


class SuggestedSpace(models.Model):
    """A space admins suggest to newcomers: to everyone (no department, no site), or to those of a
    department and/or a site. The first one suggested for a department is its team's space, where
    newcomers are welcomed."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("suggested space")
        verbose_name_plural = _("suggested spaces")

    def __str__(self) -> str:
        return f"{self.space_id} for {self.department_id}/{self.site_id}"


class OnboardingSettings(models.Model):
    """One row (pk=1)."""

    welcome_page_url = models.CharField(
        _("welcome page"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("The address of the page newcomers read first, e.g. /intranet/bienvenue/."),
    )
    welcome_posts = models.BooleanField(
        _("welcome each newcomer with a post in their team's space"), default=True
    )
    welcome_delay_hours = models.PositiveSmallIntegerField(
        _("hours before the welcome post is published"),
        default=24,
        validators=[MaxValueValidator(24 * 14)],
    )
    newcomer_days = models.PositiveSmallIntegerField(
        _("days during which a new person sees the checklist"),
        default=30,
        validators=[MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("onboarding settings")
        verbose_name_plural = _("onboarding settings")

    def __str__(self) -> str:
        return "onboarding settings"
