"""Every write of the chat app: one function per use case, keyword-only, in a transaction.

Each checks permission (membership, authorship), writes, records an audit entry where others
care (group membership, settings), and publishes its realtime event after commit:
messages, reactions and receipts to `conversation.<id>`; conversation changes and one's own read
state to the `user.<id>` groups of the people concerned.

Space channels: the spaces app's actions call the space-channel functions below when a space
turns chat on or off, is archived or restored, or its membership changes. Every write checks
that the person may write there (`queries.access_membership` / `access_message` with
`write=True`): an archived space's channel is read-only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import unicodedata
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.audit.actions import log_event
from cercle.chat import events, mentions, queries
from cercle.chat.attachments import CHAT_ATTACHMENT, check_upload
from cercle.chat.models import (
    MAX_ATTACHMENTS,
    MAX_BODY_LENGTH,
    MAX_GROUP_MEMBERS,
    MAX_NAME_LENGTH,
    Attachment,
    ChatPreferences,
    ChatSettings,
    Conversation,
    Membership,
    Message,
    MessageVersion,
    Reaction,
)
from cercle.core import uploads
from cercle.core.kept import forget_now_and_at_commit
from cercle.core.realtime import publish_on_commit
from cercle.core.text import normalize
from cercle.spaces.models import Membership as SpaceMembership
from cercle.spaces.queries import access_space, effective_role, has_module

MAX_CLIENT_ID_LENGTH = 64
MAX_EMOJI_LENGTH = 16


def _require_active(actor: User) -> None:
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))


def _require_starter(actor: User) -> None:
    _require_active(actor)
    if not queries.can_start_conversations(actor):
        raise PermissionDenied(_("Guests cannot start conversations."))


def _publish_conversation(
    kind: type[events.ConversationEvent], conversation: Conversation, people: list[User]
) -> None:
    publish_on_commit(
        events.conversation_event(kind, conversation, people),
        user_ids=[p.pk for p in people],
    )


# --- Conversations -----------------------------------------------------------------------------


@transaction.atomic
def start_direct_conversation(*, actor: User, other: User) -> Conversation:
    """The one direct conversation between two people: reused when it exists."""
    _require_starter(actor)
    if not queries.may_start_conversation(actor, other):
        if other.pk == actor.pk:
            raise ValidationError(_("Choose someone other than yourself."))
        raise ValidationError(_("This person's account is not active."))
    low, high = sorted([actor.pk, other.pk])
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key, created_by=actor
            )
    except IntegrityError:  # started by the other person at the same moment
        return Conversation.objects.get(direct_key=key)
    Membership.objects.bulk_create(
        [
            Membership(conversation=conversation, user=actor),
            Membership(conversation=conversation, user=other),
        ]
    )
    _publish_conversation(
        events.ConversationCreated, conversation, sorted([actor, other], key=lambda u: u.pk)
    )
    return conversation


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": [_("Give the group a name.")]})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            {"name": [_("A name has at most %(n)d characters.") % {"n": MAX_NAME_LENGTH}]}
        )
    return name


def _check_people(people: Sequence[User]) -> None:
    inactive = [p.display_name for p in people if not p.is_active]
    if inactive:
        raise ValidationError(
            {
                "members": [
                    _("These accounts are not active: %(names)s") % {"names": ", ".join(inactive)}
                ]
            }
        )


@transaction.atomic
def create_group_conversation(*, actor: User, name: str, members: Sequence[User]) -> Conversation:
    """A named group of up to 50 people, the creator included."""
    _require_starter(actor)
    name = _clean_name(name)
    people = {p.pk: p for p in [actor, *members]}
    _check_people(list(people.values()))
    if len(people) < 2:
        raise ValidationError({"members": [_("Add at least one other person.")]})
    if len(people) > MAX_GROUP_MEMBERS:
        raise ValidationError(
            {"members": [_("A group has at most %(n)d people.") % {"n": MAX_GROUP_MEMBERS}]}
        )
    conversation = Conversation.objects.create(
        kind=Conversation.Kind.GROUP, name=name, created_by=actor
    )
    Membership.objects.bulk_create(
        [Membership(conversation=conversation, user=p) for p in people.values()]
    )
    log_event(
        actor=actor,
        action="chat.group_created",
        target=conversation,
        new={"name": name, "members": sorted(people)},
    )
    _publish_conversation(
        events.ConversationCreated, conversation, sorted(people.values(), key=lambda u: u.pk)
    )
    return conversation


def _group_for_change(actor: User, conversation_id: int) -> Conversation:
    _require_active(actor)
    conversation = queries.access_conversation(actor, conversation_id)
    if conversation.kind != Conversation.Kind.GROUP:
        raise ValidationError(_("Only group conversations have people added or removed."))
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


@transaction.atomic
def rename_group(*, actor: User, conversation_id: int, name: str) -> Conversation:
    conversation = _group_for_change(actor, conversation_id)
    old = conversation.name
    conversation.name = _clean_name(name)
    conversation.save(update_fields=["name"])
    log_event(
        actor=actor,
        action="chat.group_renamed",
        target=conversation,
        old=old,
        new=conversation.name,
    )
    _publish_conversation(events.ConversationUpdated, conversation, queries.members(conversation))
    return conversation


@transaction.atomic
def add_members(*, actor: User, conversation_id: int, people: Sequence[User]) -> Conversation:
    """Any member of a group may add people, up to 50 in all."""
    conversation = _group_for_change(actor, conversation_id)
    _check_people(people)
    current = set(queries.member_ids(conversation.pk))
    new = {p.pk: p for p in people if p.pk not in current}
    if len(current) + len(new) > MAX_GROUP_MEMBERS:
        raise ValidationError(
            {"members": [_("A group has at most %(n)d people.") % {"n": MAX_GROUP_MEMBERS}]}
        )
    if not new:
        return conversation
    last = conversation.last_message_id or 0
    Membership.objects.bulk_create(
        # Newcomers see the history; it counts as read, so it does not light up their badge.
        [
            Membership(conversation=conversation, user=p, last_read_message_id=last)
            for p in new.values()
        ]
    )
    log_event(
        actor=actor,
        action="chat.members_added",
        target=conversation,
        new={"added": sorted(new)},
    )
    _publish_conversation(events.ConversationUpdated, conversation, queries.members(conversation))
    return conversation


@transaction.atomic
def remove_member(*, actor: User, conversation_id: int, person: User) -> None:
    """Leave a group (oneself), or remove someone (the group's creator or an administrator)."""
    conversation = _group_for_change(actor, conversation_id)
    if person.pk != actor.pk and not (conversation.created_by_id == actor.pk or actor.is_admin):
        raise PermissionDenied(_("Only the group's creator can remove other people."))
    deleted, _rows = Membership.objects.filter(conversation=conversation, user=person).delete()
    if not deleted:
        raise ValidationError(_("This person is not in the conversation."))
    log_event(
        actor=actor,
        action="chat.member_removed",
        target=conversation,
        old={"removed": person.pk},
    )
    publish_on_commit(
        events.ConversationLeft(conversation_id=conversation.pk), user_ids=[person.pk]
    )
    _publish_conversation(events.ConversationUpdated, conversation, queries.members(conversation))


@transaction.atomic
def set_muted(*, actor: User, conversation_id: int, muted: bool) -> Membership:
    _require_active(actor)
    membership = queries.access_membership(actor, conversation_id)
    membership.muted = muted
    membership.save(update_fields=["muted"])
    return membership


# --- Space channels ----------------------------------------------------------------------------
#
# A space with chat on has one channel whose chat memberships follow the space's membership. The
# spaces app's actions keep it in step, one row per change (`add_space_member`,
# `remove_space_member`): joining a space of 5,000 members costs the same as joining one of five.
# The organisation space has no membership rows for ordinary people (they are implied members):
# its channel's rows are made when each person first opens it (`open_channel_for`), so neither
# the channel's opening nor a new colleague costs per-member work. Chat off closes the channel
# (`close_space_channel`): its members are removed, its messages kept for when it opens again.
# Archiving the space keeps its channel and its members, read-only (`space_channel_read_only`):
# they still read its history, search it and list it; restoring makes it writable again.


def _space_channel(space_id: int) -> Conversation | None:
    return Conversation.objects.filter(space_id=space_id).first()


def _channel_name(name: str) -> str:
    """The space's name; empty for the organisation space's channel, which is shown under a
    name in the reader's language (`queries.title_for`)."""
    return " ".join(name.split())[:MAX_NAME_LENGTH]


@transaction.atomic
def open_space_channel(*, space_id: int, name: str, member_ids: Sequence[int]) -> Conversation:
    """The chat channel of a space, created once, with exactly these members (the space's active
    members); called by the spaces app's actions, which check that the actor may turn chat on."""
    conversation, _created = Conversation.objects.get_or_create(
        space_id=space_id,
        defaults={"kind": Conversation.Kind.SPACE, "name": _channel_name(name)},
    )
    sync_space_members(space_id=space_id, member_ids=member_ids)
    return conversation


@transaction.atomic
def sync_space_members(*, space_id: int, member_ids: Sequence[int]) -> None:
    """Make the channel's members exactly `member_ids` (a whole-channel repair; the everyday
    changes go through `add_space_member` and `remove_space_member`)."""
    conversation = Conversation.objects.select_for_update().get(space_id=space_id)
    wanted = set(member_ids)
    current = set(queries.member_ids(conversation.pk))
    last = conversation.last_message_id or 0
    Membership.objects.bulk_create(
        [
            Membership(conversation=conversation, user_id=uid, last_read_message_id=last)
            for uid in sorted(wanted - current)
        ],
        ignore_conflicts=True,
    )
    gone = current - wanted
    if gone:
        Membership.objects.filter(conversation=conversation, user_id__in=gone).delete()
        publish_on_commit(events.ConversationLeft(conversation_id=conversation.pk), user_ids=gone)
    if wanted - current:
        # Each newcomer is told alone (the event lists them only): no payload of every member.
        for person in User.objects.filter(pk__in=wanted - current).order_by("pk"):
            _publish_conversation(events.ConversationCreated, conversation, [person])


@transaction.atomic
def add_space_member(*, space_id: int, user: User) -> Conversation | None:
    """One person joins the space's channel (if the space has one): one row, one event."""
    conversation = _space_channel(space_id)
    if conversation is None or not user.is_active:
        return conversation
    _membership, created = Membership.objects.get_or_create(
        conversation=conversation,
        user=user,
        defaults={"last_read_message_id": conversation.last_message_id or 0},
    )
    if created:
        _publish_conversation(events.ConversationCreated, conversation, [user])
    return conversation


@transaction.atomic
def add_space_members(*, space_id: int, users: Sequence[User]) -> None:
    """Many people join the space's channel at once (a group rule of the company directory):
    one INSERT, each newcomer told alone, as `add_space_member` tells them."""
    conversation = _space_channel(space_id)
    if conversation is None:
        return
    active = {user.pk: user for user in users if user.is_active}
    there = set(
        Membership.objects.filter(conversation=conversation, user_id__in=list(active)).values_list(
            "user_id", flat=True
        )
    )
    new = [active[pk] for pk in sorted(active) if pk not in there]
    last = conversation.last_message_id or 0
    Membership.objects.bulk_create(
        [
            Membership(conversation=conversation, user=user, last_read_message_id=last)
            for user in new
        ],
        ignore_conflicts=True,
    )
    for user in new:
        _publish_conversation(events.ConversationCreated, conversation, [user])


@transaction.atomic
def remove_space_members(*, space_id: int, user_ids: Sequence[int]) -> None:
    """Many people leave the space's channel at once: one DELETE, one event to those who were
    in it (their tabs drop it)."""
    conversation = _space_channel(space_id)
    if conversation is None or not user_ids:
        return
    rows = Membership.objects.filter(conversation=conversation, user_id__in=list(user_ids))
    gone = list(rows.values_list("user_id", flat=True))
    if gone:
        rows.delete()
        publish_on_commit(events.ConversationLeft(conversation_id=conversation.pk), user_ids=gone)


@transaction.atomic
def remove_space_member(*, space_id: int, user_id: int) -> None:
    """One person leaves the space's channel (their tabs drop it at once)."""
    conversation = _space_channel(space_id)
    if conversation is None:
        return
    deleted, _rows = Membership.objects.filter(conversation=conversation, user_id=user_id).delete()
    if deleted:
        publish_on_commit(
            events.ConversationLeft(conversation_id=conversation.pk), user_ids=[user_id]
        )


@transaction.atomic
def close_space_channel(*, space_id: int) -> None:
    """Chat switched off: nobody writes or reads there any more; the messages stay for when the
    channel opens again. One event to the channel's group tells
    every open tab of every member, whatever their number."""
    conversation = _space_channel(space_id)
    if conversation is None:
        return
    Membership.objects.filter(conversation=conversation).delete()
    publish_on_commit(
        events.ConversationLeft(conversation_id=conversation.pk), conversation_ids=[conversation.pk]
    )


def space_channel_read_only(*, space_id: int, read_only: bool) -> None:
    """The space was archived (`read_only`) or restored: its channel keeps its members; the rule
    itself is read from the space (`queries.may_write`). One event to the channel's group tells
    every open tab (the page swaps its composer for a notice, a socket forgets what it knew)."""
    conversation = _space_channel(space_id)
    if conversation is not None:
        publish_on_commit(
            events.ConversationReadOnly(conversation_id=conversation.pk, read_only=read_only),
            conversation_ids=[conversation.pk],
        )


@transaction.atomic
def rename_space_channel(*, space_id: int, name: str) -> None:
    Conversation.objects.filter(space_id=space_id).update(name=_channel_name(name))


@transaction.atomic
def open_channel_for(*, actor: User, space_slug: str) -> Conversation:
    """The chat channel of a space I take part in: created on first use (with the space's members;
    in the organisation space, me alone: the others come as they open it), and my own row made
    if it is missing. No per-member work once the channel exists. An archived space's channel
    opens (read-only) when it exists; none is created for it."""
    _require_active(actor)
    space = access_space(actor, space_slug)
    if effective_role(actor, space) is None:
        raise PermissionDenied(_("Join the space to take part in its channel."))
    existing = _space_channel(space.pk)
    if not has_module(space, "chat") or (space.archived_at is not None and existing is None):
        raise ValidationError(_("This space has no chat channel."))
    if existing is None and not space.is_organisation:
        member_ids = list(
            SpaceMembership.objects.filter(space=space, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
        return open_space_channel(space_id=space.pk, name=space.name, member_ids=member_ids)
    with contextlib.suppress(IntegrityError), transaction.atomic():
        Conversation.objects.get_or_create(
            space_id=space.pk,
            defaults={
                "kind": Conversation.Kind.SPACE,
                "name": "" if space.is_organisation else _channel_name(space.name),
            },
        )
    conversation = add_space_member(space_id=space.pk, user=actor)
    assert conversation is not None
    return conversation


# --- Messages ----------------------------------------------------------------------------------


def _clean_body(body: str, *, empty_ok: bool = False) -> str:
    if not isinstance(body, str) or (not body.strip() and not empty_ok):
        raise ValidationError({"body": [_("Write a message.")]})
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(
            {"body": [_("A message has at most %(n)d characters.") % {"n": MAX_BODY_LENGTH}]}
        )
    return body.strip()


def _clean_client_id(client_id: str) -> str:
    if not isinstance(client_id, str) or not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
        raise ValidationError(
            {
                "client_id": [
                    _("Give a client id of 1 to %(n)d characters.") % {"n": MAX_CLIENT_ID_LENGTH}
                ]
            }
        )
    return client_id


def _own_attachments(
    actor: User, conversation_id: int, attachment_ids: Sequence[int]
) -> list[Attachment]:
    """Files this person uploaded to this conversation and has not sent yet."""
    ids = list(dict.fromkeys(int(i) for i in attachment_ids))
    if not ids:
        return []
    if len(ids) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": [_("At most %(n)d files per message.") % {"n": MAX_ATTACHMENTS}]}
        )
    found = list(
        Attachment.objects.filter(
            pk__in=ids, uploader=actor, conversation_id=conversation_id, message__isnull=True
        )
    )
    if len(found) != len(ids):
        raise ValidationError({"attachments": [_("Some files are not available to send.")]})
    return found


@transaction.atomic
def upload_attachment(
    *, actor: User, conversation_id: int, upload: UploadedFile[bytes]
) -> Attachment:
    """Store a file for a message to come, as `cercle.core.uploads` checked it: size-limited,
    typed by its content, programs refused, images stripped of their metadata (EXIF, GPS), under
    a random name."""
    _require_active(actor)
    queries.access_membership(actor, conversation_id, write=True)
    checked = check_upload(upload)
    attachment = Attachment(
        conversation_id=conversation_id,
        uploader=actor,
        name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        is_image=checked.is_image,
        width=checked.width,
        height=checked.height,
    )
    attachment.file.save(checked.storage_name(), checked.content, save=False)
    attachment.save()
    return attachment


# Where `upload_attachment` stores a file: a random name (it was the sender's before uploads).
_RANDOM_NAME = re.compile(r"^chat/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z0-9]{1,5}$")
# Photos already sent are re-encoded whatever today's size limit.
_ALREADY_SENT = dataclasses.replace(CHAT_ATTACHMENT, max_bytes=lambda: 2**62)


def strip_old_photo_metadata() -> int:
    """Photos sent before `cercle.core.uploads` kept their metadata (EXIF, GPS): re-encode each
    one as new photos are (upright, pixels only) under a random name, and say how many changed.
    Run once after upgrading (`strip_photo_metadata`); a photo already stored under a random name
    is skipped, so running it again changes nothing."""
    ids = Attachment.objects.filter(is_image=True).order_by("pk").values_list("pk", flat=True)
    return sum(_strip_photo(attachment_id) for attachment_id in list(ids))


@transaction.atomic
def _strip_photo(attachment_id: int) -> int:
    attachment = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
    old_name = attachment.file.name if attachment is not None else None
    if attachment is None or not old_name or _RANDOM_NAME.match(old_name):
        return 0
    storage = attachment.file.storage
    try:
        with storage.open(old_name, "rb") as stored:
            checked = uploads.check(stored, attachment.name, _ALREADY_SENT)
            if not checked.is_image:
                return 0
            attachment.file.save(checked.storage_name(), checked.content, save=False)
    except (ValidationError, OSError):
        return 0  # the file is gone, or no longer reads as an image: left as it was
    attachment.size = checked.size
    attachment.content_type = checked.content_type
    attachment.width, attachment.height = checked.width, checked.height
    attachment.save(update_fields=["file", "size", "content_type", "width", "height"])
    transaction.on_commit(lambda: storage.delete(old_name))
    return 1


def _notify_mentions(message: Message, people: list[User]) -> None:
    """A `chat.mention` event now; a mail later if the message is still unread then."""
    from django_tasks.exceptions import InvalidTaskError

    # Imported here: the task module calls back into chat's mention mail.
    from cercle.chat.tasks import send_mention_email

    publish_on_commit(
        events.ChatMention.of(message),
        user_ids=[p.pk for p in people],
    )
    run_after = timezone.now() + mentions.email_delay()

    def enqueue() -> None:
        for person in people:
            with contextlib.suppress(InvalidTaskError):
                send_mention_email.using(run_after=run_after).enqueue(message.pk, person.pk)

    transaction.on_commit(enqueue)


def send_message(
    *,
    actor: User,
    conversation_id: int,
    body: str,
    client_id: str,
    reply_to_id: int | None = None,
    attachment_ids: Sequence[int] = (),
    membership_checked: bool = False,
) -> tuple[Message, bool]:
    """Store a message, then deliver it to the conversation after commit.

    Returns (message, created): a client id already used by this sender returns the stored
    message with `created=False` and delivers nothing again, so retries never duplicate.
    (The sender's own messages never count as unread, so their read state is left alone.)
    `membership_checked`: the caller ran `queries.access_membership(..., write=True)` for this
    person and conversation moments ago (a socket keeps that answer until a membership or
    read-only event, or 30 s)."""
    _require_active(actor)
    client_id = _clean_client_id(client_id)
    try:
        with transaction.atomic():
            if not membership_checked:
                queries.access_membership(actor, conversation_id, write=True)
            attachments = _own_attachments(actor, conversation_id, attachment_ids)
            body = _clean_body(body, empty_ok=bool(attachments))
            reply_to = None
            if reply_to_id is not None:
                reply_to = (
                    Message.objects.select_related("sender")
                    .filter(pk=reply_to_id, conversation_id=conversation_id)
                    .first()
                )
                if reply_to is None:
                    raise ValidationError(
                        {"reply_to": [_("The message you reply to is not here.")]}
                    )
            mentioned = mentions.mentioned_members(conversation_id, body, actor)
            message = Message.objects.create(
                conversation_id=conversation_id,
                sender=actor,
                client_id=client_id,
                body=body,
                body_html=mentions.render_body(body, mentioned),
                body_normalized=normalize(body),
                reply_to=reply_to,
            )
            if attachments:
                Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(
                    message=message
                )
            Conversation.objects.filter(pk=conversation_id).update(
                last_message_id=message.pk, last_message_at=message.created_at
            )
            publish_on_commit(
                events.MessageNew.of(message, attachments=attachments),
                conversation_ids=[conversation_id],
            )
            if mentioned:
                _notify_mentions(message, mentioned)
    except IntegrityError:
        # This client id was used already (a retry): the stored message, delivered once.
        existing = (
            Message.objects.select_related("sender", "reply_to__sender")
            .filter(sender=actor, client_id=client_id)
            .first()
        )
        if existing is None:
            raise
        return existing, False
    return message, True


def _own_message(actor: User, message_id: int) -> Message:
    _require_active(actor)
    message = queries.access_message(actor, message_id, write=True)
    if message.sender_id != actor.pk:
        raise PermissionDenied(_("Only its author can change a message."))
    if message.deleted_at is not None:
        raise ValidationError(_("This message was deleted."))
    return message


@transaction.atomic
def edit_message(*, actor: User, message_id: int, body: str) -> Message:
    """Change a message's text; the earlier text is kept as a version members can see."""
    message = _own_message(actor, message_id)
    body = _clean_body(body)
    if body == message.body:
        return message
    MessageVersion.objects.create(
        message=message,
        body=message.body,
        body_html=message.body_html,
        written_at=message.edited_at or message.created_at,
    )
    message.body = body
    message.body_html = mentions.render_body(
        body, mentions.mentioned_members(message.conversation_id, body, actor)
    )
    message.body_normalized = normalize(body)
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "body_html", "body_normalized", "edited_at"])
    publish_on_commit(events.MessageUpdated.of(message), conversation_ids=[message.conversation_id])
    return message


