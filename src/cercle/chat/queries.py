"""Reads with rules: only members see a conversation, its messages and its read state.

`access_conversation` / `access_message` raise one `NotFound` for missing and not-allowed alike.
With `write=True` they also check that the person may write there (`may_write`): the channel of
an archived space stays readable by its members but refuses every write with `ReadOnly`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.accounts.queries import NotFound
from cercle.chat.models import (
    Attachment,
    ChatPreferences,
    ChatSettings,
    Conversation,
    Membership,
    Message,
    Reaction,
)
from cercle.core import link_cards
from cercle.core.compiled import CompiledQuery, InstancesQuery
from cercle.core.pagination import Page, decode_cursor, encode_cursor
from cercle.core.text import search_terms
from cercle.spaces.models import Membership as SpaceMembership
from cercle.spaces.models import Space
from cercle.spaces.queries import spaces_with_module

SYNC_LIMIT = 500
# A sync also brings the messages of lower id written this long before its starting message, at
# most this many (`messages_since`): a transaction slower than that to commit is not looked for.
SYNC_LOOK_BACK = dt.timedelta(seconds=10)
SYNC_LOOK_BACK_LIMIT = 50


class ReadOnly(PermissionDenied):
    """A write refused because the conversation is read-only (the channel of an archived space):
    403 with its message in the API, an error frame with code `read_only` on the socket."""

    code = "read_only"

    def __init__(self) -> None:
        super().__init__(_("This space is archived: its channel is read-only."))


# Read on every conversation page and socket hello, changed a few times a year: kept in the
# cache (shared by the processes in production), dropped by the actions that change them.
SETTINGS_CACHE_KEY = "cercle.chat.settings"
RECEIPTS_TIMEOUT = 3600


def own_receipts_key(user_id: int) -> str:
    return f"cercle.chat.receipts.{user_id}"


def chat_settings() -> ChatSettings:
    found = cache.get(SETTINGS_CACHE_KEY)
    if not isinstance(found, ChatSettings):
        found, _created = ChatSettings.objects.get_or_create(pk=1)
        cache.set(SETTINGS_CACHE_KEY, found, RECEIPTS_TIMEOUT)
    return found


def own_read_receipts(user: User) -> bool:
    """The person's own choice (default on)."""
    key = own_receipts_key(user.pk)
    found = cache.get(key)
    if isinstance(found, bool):
        return found
    prefs = ChatPreferences.objects.filter(user=user).first()
    enabled = prefs.read_receipts if prefs is not None else True
    cache.set(key, enabled, RECEIPTS_TIMEOUT)
    return enabled


def receipts_enabled(user: User) -> bool:
    """Whether this person shares and sees read receipts: the organisation and they agree."""
    return chat_settings().read_receipts and own_read_receipts(user)


def can_start_conversations(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.is_guest)


def may_start_conversation(viewer: User, person: User | None) -> bool:
    """Whether `viewer` may start (or open) a direct conversation with `person`: an active
    non-guest, with another active person. The "Message" button and
    `actions.start_direct_conversation` ask this."""
    return bool(
        person is not None
        and can_start_conversations(viewer)
        and person.pk != viewer.pk
        and person.is_active
    )


# --- Conversations -----------------------------------------------------------------------------


def _unread_subquery(user: User) -> Subquery:
    return _unread_subquery_of(user.pk)


def _unread_subquery_of(user_id: int) -> Subquery:
    """How many messages of the membership's conversation I have not read: a plain `COUNT(*)`
    over the conversation's newer messages (the index on conversation and id). Grouped by
    conversation, PostgreSQL walked every message newer than the last read one by primary key
    instead: 20 ms per old unread conversation, on every page's navigation."""
    return Subquery(
        Message.objects.filter(
            conversation=OuterRef("conversation_id"),
            id__gt=OuterRef("last_read_message_id"),
            deleted_at__isnull=True,
        )
        .exclude(sender_id=user_id)
        .order_by()
        .annotate(n=Func(Value(1), function="COUNT", output_field=IntegerField()))
        .values("n"),
        output_field=IntegerField(),
    )


