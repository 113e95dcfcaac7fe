"""Spaces (groups with their own wall), memberships and roles, join requests, invitations, follows.

The "whole organisation" space (`is_organisation=True`, created by a data migration) has no
membership rows for ordinary people: every active non-guest person is an implied member of it
(see `cercle.spaces.queries.effective_role`). Explicit rows exist only for those who manage it
(owners, admins, moderators), so 100,000 people do not cost 100,000 rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.core.models import TimeStampedModel
from cercle.spaces.registry import module_on, space_modules


class SpaceKind(models.TextChoices):
    OPEN = "open", _("Open: anyone can join")
    REQUEST = "request", _("On request: people ask, the space's admins accept")
    PRIVATE = "private", _("Private: by invitation only, listed")
    SECRET = "secret", _("Secret: by invitation only, not listed")


class SpaceRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")


# Higher ranks include the powers of lower ones.
ROLE_RANK: dict[str, int] = {
    SpaceRole.MEMBER: 1,
    SpaceRole.MODERATOR: 2,
    SpaceRole.ADMIN: 3,
    SpaceRole.OWNER: 4,
}


class Space(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    image = models.ImageField(_("image"), upload_to="spaces/%Y/%m/", blank=True, default="")
    kind = models.CharField(
        _("kind"), max_length=16, choices=SpaceKind.choices, default=SpaceKind.OPEN
    )
    # Each switchable module's state by its key ({"wall": true, "chat": false}), as the modules
    # registered them (`cercle.spaces.registry`); read with `queries.has_module`. A key stays when
    # its module is uninstalled, so the admins' choice holds if it comes back.
    module_settings = models.JSONField(_("modules"), default=dict, blank=True)
    is_organisation = models.BooleanField(default=False, editable=False)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # When the last post went up on its wall (`actions.note_space_activity`): a member who has not
    # opened the space since sees it marked as new in the side navigation.
    last_post_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Normalised name and description for accent-insensitive search.
    search_text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        constraints = [
            models.UniqueConstraint(
                fields=["is_organisation"],
                condition=models.Q(is_organisation=True),
                name="one_organisation_space",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["open", "request", "private", "secret"]),
                name="space_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def modules(self) -> list[str]:
        """The keys of the modules on in this space, in their order."""
        return [m.key for m in space_modules() if module_on(self.module_settings, m.key)]


class Membership(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_memberships"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=SpaceRole.choices, default=SpaceRole.MEMBER
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The member's own choices: favourites come first in the side navigation; when they last
    # opened the space (`actions.mark_space_seen`).
    favourite = models.BooleanField(_("favourite"), default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["space", "id"]
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="one_membership_per_space"),
        ]
        indexes = [models.Index(fields=["user", "space"], name="membership_by_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.space} ({self.role})"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class JoinRequest(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_join_requests"
    )
    message = models.TextField(_("message"), blank=True, default="")
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["space", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_join_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.space} ({self.status})"


class SpaceInvitation(models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the invitation came from inviting a whole department.
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["space", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_space_invitation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.space} ({self.status})"


class SpaceFollow(models.Model):
    """Following a space puts its posts in one's home feed without joining it."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="unique_space_follow"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.space}"
