"""Provisioning by SCIM 2.0: the tokens identity providers call with, and what SCIM knows of a
person or a department that Cercle itself does not keep (the provider's `userName`,
`externalId`, a SCIM deletion).

A person is a Cercle person (`accounts.User` and their profile); a SCIM group is a department,
and, when an administrator maps it (`ScimGroupRule`), its members are also members of a space.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department
from cercle.spaces.models import Space


class ScimToken(models.Model):
    """A bearer token an identity provider (Entra ID, Okta…) provisions people with.

    Issued by an administrator, shown once, stored as its SHA-256. The provider acts with the
    issuer's rights: a token whose issuer is no longer an active administrator stops working.
    """

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class ScimIdentity(models.Model):
    """What the identity provider calls a person: its `userName` (unique, compared without
    case), its `externalId`; `deleted_at` when it sent DELETE (the person is deactivated and
    gone from SCIM, everything they wrote stays)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="scim_identity",
    )
    user_name = models.CharField(max_length=255)
    user_name_key = models.CharField(max_length=255, unique=True)
    external_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    # The attributes the provider sent that Cercle does not keep itself, given back as they came.
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(models.Model):
    """A department as a SCIM group: the provider's `externalId` for it, and the `display` it
    gave each member (person id → text), given back as it came."""

    department = models.OneToOneField(
        Department, primary_key=True, on_delete=models.CASCADE, related_name="scim_group"
    )
    external_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    member_displays = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.external_id


class MatchBy(models.TextChoices):
    DISPLAY_NAME = "display_name", _("Its name (displayName)")
    EXTERNAL_ID = "external_id", _("Its identifier at the provider (externalId)")


class GrantedRole(models.TextChoices):
    MEMBER = "member", _("Member")
    ADMIN = "admin", _("Admin")


class ScimGroupRule(models.Model):
    """The members of the SCIM group named `value` (its displayName, or its externalId, which
    a rename does not change) are members (or admins) of a space — the company directory's
    group rules, for groups an identity provider pushes. Applied when the provider writes the
    group (POST, PUT, PATCH of its members) and when the rule is added."""

    match_by = models.CharField(
        _("group found by"), max_length=16, choices=MatchBy.choices, default=MatchBy.DISPLAY_NAME
    )
    value = models.CharField(_("group"), max_length=255)
    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, related_name="scim_group_rules", verbose_name=_("space")
    )
    role = models.CharField(
        _("role"), max_length=10, choices=GrantedRole.choices, default=GrantedRole.MEMBER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["space__name", "value", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["match_by", "value", "space"], name="scim_group_rule_once"
            )
        ]

    def __str__(self) -> str:
        return self.value


class ScimSpaceGrant(models.Model):
    """This person is in a space because they are in this group (a department) that this rule
    maps: their membership lasts while at least one grant for the space remains."""

    rule = models.ForeignKey(ScimGroupRule, on_delete=models.CASCADE, related_name="grants")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "department", "user"], name="scim_space_grant_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.department_id}:{self.user_id}"


class ScimMembership(models.Model):
    """A space membership provisioning created (the person was not a member before): only
    these are removed when the person leaves the mapped groups. A member from before keeps
    their membership whatever the provider does."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="scim_membership_once")
        ]

    def __str__(self) -> str:
        return f"{self.space_id}:{self.user_id}"