def my_memberships(user: User) -> QuerySet[Membership]:
    """My conversations, newest activity first, each with `unread` and its members prefetched
    (none for space channels: the organisation's may hold every person; see the space's members)."""
    return (
        Membership.objects.filter(user=user)
        .select_related("conversation")
        .prefetch_related(
            Prefetch(
                "conversation__memberships",
                queryset=Membership.objects.select_related("user")
                .exclude(conversation__kind=Conversation.Kind.SPACE)
                .order_by("user_id"),
            )
        )
        .annotate(unread=Coalesce(_unread_subquery(user), 0))
        .order_by("-conversation__last_message_at", "-conversation__created_at", "-conversation_id")
    )


@dataclass(frozen=True)
class NavConversation:
    """One of my conversations in the side navigation."""

    conversation_id: int
    title: str
    unread: int
    muted: bool


def _nav_rows(user_id: int, limit: int) -> QuerySet[Any, Any]:
    other = Membership.objects.filter(conversation=OuterRef("conversation_id")).exclude(
        user_id=user_id
    )
    return (
        Membership.objects.filter(user_id=user_id)
        .annotate(
            unread=Coalesce(_unread_subquery_of(user_id), 0),
            other_first=Subquery(other.values("user__first_name")[:1]),
            other_last=Subquery(other.values("user__last_name")[:1]),
            other_username=Subquery(other.values("user__username")[:1]),
        )
        .values(
            "conversation_id",
            "conversation__kind",
            "conversation__name",
            "muted",
            "unread",
            "other_first",
            "other_last",
            "other_username",
        )
        .order_by(
            "-conversation__last_message_at", "-conversation__created_at", "-conversation_id"
        )[:limit]
    )


# Built once per limit (`core.compiled`): on every page, building this query cost 60 times
# running it.
_NAV_ROWS: dict[int, CompiledQuery] = {}


def nav_conversations(user: User, limit: int) -> list[NavConversation]:
    """My most recent conversations with their unread counts, and the other person's name for a
    direct one: one query."""
    compiled = _NAV_ROWS.get(limit)
    if compiled is None:
        compiled = _NAV_ROWS[limit] = CompiledQuery(lambda user_id: _nav_rows(user_id, limit))
    found = []
    for row in compiled.rows(user.pk):
        muted = bool(row["muted"])
        if row["conversation__kind"] == Conversation.Kind.DIRECT:
            full = f"{row['other_first'] or ''} {row['other_last'] or ''}".strip()
            title = full or row["other_username"] or user.display_name
        elif row["conversation__kind"] == Conversation.Kind.SPACE and not row["conversation__name"]:
            title = _("Whole organisation")
        else:
            title = row["conversation__name"]
        found.append(
            NavConversation(
                conversation_id=row["conversation_id"],
                title=title,
                unread=0 if muted else int(row["unread"]),
                muted=muted,
            )
        )
    return found


def last_messages(conversations: list[Conversation]) -> dict[int, Message]:
    """The newest message of each of these conversations (their denormalised `last_message_id`),
    with its sender, by conversation id: one query for a whole list. The caller lists only
    conversations the viewer is in (`my_memberships`)."""
    ids = [c.last_message_id for c in conversations if c.last_message_id]
    if not ids:
        return {}
    found = (
        Message.objects.filter(pk__in=ids, conversation_id__in=[c.pk for c in conversations])
        .select_related("sender")
        .defer("body", "body_normalized")
    )
    return {m.conversation_id: m for m in found}


def unread_conversation_count(user: User) -> int:
    """How many unmuted conversations have messages I have not read (the navigation badge)."""
    if not user.is_authenticated:
        return 0
    return len(_UNREAD_CONVERSATIONS.rows(user.pk))


