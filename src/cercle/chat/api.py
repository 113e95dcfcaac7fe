"""The chat part of /api/v1/: conversations, their members and messages, search.

Sending through the API stores the message and delivers it live, exactly like the socket.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from cercle.accounts.models import User
from cercle.accounts.queries import pickable_person
from cercle.chat import actions, events, presence, queries
from cercle.chat.models import Conversation, Membership
from cercle.chat.schemas import (
    ConversationDetailOut,
    ConversationIn,
    ConversationOut,
    MembersIn,
    MessageAttachmentOut,
    MessageEditIn,
    MessageIn,
    MessageOut,
    MessagePage,
    MessagePinIn,
    MessageReactionIn,
    MuteIn,
    ReadIn,
    ReadOut,
    VersionOut,
)
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest

router = Router(tags=["messages"])


def _people(viewer: User, usernames: list[str]) -> list[User]:
    people, missing = [], []
    for username in usernames:
        person = pickable_person(viewer, username)
        if person is None:
            missing.append(username)
        else:
            people.append(person)
    if missing:
        raise ValidationError(
            {
                "usernames": [
                    _("Nobody active has these usernames: %(names)s")
                    % {"names": ", ".join(missing)}
                ]
            }
        )
    return people


def _conversation_out(
    viewer: User, membership: Membership, unread: int | None = None
) -> dict[str, Any]:
    conversation = membership.conversation
    people = [m.user for m in conversation.memberships.all()]
    other = queries.other_person(conversation, viewer, people)
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "name": conversation.name,
        "title": queries.title_for(conversation, viewer, people),
        "members": [events.person_payload(p) for p in people],
        "unread": unread if unread is not None else getattr(membership, "unread", 0),
        "muted": membership.muted,
        "last_read_message_id": membership.last_read_message_id,
        "last_message_id": conversation.last_message_id,
        "last_message_at": conversation.last_message_at,
        "presence": presence.status_of(other.pk) if other is not None else None,
    }


def _detail(viewer: User, conversation_id: Id) -> dict[str, Any]:
    membership = queries.my_memberships(viewer).get(conversation_id=conversation_id)
    out = _conversation_out(viewer, membership)
    out["read_states"] = {
        str(uid): last for uid, last in queries.read_states(viewer, membership.conversation).items()
    }
    out["read_only"] = not queries.may_write(viewer, membership.conversation)
    return out


@router.get("/conversations", response=list[ConversationOut])
def list_conversations(request: AuthenticatedRequest) -> list[dict[str, Any]]:
    viewer = request.auth
    memberships = list(queries.my_memberships(viewer)[:200])
    others = [
        p.pk
        for m in memberships
        if m.conversation.kind == Conversation.Kind.DIRECT
        for p in [mm.user for mm in m.conversation.memberships.all()]
        if p.pk != viewer.pk
    ]
    statuses = presence.statuses(others)
    result = []
    for membership in memberships:
        out = _conversation_out(viewer, membership)
        people = [m.user for m in membership.conversation.memberships.all()]
        other = queries.other_person(membership.conversation, viewer, people)
        out["presence"] = statuses.get(other.pk) if other is not None else None
        result.append(out)
    return result


@router.post("/conversations", response={200: ConversationDetailOut, 201: ConversationDetailOut})
def create_conversation(
    request: AuthenticatedRequest, payload: ConversationIn
) -> Status[dict[str, Any]]:
    viewer = request.auth
    if payload.kind == "direct":
        (other,) = _people(viewer, [payload.username]) if payload.username else (None,)
        if other is None:
            raise ValidationError({"username": [_("Choose a person.")]})
        existed = queries.conversation_ids_of(viewer)
        conversation = actions.start_direct_conversation(actor=viewer, other=other)
        status = 200 if conversation.pk in existed else 201
    else:
        people = _people(viewer, payload.usernames)
        conversation = actions.create_group_conversation(
            actor=viewer, name=payload.name, members=people
        )
        status = 201
    return Status(status, _detail(viewer, conversation.pk))


@router.get("/conversations/{conversation_id}", response=ConversationDetailOut)
def conversation_detail(request: AuthenticatedRequest, conversation_id: Id) -> dict[str, Any]:
    queries.access_membership(request.auth, conversation_id)
    return _detail(request.auth, conversation_id)


@router.post("/conversations/{conversation_id}/members", response=ConversationDetailOut)
def add_members(
    request: AuthenticatedRequest, conversation_id: Id, payload: MembersIn
) -> dict[str, Any]:
    queries.access_membership(request.auth, conversation_id)
    people = _people(request.auth, payload.usernames)
    actions.add_members(actor=request.auth, conversation_id=conversation_id, people=people)
    return _detail(request.auth, conversation_id)


@router.delete("/conversations/{conversation_id}/members/{username}", response={204: None})
def remove_member(
    request: AuthenticatedRequest, conversation_id: Id, username: str
) -> Status[None]:
    queries.access_membership(request.auth, conversation_id)
    person = User.objects.filter(username=username).first()
    if person is None:
        raise ValidationError(_("This person is not in the conversation."))
    actions.remove_member(actor=request.auth, conversation_id=conversation_id, person=person)
    return Status(204, None)


@router.post("/conversations/{conversation_id}/read", response=ReadOut)
def mark_read(
    request: AuthenticatedRequest, conversation_id: Id, payload: ReadIn
) -> dict[str, int]:
    last = actions.mark_read(
        actor=request.auth, conversation_id=conversation_id, message_id=payload.message_id
    )
    return {"last_read_message_id": last}


@router.put("/conversations/{conversation_id}/mute", response=ConversationDetailOut)
def mute(request: AuthenticatedRequest, conversation_id: Id, payload: MuteIn) -> dict[str, Any]:
    actions.set_muted(actor=request.auth, conversation_id=conversation_id, muted=payload.muted)
    return _detail(request.auth, conversation_id)


@router.get(
    "/conversations/{conversation_id}/messages", response=MessagePage, url_name="chat_messages"
)
def history(
    request: AuthenticatedRequest, conversation_id: Id, cursor: str | None = None, limit: int = 30
) -> dict[str, Any]:
    page = queries.history(request.auth, conversation_id, cursor=cursor, limit=limit)
    cards = queries.message_card_payloads(request.auth, page.items)
    return {
        "items": [events.message_payload(m, cards=cards.get(m.pk, [])) for m in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/conversations/{conversation_id}/messages", response={200: MessageOut, 201: MessageOut}
)
def send(
    request: AuthenticatedRequest, conversation_id: Id, payload: MessageIn
) -> Status[dict[str, Any]]:
    message, created = actions.send_message(
        actor=request.auth,
        conversation_id=conversation_id,
        body=payload.body,
        client_id=payload.client_id,
        reply_to_id=payload.reply_to,
        attachment_ids=payload.attachments,
    )
    return Status(201 if created else 200, events.message_payload(message))


@router.post(
    "/conversations/{conversation_id}/attachments",
    response={201: MessageAttachmentOut},
    url_name="chat_upload",
)
def upload(
    request: AuthenticatedRequest, conversation_id: Id, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Upload a file (multipart field `file`), then send it: `attachments: [id]` in a message."""
    attachment = actions.upload_attachment(
        actor=request.auth, conversation_id=conversation_id, upload=file
    )
    return Status(201, events.attachment_payload(attachment))