@transaction.atomic
def delete_message(*, actor: User, message_id: int) -> Message:
    """Mark a message deleted: its text and earlier versions are gone, its place stays."""
    message = _own_message(actor, message_id)
    message.versions.all().delete()
    message.reactions.all().delete()
    for attachment in message.attachments.all():
        attachment.file.delete(save=False)
    message.attachments.all().delete()
    message.body = message.body_html = message.body_normalized = ""
    message.deleted_at = timezone.now()
    message.pinned_at = None
    message.save(update_fields=["body", "body_html", "body_normalized", "deleted_at", "pinned_at"])
    publish_on_commit(events.MessageUpdated.of(message), conversation_ids=[message.conversation_id])
    return message


@transaction.atomic
def pin_message(*, actor: User, message_id: int, pinned: bool) -> Message:
    """Pin a message to its conversation, or unpin it: any member may."""
    _require_active(actor)
    message = queries.access_message(actor, message_id, write=True)
    if message.deleted_at is not None:
        raise ValidationError(_("This message was deleted."))
    if (message.pinned_at is not None) == pinned:
        return message
    message.pinned_at = timezone.now() if pinned else None
    message.pinned_by = actor if pinned else None
    message.save(update_fields=["pinned_at", "pinned_by"])
    publish_on_commit(events.MessageUpdated.of(message), conversation_ids=[message.conversation_id])
    return message