def unread_conversation_ids(user: User) -> list[int]:
    """The unmuted conversations with messages I have not read (the badge's, as ids)."""
    if not user.is_authenticated:
        return []
    return sorted(row["conversation_id"] for row in _UNREAD_CONVERSATIONS.rows(user.pk))


def muted_conversation_ids(user: User) -> list[int]:
    return sorted(
        Membership.objects.filter(user_id=user.pk, muted=True).values_list(
            "conversation_id", flat=True
        )
    )


def _unread_conversations(user_id: int) -> QuerySet[Any, Any]:
    unread = Message.objects.filter(
        conversation=OuterRef("conversation_id"),
        id__gt=OuterRef("last_read_message_id"),
        deleted_at__isnull=True,
    ).exclude(sender_id=user_id)
    return (
        Membership.objects.filter(user_id=user_id, muted=False)
        .filter(Exists(unread))
        .order_by()
        .values("conversation_id")
    )


# On every page (the Messages link's badge): built once (`core.compiled`).
_UNREAD_CONVERSATIONS = CompiledQuery(_unread_conversations)


def unread_count(user: User, conversation_id: int) -> int:
    membership = Membership.objects.filter(user=user, conversation_id=conversation_id).first()
    if membership is None:
        return 0
    return (
        Message.objects.filter(
            conversation_id=conversation_id,
            id__gt=membership.last_read_message_id,
            deleted_at__isnull=True,
        )
        .exclude(sender=user)
        .count()
    )


def access_membership(user: User, conversation_id: int, *, write: bool = False) -> Membership:
    """My membership of a conversation I may read (`NotFound` otherwise); with `write=True`, one
    I may also write in (`ReadOnly` otherwise). One query more for a space channel, none else."""
    try:
        pk = int(conversation_id)
    except (TypeError, ValueError):
        raise NotFound("conversation") from None
    if user.pk is None or not -(2**63) <= pk < 2**63:
        raise NotFound("conversation")
    # Built once (`core.compiled.InstancesQuery`): asked by every message sent and every
    # conversation opened (twice), where building it cost several times running it.
    found = _MEMBERSHIP.instances([user.pk, pk])
    if not found:
        raise NotFound("conversation")
    membership: Membership = found[0]
    _check_channel(user, membership.conversation, write=write, missing="conversation")
    return membership


_MEMBERSHIP = InstancesQuery(
    lambda ids: (
        Membership.objects.filter(user_id=ids[0], conversation_id=ids[1], user__is_active=True)
        .select_related("conversation")
        .order_by("pk")[:1]
    )
)


def _channel_access(user: User, conversation: Conversation) -> tuple[bool, bool]:
    """(may read, may write) a space channel, in one query. It is for the space's current members
    (every active non-guest in the organisation space) while the space has chat on; they may
    write there unless the space is archived (its channel is then read-only: history, search
    and list stay, nothing new). Other conversations: both, without a query."""

    if conversation.kind != Conversation.Kind.SPACE:
        return True, True
    member = Q(Exists(SpaceMembership.objects.filter(space=OuterRef("pk"), user_id=user.pk)))
    if not user.is_guest:
        member |= Q(is_organisation=True)
    found = list(
        Space.objects.filter(member, spaces_with_module("chat"), pk=conversation.space_id or 0)
        .order_by()
        .values_list("archived_at", flat=True)[:1]
    )
    if not found:
        return False, False
    return True, found[0] is None


def _check_channel(user: User, conversation: Conversation, *, write: bool, missing: str) -> None:
    if conversation.kind != Conversation.Kind.SPACE:
        return
    readable, writable = _channel_access(user, conversation)
    if not readable:
        raise NotFound(missing)
    if write and not writable:
        raise ReadOnly()


def may_write(user: User, conversation: Conversation) -> bool:
    """Whether this member of the conversation may write in it (send, edit, delete, react, pin,
    type, upload): the "may write" beside `access_membership`'s "may read", for the pages and
    the API to say so before anyone tries."""
    return _channel_access(user, conversation)[1]


def access_conversation(user: User, conversation_id: int) -> Conversation:
    return access_membership(user, conversation_id).conversation


