"""The messages pages: the conversation list, a conversation with its history, starting one."""

from __future__ import annotations

import functools
import secrets
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercle.accounts.models import User
from cercle.accounts.queries import NotFound, people_picker, pickable_person
from cercle.chat import actions, presence, queries
from cercle.chat.events import plain_excerpt
from cercle.chat.forms import GroupForm
from cercle.chat.models import Conversation, Membership, Message
from cercle.core import uploads
from cercle.core.pagination import InvalidCursor
from cercle.core.text import normalize, search_terms
from cercle.core.typing import AuthenticatedRequest

HISTORY_PAGE = 30
SEARCH_PAGE = 20
# A search result's excerpt: this many characters of the message, around its first match.
SEARCH_EXCERPT = 200
# The conversation list's preview of the newest message: plain text, this many characters at most
# (the list cuts it to one line; chat.js cuts live previews the same way).
PREVIEW_LENGTH = 120


def _strings() -> dict[str, str]:
    """Texts the realtime script shows, translated here: kept per language (each conversation
    page asked its fifty translations, ~700 Python calls: issue 15)."""
    return _strings_in(get_language())


@functools.lru_cache(maxsize=32)
def _strings_in(language: str | None) -> dict[str, str]:
    return {
        "edited": pgettext("message", "edited"),
        "deleted": _("This message was deleted."),
        "reply": _("Reply"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "react": _("React"),
        "copy_link": _("Copy link"),
        "pin": _("Pin"),
        "unpin": _("Unpin"),
        "pinned": _("pinned"),
        "copied": _("Link copied"),
        "typing": _("%(name)s is typing…"),
        "seen_by": _("Seen by %(names)s"),
        "sending": _("Sending…"),
        "waiting": _("Waiting to be sent"),
        "cancel_send": _("Cancel sending"),
        "edit_prompt": _("Edit your message"),
        "delete_confirm": _("Delete this message?"),
        "replying_to": _("Replying to %(name)s"),
        "cancel": _("Cancel"),
        "in_reply_to": _("In reply to a message"),
        # A reply's one-line quote, and a deleted quoted message.
        "quote": _("%(name)s: %(text)s"),
        "quote_deleted": _("message deleted"),
        # File sizes, as the `file_size` filter writes them.
        "size_byte": ngettext("%(n)s byte", "%(n)s bytes", 1),
        "size_bytes": ngettext("%(n)s byte", "%(n)s bytes", 2),
        "size_kb": _("%(n)s kB"),
        "size_mb": _("%(n)s MB"),
        "size_gb": _("%(n)s GB"),
        "remove_file": _("Remove %(name)s"),
        "uploading": _("Uploading %(name)s…"),
        "versions": _("Earlier versions"),
        "online": _("online"),
        "away": _("away"),
        "offline": _("offline"),
        # The organisation space's channel has no stored name.
        "organisation": _("Whole organisation"),
        "actions": _("Message actions"),
        # The conversation list's preview of the newest message.
        "preview": _("%(name)s: %(text)s"),
        "you": _("You"),
        "preview_deleted": _("Message deleted"),
        "preview_file": _("📎 File"),
    }


def _excerpt(body_html: str) -> str:
    """A message's plain text for the list's preview: no Markdown, no HTML, one line, short."""
    return plain_excerpt(body_html, PREVIEW_LENGTH)


def _preview(message: Message | None, viewer: User) -> str:
    """ "Bruno Martin: see you at 2" — nothing of a deleted message's text or sender."""
    if message is None:
        return ""
    if message.deleted_at is not None:
        return _("Message deleted")
    name = _("You") if message.sender_id == viewer.pk else message.sender.display_name
    return _("%(name)s: %(text)s") % {
        "name": name,
        "text": _excerpt(message.body_html) or _("📎 File"),
    }


def _list_time(moment: Any) -> str:
    """The newest message's time in the viewer's time zone: 14:05 today, else the date."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    today = timezone.localdate()
    if local.date() == today:
        return date_format(local, "H:i")
    if local.year == today.year:
        return date_format(local, "j M")
    return date_format(local, "SHORT_DATE_FORMAT")


def _sidebar(viewer: User) -> list[dict[str, Any]]:
    memberships = list(queries.my_memberships(viewer)[:200])
    people_of = {m.pk: [mm.user for mm in m.conversation.memberships.all()] for m in memberships}
    others = {
        m.pk: queries.other_person(m.conversation, viewer, people_of[m.pk]) for m in memberships
    }
    statuses = presence.statuses([o.pk for o in others.values() if o is not None])
    newest = queries.last_messages([m.conversation for m in memberships])
    rows = []
    for membership in memberships:
        other = others[membership.pk]
        last = newest.get(membership.conversation_id)
        rows.append(
            {
                "membership": membership,
                "conversation": membership.conversation,
                "title": queries.title_for(
                    membership.conversation, viewer, people_of[membership.pk]
                ),
                "other": other,
                "presence": statuses.get(other.pk) if other is not None else None,
                "unread": getattr(membership, "unread", 0),
                "last_id": last.pk if last is not None else "",
                "preview": _preview(last, viewer),
                "time": _list_time(membership.conversation.last_message_at),
            }
        )
    return rows


def _since(rows: list[dict[str, Any]]) -> int:
    return max((r["conversation"].last_message_id or 0 for r in rows), default=0)


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    rows = _sidebar(request.user)
    return render(
        request,
        "chat/inbox.html",
        {
            "rows": rows,
            "since": _since(rows),
            "can_start": queries.can_start_conversations(request.user),
            "strings": _strings(),
        },
    )


@login_required
def conversation(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    viewer = request.user
    membership = queries.access_membership(viewer, conversation_id)
    current = membership.conversation
    is_channel = current.kind == Conversation.Kind.SPACE
    # A space channel's members are the space's (thousands in the organisation's): not loaded.
    people = [] if is_channel else queries.members(current)
    around = request.GET.get("around", "")
    gap = False
    if around:
        # A search result (or a link to an old message): opened there, continuous to the newest.
        if not around.isdigit():
            return HttpResponse(_("“around” must be a message number."), status=400)
        found = queries.history_around(
            viewer, conversation_id, int(around), older=HISTORY_PAGE // 2
        )
        page, gap = found.page, found.gap
    else:
        page = queries.history(viewer, conversation_id, limit=HISTORY_PAGE)
    history = list(reversed(page.items))
    cards = queries.message_cards(viewer, history)
    for message in history:
        message.link_cards = cards.get(message.pk, ())  # type: ignore[attr-defined]
    rows = _sidebar(viewer)
    other = queries.other_person(current, viewer, people)
    return render(
        request,
        "chat/conversation.html",
        {
            "rows": rows,
            "since": _since(rows),
            "current": current,
            "membership": membership,
            "title": queries.title_for(current, viewer, people),
            "people": people,
            "other": other,
            "other_presence": presence.status_of(other.pk) if other else None,
            "history": history,
            "next_cursor": page.next_cursor or "",
            "gap": gap,
            "read_states": {str(k): v for k, v in queries.read_states(viewer, current).items()},
            "names": {str(p.pk): p.display_name for p in people},
            "strings": _strings(),
            "can_start": queries.can_start_conversations(viewer),
            "is_group": current.kind == Conversation.Kind.GROUP,
            "channel_space": queries.channel_space(current) if is_channel else None,
            "mention_url": reverse("chat_mention_suggestions", args=[current.pk]),
            # An archived space's channel: the history, and a notice instead of the composer.
            "read_only": not queries.may_write(viewer, current),
        },
    )


def _highlight(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, with each search term found in it (accent- and case-insensitively, as the
    search matches) inside <mark>."""
    # Each character's normalised form, and which character each normalised one comes from.
    flat: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        form = normalize(char) or " "
        flat.append(form)
        origin.extend([index] * len(form))
    joined = "".join(flat)
    marked = [False] * len(text)
    for term in terms:
        start = joined.find(term)
        while start != -1:
            for position in range(start, start + len(term)):
                marked[origin[position]] = True
            start = joined.find(term, start + len(term))
    parts: list[str] = []
    index = 0
    while index < len(text):
        end = index
        while end < len(text) and marked[end] == marked[index]:
            end += 1
        chunk = escape(text[index:end])
        parts.append(f"<mark>{chunk}</mark>" if marked[index] else chunk)
        index = end
    return mark_safe("".join(parts))  # noqa: S308 — every piece of text is escaped above


def _search_excerpt(body_html: str, terms: list[str]) -> SafeString:
    """The message's plain text around its first matching word, with the words highlighted."""
    text = plain_excerpt(body_html, 10_000)
    folded = normalize(text)
    first = min((p for p in (folded.find(t) for t in terms) if p >= 0), default=0)
    # `normalize` keeps the length close enough to place the window around the match.
    start = max(0, min(first - SEARCH_EXCERPT // 4, len(text) - SEARCH_EXCERPT))
    window = text[start : start + SEARCH_EXCERPT]
    before = "…" if start > 0 else ""
    after = "…" if start + SEARCH_EXCERPT < len(text) else ""
    return mark_safe(escape(before) + _highlight(window, terms) + escape(after))  # noqa: S308


@login_required
def search(request: AuthenticatedRequest) -> HttpResponse:
    """Messages search: words (accent-insensitive), a person, a conversation; newest first,
    a page at a time (`cursor`). The same query as `GET /api/v1/messages/search`."""
    viewer = request.user
    q = request.GET.get("q", "").strip()[:200]
    person = request.GET.get("person", "").strip().lstrip("@")[:150]
    raw_conversation = request.GET.get("conversation", "").strip()
    cursor = request.GET.get("cursor", "") or None
    rows = _sidebar(viewer)
    error = ""
    conversation_id: int | None = None
    if raw_conversation:
        if raw_conversation.isdigit():
            conversation_id = int(raw_conversation)
        else:
            error = _("Choose a conversation from the list.")
    results: list[dict[str, Any]] = []
    next_cursor = ""
    if person and pickable_person(viewer, person) is None:
        # A name typed without choosing a suggestion: fine when it names one person only.
        found = people_picker(viewer, person, limit=2)
        if len(found) == 1:
            person = found[0].user.username
    searched = bool(q or person or conversation_id)
    if searched and not error:
        try:
            page = queries.search_messages(
                viewer,
                q=q,
                person=person,
                conversation_id=conversation_id,
                cursor=cursor,
                limit=SEARCH_PAGE,
            )
        except InvalidCursor:
            error = _("This page of results no longer exists: search again.")
        else:
            terms = search_terms(q)
            found_in = {m.conversation_id: m.conversation for m in page.items}
            titles = queries.titles_of(viewer, list(found_in.values()))
            results = [
                {
                    "message": m,
                    "title": titles[m.conversation_id],
                    "excerpt": _search_excerpt(m.body_html, terms),
                    "when": _list_time(m.created_at),
                }
                for m in page.items
            ]
            next_cursor = page.next_cursor or ""
    scoped = next((r for r in rows if r["conversation"].pk == conversation_id), None)
    return render(
        request,
        "chat/search.html",
        {
            "rows": rows,
            "since": _since(rows),
            "can_start": queries.can_start_conversations(viewer),
            "strings": _strings(),
            "q": q,
            "person": person,
            "conversation_id": conversation_id,
            "scoped_title": scoped["title"] if scoped else "",
            "people_options": sorted(
                {r["other"].username: r["other"] for r in rows if r["other"] is not None}.values(),
                key=lambda p: p.display_name,
            ),
            "searched": searched,
            "results": results,
            "next_cursor": next_cursor,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def mention_suggestions(request: AuthenticatedRequest, conversation_id: int) -> JsonResponse:
    """Members of the conversation to complete an @mention with (mentions.js), as JSON."""
    prefix = request.GET.get("q", "").lstrip("@")[:50]
    people = queries.mention_candidates(request.user, conversation_id, prefix)
    return JsonResponse(
        {"items": [{"username": p.username, "name": p.display_name} for p in people]}
    )


@login_required
@require_POST
def send(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    """The composer without JavaScript: store (files first), then back to the conversation."""
    try:
        uploaded = [
            actions.upload_attachment(
                actor=request.user, conversation_id=conversation_id, upload=upload
            )
            for upload in request.FILES.getlist("files")[:10]
        ]
        actions.send_message(
            actor=request.user,
            conversation_id=conversation_id,
            body=request.POST.get("body", ""),
            client_id=request.POST.get("client_id", "")[:64] or secrets.token_urlsafe(16),
            attachment_ids=[a.pk for a in uploaded],
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    except queries.ReadOnly as error:
        flash.error(request, str(error))
    return redirect("chat_conversation", conversation_id=conversation_id)


@login_required
@require_POST
def start_direct(request: AuthenticatedRequest, username: str) -> HttpResponse:
    """The "Message" button of a profile or of the directory."""
    other = pickable_person(request.user, username)
    if other is None:
        raise NotFound("person")
    try:
        started = actions.start_direct_conversation(actor=request.user, other=other)
    except (ValidationError, PermissionDenied) as error:
        flash.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("profile", username=username)
    return redirect("chat_conversation", conversation_id=started.pk)


@login_required
def new_direct(request: AuthenticatedRequest) -> HttpResponse:
    """The list's "New message" button: pick a person (people autocomplete), then talk to them."""
    if not queries.can_start_conversations(request.user):
        raise PermissionDenied(_("Guests cannot start conversations."))
    query = request.POST.get("q", "").strip()[:200]
    error = ""
    if request.method == "POST":
        person = pickable_person(request.user, query.lstrip("@")) if query else None
        if person is None and query:
            # A name typed without choosing a suggestion: fine when it names one person only.
            found = people_picker(request.user, query, limit=2)
            person = found[0].user if len(found) == 1 else None
        if person is None:
            error = (
                _("Nobody active matches “%(query)s”: choose a person from the suggestions.")
                % {"query": query}
                if query
                else _("Choose a person.")
            )
        else:
            try:
                started = actions.start_direct_conversation(actor=request.user, other=person)
            except (ValidationError, PermissionDenied) as failure:
                error = " ".join(getattr(failure, "messages", [str(failure)]))
            else:
                return redirect("chat_conversation", conversation_id=started.pk)
    return render(
        request,
        "chat/new_direct.html",
        {"query": query, "error": error},
        status=400 if error else 200,
    )


@login_required
def new_group(request: AuthenticatedRequest) -> HttpResponse:
    form = GroupForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            group = actions.create_group_conversation(
                actor=request.user,
                name=form.cleaned_data["name"],
                members=form.cleaned_data["people"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error("people" if field == "members" else field, errors)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return HttpResponseRedirect(reverse("chat_conversation", args=[group.pk]))
    return render(request, "chat/new_group.html", {"form": form})


@login_required
def unread(request: AuthenticatedRequest) -> JsonResponse:
    """The navigation badge's number, refreshed by the realtime script."""
    per = dict(Membership.objects.filter(user=request.user).values_list("conversation_id", "muted"))
    return JsonResponse(
        {
            "conversations": queries.unread_conversation_count(request.user),
            "muted": [k for k, v in per.items() if v],
        }
    )


@login_required
@require_POST
def mute(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    muted = request.POST.get("muted") == "1"
    actions.set_muted(actor=request.user, conversation_id=conversation_id, muted=muted)
    flash.success(request, _("Conversation muted.") if muted else _("Conversation unmuted."))
    return redirect("chat_conversation", conversation_id=conversation_id)


@login_required
@require_POST
def add_people(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    names = list(dict.fromkeys(request.POST.get("people", "").replace(",", " ").split()))
    people, missing = [], []
    for name in names:
        person = pickable_person(request.user, name.lstrip("@"))
        if person is None:
            missing.append(name)
        else:
            people.append(person)
    if missing:
        flash.error(
            request,
            _("Nobody active has these usernames: %(names)s") % {"names": ", ".join(missing)},
        )
    elif people:
        try:
            actions.add_members(actor=request.user, conversation_id=conversation_id, people=people)
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        else:
            flash.success(request, _("People added."))
    return redirect("chat_conversation", conversation_id=conversation_id)


@login_required
@require_POST
def leave(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    try:
        actions.remove_member(
            actor=request.user, conversation_id=conversation_id, person=request.user
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
        return redirect("chat_conversation", conversation_id=conversation_id)
    flash.success(request, _("You left the conversation."))
    return redirect("chat_inbox")


@login_required
def chat_settings(request: AuthenticatedRequest) -> HttpResponse:
    """One's read-receipt choice (the organisation's switch is in the administration)."""
    org = queries.chat_settings()
    if request.method == "POST":
        actions.set_read_receipts(
            actor=request.user, enabled=request.POST.get("read_receipts") == "on"
        )
        flash.success(request, _("Settings saved."))
        return redirect("chat_settings")
    return render(
        request,
        "chat/settings.html",
        {"own": queries.own_read_receipts(request.user), "org": org.read_receipts},
    )


@uploads.download_view
def attachment(request: AuthenticatedRequest, attachment_id: int) -> HttpResponseBase:
    """A sent file, for its conversation's members only (by session or API token): served by
    `cercle.core.uploads.serve`, images inline, other files downloaded."""
    found = queries.access_attachment(request.user, attachment_id)
    return uploads.serve(found.file, name=found.name, content_type=found.content_type)


@login_required
def space_channel(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A space's chat channel: opened (and its members brought up to date), then shown."""
    try:
        channel = actions.open_channel_for(actor=request.user, space_slug=slug)
    except (ValidationError, PermissionDenied) as error:
        flash.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("space", slug=slug)
    return redirect("chat_conversation", conversation_id=channel.pk)