def _clean_emoji(emoji: str) -> str:
    emoji = unicodedata.normalize("NFC", emoji.strip()) if isinstance(emoji, str) else ""
    if (
        not emoji
        or len(emoji) > MAX_EMOJI_LENGTH
        or any(ch.isspace() or (ch.isascii() and ch.isprintable()) for ch in emoji)
    ):
        raise ValidationError({"emoji": [_("Choose an emoji.")]})
    return emoji


@transaction.atomic
def add_reaction(*, actor: User, message_id: int, emoji: str) -> bool:
    """React with an emoji (once per person and emoji); True when a reaction was added."""
    _require_active(actor)
    emoji = _clean_emoji(emoji)
    message = queries.access_message(actor, message_id, write=True)
    if message.deleted_at is not None:
        raise ValidationError(_("This message was deleted."))
    _reaction, created = Reaction.objects.get_or_create(message=message, user=actor, emoji=emoji)
    if created:
        publish_on_commit(
            events.reaction_event(events.ReactionAdded, message=message, user=actor, emoji=emoji),
            conversation_ids=[message.conversation_id],
        )
    return created


@transaction.atomic
def remove_reaction(*, actor: User, message_id: int, emoji: str) -> bool:
    _require_active(actor)
    emoji = _clean_emoji(emoji)
    message = queries.access_message(actor, message_id, write=True)
    deleted, _rows = Reaction.objects.filter(message=message, user=actor, emoji=emoji).delete()
    if deleted:
        publish_on_commit(
            events.reaction_event(events.ReactionRemoved, message=message, user=actor, emoji=emoji),
            conversation_ids=[message.conversation_id],
        )
    return bool(deleted)