def members(conversation: Conversation) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(conversation=conversation)
        .select_related("user")
        .order_by("user_id")
    ]


def channel_space(conversation: Conversation) -> tuple[str, str] | None:
    """The address and shown name of a space channel's space (for the link back to it)."""
    from django.utils.translation import gettext

    if conversation.kind != Conversation.Kind.SPACE or conversation.space_id is None:
        return None
    row = (
        Space.objects.filter(pk=conversation.space_id)
        .values_list("slug", "name", "is_organisation")
        .first()
    )
    if row is None:
        return None
    slug, name, is_organisation = row
    return slug, gettext("Whole organisation") if is_organisation else name


def member_ids(conversation_id: int) -> list[int]:
    return list(
        Membership.objects.filter(conversation_id=conversation_id)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def conversation_ids_of(user: User) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("conversation_id", flat=True))


def newest_message_id(user: User) -> int:
    """The newest message id in any of my conversations (0: none)."""
    newest = (
        Conversation.objects.filter(memberships__user=user)
        .exclude(last_message_id=None)
        .order_by("-last_message_id")
        .values_list("last_message_id", flat=True)
        .first()
    )
    return newest or 0


def co_member_ids(user: User) -> list[int]:
    """People who share a direct or group conversation with me (who see my presence)."""
    mine = Membership.objects.filter(
        user=user, conversation__kind__in=[Conversation.Kind.DIRECT, Conversation.Kind.GROUP]
    ).values("conversation_id")
    return list(
        Membership.objects.filter(conversation_id__in=mine)
        .exclude(user=user)
        .values_list("user_id", flat=True)
        .distinct()
    )


def mention_candidates(user: User, conversation_id: int, prefix: str, limit: int = 8) -> list[User]:
    """Other active members of my conversation whose username, first or last name starts with
    `prefix` (for @mentions: only members are told they were mentioned). Raises NotFound when
    the conversation is not mine."""
    access_membership(user, conversation_id)
    if not prefix:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            chat_memberships__conversation_id=conversation_id,
        )
        .exclude(pk=user.pk)
        .filter(
            Q(username__istartswith=prefix)
            | Q(first_name__istartswith=prefix)
            | Q(last_name__istartswith=prefix)
        )
        .order_by("first_name", "last_name", "pk")[:limit]
    )


def title_for(conversation: Conversation, viewer: User, people: list[User]) -> str:
    """A direct conversation is named after the other person; others by their name."""
    if conversation.kind == Conversation.Kind.DIRECT:
        others = [p for p in people if p.pk != viewer.pk]
        return others[0].display_name if others else viewer.display_name
    if conversation.kind == Conversation.Kind.SPACE and not conversation.name:
        from django.utils.translation import gettext

        return gettext("Whole organisation")  # the organisation space's channel
    return conversation.name


def titles_of(viewer: User, conversations: list[Conversation]) -> dict[int, str]:
    """The shown names of these conversations (`title_for`), in one query at most (the people of
    the direct ones)."""
    direct = [c.pk for c in conversations if c.kind == Conversation.Kind.DIRECT]
    people: dict[int, list[User]] = {}
    if direct:
        for membership in Membership.objects.filter(conversation_id__in=direct).select_related(
            "user"
        ):
            people.setdefault(membership.conversation_id, []).append(membership.user)
    return {c.pk: title_for(c, viewer, people.get(c.pk, [])) for c in conversations}


def other_person(conversation: Conversation, viewer: User, people: list[User]) -> User | None:
    if conversation.kind != Conversation.Kind.DIRECT:
        return None
    others = [p for p in people if p.pk != viewer.pk]
    return others[0] if others else None


