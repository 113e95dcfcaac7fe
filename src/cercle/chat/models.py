"""Instant messaging: conversations (direct, group, space channel), membership with read state,
messages with their earlier versions, reactions and chat settings.

Invariants kept here (the actions keep the rest):
- one direct conversation per pair of people (`direct_key` is unique);
- a sender's `client_id` is unique, so a retried send never creates a second message;
- one reaction row per person, message and emoji.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_GROUP_MEMBERS = 50
MAX_BODY_LENGTH = 10_000
MAX_NAME_LENGTH = 120
MAX_ATTACHMENTS = 10


class ChatSettings(models.Model):
    """The organisation's chat switches: one row (pk=1), read through `queries.chat_settings`."""

    read_receipts = models.BooleanField(_("show read receipts"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chat settings")
        verbose_name_plural = _("chat settings")

    def __str__(self) -> str:
        return str(_("chat settings"))


class ChatPreferences(models.Model):
    """One person's chat choices; a missing row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="chat_preferences",
    )
    # Off: others do not see when I have read, and I see nobody's receipts either.
    read_receipts = models.BooleanField(_("share and see read receipts"), default=True)

    class Meta:
        verbose_name = _("chat preferences")
        verbose_name_plural = _("chat preferences")

    def __str__(self) -> str:
        return f"chat preferences of {self.user_id}"


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("direct")
        GROUP = "group", _("group")
        # A space's channel (issue 3's spaces app): members follow the space's membership.
        SPACE = "space", _("space channel")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=MAX_NAME_LENGTH, blank=True, default="")
    # "<smaller id>:<larger id>" for direct conversations, so that a pair has one conversation.
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The space whose channel this is (no foreign key until the spaces app exists).
    space_id = models.BigIntegerField(null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Denormalised from the newest message, for the conversation list's order.
    last_message_id = models.BigIntegerField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [models.Index(fields=["-last_message_at", "-id"], name="conversation_recent")]

    def __str__(self) -> str:
        return self.name or f"{self.kind} #{self.pk}"


class Membership(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    # The newest message id this person has seen in the conversation (0: none).
    last_read_message_id = models.BigIntegerField(default=0)
    muted = models.BooleanField(_("muted"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="unique_chat_member"),
        ]
        indexes = [models.Index(fields=["user", "conversation"], name="chat_member_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    # Chosen by the sending client; the same id again returns the stored message.
    client_id = models.CharField(max_length=64)
    body = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    # Accent-free, lower-case body for search (cercle.core.text.normalize).
    body_normalized = models.TextField(blank=True, default="")
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Pinned to the top of the conversation by one of its members.
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="unique_chat_client_id"),
        ]
        indexes = [
            models.Index(fields=["conversation", "-id"], name="chat_message_history"),
            # The adoption figures count a day's messages.
            models.Index(fields=["created_at"], name="chat_message_by_time"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Attachment(models.Model):
    """A file sent in a conversation: uploaded first, then attached to the message that sends it.
    Served only to the conversation's members (`views.attachment`)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="attachments"
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_attachments"
    )
    message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="chat/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    is_image = models.BooleanField(default=False)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MessageVersion(models.Model):
    """An earlier text of an edited message, visible to the conversation's members."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="versions")
    body = models.TextField()
    body_html = models.TextField()
    # When this text was written (the message's creation or its previous edit).
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["replaced_at", "id"]

    def __str__(self) -> str:
        return f"version of {self.message_id}"


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_reactions"
    )
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="unique_chat_reaction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"
