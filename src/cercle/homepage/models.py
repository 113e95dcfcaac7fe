"""What admins compose the home page and the header with: links (quick links to the
organisation's tools on the home page, extra links of the header's menu) and the home's parts
(shown or not, their order, whom they are for). Each may target sites and/or departments: none
of either means everyone."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department, Site


class HomeLink(models.Model):
    class Place(models.TextChoices):
        HOME = "home", _("Quick link on the home page")
        MENU = "menu", _("Link in the header's menu")

    place = models.CharField(max_length=8, choices=Place.choices, default=Place.HOME)
    label_fr = models.CharField(_("label in French"), max_length=60, blank=True, default="")
    label_en = models.CharField(_("label in English"), max_length=60, blank=True, default="")
    # An http(s) address, or a path inside Cercle ("/intranet/…"): `actions.clean_url`.
    url = models.CharField(_("address"), max_length=500)
    # A key of `queries.ICONS` (an emoji and its text alternative).
    icon = models.CharField(_("icon"), max_length=20, blank=True, default="link")
    position = models.PositiveIntegerField(default=0)
    sites = models.ManyToManyField(Site, blank=True, related_name="+")
    departments = models.ManyToManyField(Department, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["place", "position", "id"]
        verbose_name = _("home link")
        verbose_name_plural = _("home links")

    def __str__(self) -> str:
        return self.label_fr or self.label_en


class HomePart(models.Model):
    """The admins' setting of one part of the home (`queries.PARTS`); a part without a row keeps
    its default."""

    key = models.CharField(max_length=20, unique=True)
    shown = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    sites = models.ManyToManyField(Site, blank=True, related_name="+")
    departments = models.ManyToManyField(Department, blank=True, related_name="+")

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("home part")
        verbose_name_plural = _("home parts")

    def __str__(self) -> str:
        return self.key