def read_states(viewer: User, conversation: Conversation) -> dict[int, int]:
    """Who has read up to which message, for read receipts: empty when the organisation turned
    receipts off, when the viewer opted out, or in space channels; never shows people who opted
    out."""
    if conversation.kind == Conversation.Kind.SPACE or not receipts_enabled(viewer):
        return {}
    opted_out = ChatPreferences.objects.filter(read_receipts=False).values("user_id")
    return dict(
        Membership.objects.filter(conversation=conversation)
        .exclude(user=viewer)
        .exclude(user_id__in=opted_out)
        .values_list("user_id", "last_read_message_id")
    )


# --- Messages ----------------------------------------------------------------------------------


def _messages() -> QuerySet[Message]:
    # The replied-to message and its author come in the same query (the reply's one-line quote).
    return Message.objects.select_related("sender", "reply_to__sender").prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("created_at", "id")),
        "attachments",
    )


def access_message(user: User, message_id: int, *, write: bool = False) -> Message:
    """A message of a conversation I may read (`NotFound` otherwise); with `write=True`, of one
    I may write in (`ReadOnly` otherwise)."""
    message = (
        _messages()
        .select_related("conversation")
        .filter(
            pk=message_id,
            conversation__memberships__user=user,
            conversation__memberships__user__is_active=True,
        )
        .first()
    )
    if message is None:
        raise NotFound("message")
    _check_channel(user, message.conversation, write=write, missing="message")
    return message


def history(
    user: User, conversation_id: int, *, cursor: str | None = None, limit: int = 30
) -> Page[Message]:
    """A conversation's messages, newest first, a page at a time (the cursor is the last id)."""
    access_membership(user, conversation_id)
    limit = max(1, min(limit, 100))
    qs = _messages().filter(conversation_id=conversation_id).order_by("-id")
    if cursor:
        (before,) = decode_cursor(cursor, length=1)
        qs = qs.filter(id__lt=int(before))
    items = list(qs[: limit + 1])
    next_cursor = encode_cursor([items[limit - 1].pk]) if len(items) > limit else None
    return Page(items=items[:limit], next_cursor=next_cursor)


# A search result opened in its conversation: at most this many newer messages are loaded with
# it (continuous up to the newest); beyond, the page shows a link to the newest messages.
AROUND_NEWER = 200


@dataclass
class Around:
    page: Page[Message]
    # Newer messages than those loaded exist: the page is not continuous up to the newest.
    gap: bool


def history_around(user: User, conversation_id: int, message_id: int, *, older: int = 15) -> Around:
    """A conversation's messages from the newest (at most `AROUND_NEWER` newer ones) down to
    `message_id` and `older` more, newest first, with the cursor for the messages before them:
    a search result or a link to an old message opens there. NotFound when the message is not
    in this conversation (or not mine)."""
    access_membership(user, conversation_id)
    ids = list(
        Message.objects.filter(conversation_id=conversation_id, id__gte=message_id)
        .order_by("id")
        .values_list("id", flat=True)[: AROUND_NEWER + 2]
    )
    if not ids or ids[0] != message_id:
        raise NotFound("message")
    newer = ids[1:]
    gap = len(newer) > AROUND_NEWER
    top = newer[AROUND_NEWER - 1] if gap else (newer[-1] if newer else message_id)
    size = min(len(newer), AROUND_NEWER) + 1 + max(0, older)
    items = list(
        _messages().filter(conversation_id=conversation_id, id__lte=top).order_by("-id")[: size + 1]
    )
    next_cursor = encode_cursor([items[size - 1].pk]) if len(items) > size else None
    return Around(page=Page(items=items[:size], next_cursor=next_cursor), gap=gap)


def access_attachment(user: User, attachment_id: int) -> Attachment:
    """A sent file, for the members of its conversation (its uploader before it is sent)."""
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            conversation__memberships__user=user,
            conversation__memberships__user__is_active=True,
        )
        .filter(Q(message__isnull=False, message__deleted_at__isnull=True) | Q(uploader=user))
        .first()
    )
    if attachment is None:
        raise NotFound("attachment")
    return attachment