@transaction.atomic
def mark_read(*, actor: User, conversation_id: int, message_id: int | None = None) -> int:
    """Mark the conversation read up to `message_id` (default: its newest); never goes back.

    My other tabs get `read.updated`; the conversation gets a receipt when receipts are on."""
    _require_active(actor)
    membership = queries.access_membership(actor, conversation_id)
    newest = membership.conversation.last_message_id or 0
    target = newest if message_id is None else min(int(message_id), newest)
    if target <= membership.last_read_message_id:
        return membership.last_read_message_id
    Membership.objects.filter(pk=membership.pk, last_read_message_id__lt=target).update(
        last_read_message_id=target
    )
    unread = queries.unread_count(actor, conversation_id)
    publish_on_commit(
        events.ReadUpdated(
            conversation_id=conversation_id, last_read_message_id=target, unread=unread
        ),
        user_ids=[actor.pk],
    )
    if membership.conversation.kind != Conversation.Kind.SPACE and queries.receipts_enabled(actor):
        publish_on_commit(
            events.ConversationRead(
                conversation_id=conversation_id, user_id=actor.pk, last_read_message_id=target
            ),
            conversation_ids=[conversation_id],
        )
    return target


# --- Settings ----------------------------------------------------------------------------------


@transaction.atomic
def set_read_receipts(*, actor: User, enabled: bool) -> ChatPreferences:
    """One's own opt-out: off, others do not see my reads and I see nobody's."""
    _require_active(actor)
    prefs, _created = ChatPreferences.objects.get_or_create(user=actor)
    prefs.read_receipts = enabled
    prefs.save(update_fields=["read_receipts"])
    _forget_kept(queries.own_receipts_key(actor.pk))
    return prefs


def _forget_kept(key: str) -> None:
    """Drop a kept setting now and again at the commit (a read between the two by another
    request would otherwise keep the old value)."""
    forget_now_and_at_commit(key)


@transaction.atomic
def update_chat_settings(*, actor: User, read_receipts: bool) -> ChatSettings:
    """The organisation's switch (administrators only)."""
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators may do this."))
    settings, _created = ChatSettings.objects.get_or_create(pk=1)  # (not the kept copy)
    old = settings.read_receipts
    settings.read_receipts = read_receipts
    settings.save(update_fields=["read_receipts", "updated_at"])
    _forget_kept(queries.SETTINGS_CACHE_KEY)
    log_event(
        actor=actor,
        action="chat.settings_changed",
        target=settings,
        old={"read_receipts": old},
        new={"read_receipts": read_receipts},
    )
    return settings
