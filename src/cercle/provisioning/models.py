"""Provisioning by SCIM 2.0: the tokens identity providers call with, and what SCIM knows of a
person or a department that Cercle itself does not keep (the provider's `userName`,
`externalId`, a SCIM deletion).

A person is a Cercle person (`accounts.User` and their profile); a SCIM group is a department.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department


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