def pinned(user: User, conversation_id: int) -> list[Message]:
    """The conversation's pinned messages, most recently pinned first."""
    access_membership(user, conversation_id)
    return list(
        _messages()
        .filter(conversation_id=conversation_id, pinned_at__isnull=False, deleted_at__isnull=True)
        .order_by("-pinned_at")[:50]
    )


def versions(user: User, message_id: int) -> list[tuple[str, str]]:
    """The earlier texts of a message, oldest first, for its conversation's members."""
    message = access_message(user, message_id)
    if message.deleted_at is not None:
        return []
    return [(v.body_html, v.written_at.isoformat()) for v in message.versions.all()]


@dataclass
class SyncResult:
    messages: list[Message]
    more: bool


def messages_since(user: User, after_id: int, *, limit: int = SYNC_LIMIT) -> SyncResult:
    """Every message after `after_id` in my conversations, oldest first (the reconnect sync),
    with the few of lower id written just before it (`SYNC_LOOK_BACK`): on PostgreSQL an id is
    taken at the insert and seen at the commit, so a message can become visible after one of
    higher id that the client already has — it would never be synced otherwise. The client
    draws a message it has again in place (by id)."""
    mine = Membership.objects.filter(user=user).values("conversation_id")
    mine_qs = _messages().filter(conversation_id__in=mine)
    items = list(mine_qs.filter(id__gt=after_id).order_by("id")[: limit + 1])
    anchor = (
        Message.objects.filter(pk=after_id).values_list("created_at", flat=True).first()
        if after_id > 0
        else None
    )
    earlier: list[Message] = []
    if anchor is not None:
        earlier = list(
            mine_qs.filter(id__lt=after_id, created_at__gte=anchor - SYNC_LOOK_BACK).order_by(
                "-id"
            )[:SYNC_LOOK_BACK_LIMIT]
        )
        earlier.reverse()
    return SyncResult(messages=earlier + items[:limit], more=len(items) > limit)


def search_messages(
    user: User,
    *,
    q: str = "",
    person: str = "",
    conversation_id: int | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> Page[Message]:
    """My messages (in conversations I am in) containing every word of `q`, accent-insensitive,
    optionally from one person (username) and in one conversation; newest first."""
    limit = max(1, min(limit, 100))
    mine = Membership.objects.filter(user=user).values("conversation_id")
    qs = (
        _messages()
        .select_related("conversation")
        .filter(conversation_id__in=mine, deleted_at__isnull=True)
    )
    for term in search_terms(q):
        qs = qs.filter(body_normalized__contains=term)
    if person:
        qs = qs.filter(Q(sender__username__iexact=person))
    if conversation_id is not None:
        qs = qs.filter(conversation_id=conversation_id)
    qs = qs.order_by("-id")
    if cursor:
        (before,) = decode_cursor(cursor, length=1)
        qs = qs.filter(id__lt=int(before))
    items = list(qs[: limit + 1])
    next_cursor = encode_cursor([items[limit - 1].pk]) if len(items) > limit else None
    return Page(items=items[:limit], next_cursor=next_cursor)


def _card_texts(messages: Iterable[Message]) -> dict[int, str]:
    return {
        m.pk: m.body_html
        for m in messages
        if m.deleted_at is None and link_cards.has_links(m.body_html)
    }


def message_cards(viewer: User, messages: Iterable[Message]) -> dict[int, tuple[Any, ...]]:
    """The cards (`cercle.core.link_cards`: a document's name, type, size, picture) of the links
    in these messages to things `viewer` may see, by message, for the page's template: one query
    per kind of card for all the messages together. A link to something else stays a link."""
    texts = _card_texts(messages)
    return dict(link_cards.cards_for(viewer, texts)) if texts else {}


def message_card_payloads(
    viewer: User, messages: Iterable[Message]
) -> dict[int, list[dict[str, object]]]:
    """`message_cards` as JSON (the API), each message with links given a list (maybe empty)."""
    texts = _card_texts(messages)
    if not texts:
        return {}
    found = link_cards.payloads_for(viewer, texts)
    return {pk: found.get(pk, []) for pk in texts}