class SearchFilters(Schema):
    q: str = ""
    person: str = ""
    conversation: Id | None = None
    cursor: str | None = None
    limit: int = 20


@router.get("/messages/search", response=MessagePage)
def search(request: AuthenticatedRequest, filters: Query[SearchFilters]) -> dict[str, Any]:
    if not (filters.q.strip() or filters.person.strip() or filters.conversation):
        raise ValidationError(_("Give words, a person or a conversation to search."))
    page = queries.search_messages(
        request.auth,
        q=filters.q[:200],
        person=filters.person[:150],
        conversation_id=filters.conversation,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {
        "items": [events.message_payload(m) for m in page.items],
        "next_cursor": page.next_cursor,
    }


@router.patch("/messages/{message_id}", response=MessageOut)
def edit(request: AuthenticatedRequest, message_id: Id, payload: MessageEditIn) -> dict[str, Any]:
    actions.edit_message(actor=request.auth, message_id=message_id, body=payload.body)
    return events.message_payload(queries.access_message(request.auth, message_id))


@router.delete("/messages/{message_id}", response=MessageOut)
def delete(request: AuthenticatedRequest, message_id: Id) -> dict[str, Any]:
    actions.delete_message(actor=request.auth, message_id=message_id)
    return events.message_payload(queries.access_message(request.auth, message_id))


@router.get("/messages/{message_id}/cards", response=list[dict[str, Any]])
def message_cards(request: AuthenticatedRequest, message_id: Id) -> list[dict[str, object]]:
    """The cards of a message's links to things I may see (a document: its name, type, size,
    picture), for a message that came over the socket with `link_cards: null`."""
    message = queries.access_message(request.auth, message_id)
    return queries.message_card_payloads(request.auth, [message]).get(message.pk, [])


@router.get("/messages/{message_id}/versions", response=list[VersionOut])
def message_versions(request: AuthenticatedRequest, message_id: Id) -> list[dict[str, Any]]:
    return [
        {"html": html, "written_at": at} for html, at in queries.versions(request.auth, message_id)
    ]


@router.post("/messages/{message_id}/pin", response=MessageOut)
def pin(request: AuthenticatedRequest, message_id: Id, payload: MessagePinIn) -> dict[str, Any]:
    message = actions.pin_message(actor=request.auth, message_id=message_id, pinned=payload.pinned)
    return events.message_payload(message)


@router.get("/conversations/{conversation_id}/pinned", response=list[MessageOut])
def pinned_messages(request: AuthenticatedRequest, conversation_id: Id) -> list[dict[str, Any]]:
    return [events.message_payload(m) for m in queries.pinned(request.auth, conversation_id)]


@router.post("/messages/{message_id}/reactions", response=MessageOut)
def react(
    request: AuthenticatedRequest, message_id: Id, payload: MessageReactionIn
) -> dict[str, Any]:
    actions.add_reaction(actor=request.auth, message_id=message_id, emoji=payload.emoji)
    return events.message_payload(queries.access_message(request.auth, message_id))


@router.delete("/messages/{message_id}/reactions", response=MessageOut)
def unreact(request: AuthenticatedRequest, message_id: Id, emoji: str) -> dict[str, Any]:
    actions.remove_reaction(actor=request.auth, message_id=message_id, emoji=emoji[:16])
    return events.message_payload(queries.access_message(request.auth, message_id))
