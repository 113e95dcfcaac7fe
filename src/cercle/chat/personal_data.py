"""Messaging in the registry of personal data (`cercle.core.personal_data`): a person's messages,
reactions, files and the people they converse with; their erasure; the retention of messages."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from cercle.accounts.models import User
from cercle.accounts.personal_data import erased_username
from cercle.accounts.queries import people_named
from cercle.chat import queries
from cercle.chat.mentions import mentioned_members, render_body
from cercle.chat.models import (
    Attachment,
    ChatPreferences,
    Conversation,
    Membership,
    Message,
    MessageVersion,
    Reaction,
)
from cercle.core import personal_data
from cercle.core.kept import forget_now_and_at_commit
from cercle.core.personal_data import (
    ErasureRule,
    ExportWriter,
    IndexRow,
    RetentionScope,
    RetentionTarget,
    rewritten_mentions,
    vcard,
    without_holds,
)
from cercle.core.text import mentioned_usernames, normalize
from cercle.search import actions as search_actions

# Usernames looked up per query: each is a term of one `OR`.
NAMES_AT_ONCE = 200


def export(person: User, writer: ExportWriter) -> None:
    messages = list(
        Message.objects.filter(sender=person, deleted_at__isnull=True)
        .select_related("conversation")
        .prefetch_related("attachments")
        .order_by("conversation_id", "created_at", "id")
    )
    section = writer.section("chat.messages", gettext_lazy("Messages"))
    rows = []
    for message in messages:
        files = []
        for attachment in message.attachments.all():
            path = writer.write_file(
                f"messages/files/{message.pk}-{attachment.name}",
                default_storage,
                attachment.file.name,
            )
            if path:
                files.append(path)
        rows.append(
            {
                "id": message.pk,
                "conversation": message.conversation_id,
                "conversation_name": str(message.conversation),
                "text": message.body,
                "created_at": message.created_at,
                "edited_at": message.edited_at,
                "files": files,
            }
        )
    path = writer.write_json("messages/messages.json", rows)
    if rows:
        writer.add_row(
            section,
            IndexRow(text=gettext("%(count)s messages") % {"count": len(rows)}, link=path),
        )
    reactions = list(
        Reaction.objects.filter(user=person)
        .order_by("created_at", "id")
        .values("message_id", "emoji", "created_at")
    )
    writer.write_json("messages/reactions.json", reactions)
    partners = list(
        User.objects.filter(
            chat_memberships__conversation__kind=Conversation.Kind.DIRECT,
            chat_memberships__conversation__memberships__user=person,
        )
        .exclude(pk=person.pk)
        .select_related("profile")
        .distinct()
        .order_by("last_name", "first_name")
    )
    if partners:
        cards = "".join(
            vcard(
                name=other.display_name,
                email=other.email,
                phone=getattr(getattr(other, "profile", None), "phone", ""),
                title=getattr(getattr(other, "profile", None), "job_title", ""),
            )
            for other in partners
        )
        path = writer.write_text("messages/people-i-write-to.vcf", cards)
        writer.add_row(
            section, IndexRow(text=gettext("People I write to (contacts, vCard)"), link=path)
        )


def _delete_files(attachments: QuerySet[Attachment]) -> None:
    for name in attachments.values_list("file", flat=True):
        if name:
            transaction.on_commit(partial(default_storage.delete, name))
    attachments.delete()


def _rewrite_mentions(person: User) -> None:
    """Others' messages that @mention the person name the anonymised account instead.
    Set-based: batches of messages, the members they may name read once per batch, HTML and
    search text made in Python, `bulk_update` and the search index per batch."""
    old, new = person.username, erased_username(person)
    fields = ["body", "body_normalized", "body_html"]
    rows = Message.objects.select_related("sender", "conversation")
    for batch in rewritten_mentions(rows, ["body"], old, new):
        known = _members_named(batch)
        for message in batch:
            message.body_normalized = normalize(message.body)
            message.body_html = render_body(
                message.body,
                mentioned_members(
                    message.conversation_id,
                    message.body,
                    message.sender,
                    known.get(message.conversation_id, {}),
                ),
            )
        Message.objects.bulk_update(batch, fields)
        search_actions.follow_bulk_update(Message, batch, fields)
    for versions in rewritten_mentions(MessageVersion.objects.all(), ["body"], old, new):
        for version in versions:
            version.body_html = render_body(version.body, [])
        MessageVersion.objects.bulk_update(versions, ["body", "body_html"])


def _members_named(messages: list[Message]) -> dict[int, dict[str, User]]:
    """Conversation → its active members that the messages' mentions may name (by username):
    one read per `NAMES_AT_ONCE` names, whatever the number of messages."""
    names: dict[str, None] = {}
    for message in messages:
        names.update(dict.fromkeys(mentioned_usernames(message.body)))
    listed = list(names)
    conversations = sorted({message.conversation_id for message in messages})
    known: dict[int, dict[str, User]] = {}
    for start in range(0, len(listed), NAMES_AT_ONCE):
        memberships = Membership.objects.filter(
            conversation_id__in=conversations,
            user__in=people_named(listed[start : start + NAMES_AT_ONCE]),
        ).select_related("user")
        for membership in memberships:
            known.setdefault(membership.conversation_id, {})[membership.user.username] = (
                membership.user
            )
    return known


def erase(person: User, rule: ErasureRule) -> None:
    _rewrite_mentions(person)
    # Files uploaded but never sent are the person's alone.
    _delete_files(Attachment.objects.filter(uploader=person, message__isnull=True))
    if rule.shared_content == "delete":
        mine = Message.objects.filter(sender=person)
        _delete_files(Attachment.objects.filter(message__in=mine))
        MessageVersion.objects.filter(message__in=mine).delete()
        Reaction.objects.filter(message__in=mine).delete()
        # Their place in the conversation stays, as when a message is deleted by its sender.
        mine.update(
            body="", body_html="", body_normalized="", deleted_at=timezone.now(), pinned_at=None
        )
    Reaction.objects.filter(user=person).delete()
    ChatPreferences.objects.filter(user=person).delete()
    forget_now_and_at_commit(queries.own_receipts_key(person.pk))
    # They leave groups; a direct conversation keeps its two members (the other still reads it).
    Membership.objects.filter(user=person).exclude(
        conversation__kind=Conversation.Kind.DIRECT
    ).delete()


def _message_candidates(scope: RetentionScope) -> QuerySet[Message]:
    # A held person's conversations are kept whole: what they wrote and what they read.
    messages = without_holds(
        Message.objects.filter(created_at__lt=scope.before),
        scope,
        space="conversation__space_id",
        people=("sender_id", "conversation__memberships__user_id"),
    )
    return messages.select_related("conversation", "sender").order_by("created_at", "id")


def _describe_message(message: Message) -> str:
    return f"{message.conversation} · {message.sender.display_name} · {message.body[:80]}"


def _delete_message_ids(ids: Sequence[int]) -> int:
    messages = Message.objects.filter(pk__in=list(ids))
    count = messages.count()
    _delete_files(Attachment.objects.filter(message__in=messages))
    messages.delete()
    return count


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="chat",
            label=gettext_lazy("Messages"),
            export=export,
            erase=erase,
            retention=(
                RetentionTarget(
                    key="chat.messages",
                    label=gettext_lazy("Messages (with their files)"),
                    candidates=_message_candidates,
                    describe=_describe_message,
                    delete=_delete_message_ids,
                ),
            ),
        )
    )
