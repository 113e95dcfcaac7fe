"""Reading notifications, with their rules: only one's own, only about what one can still see."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cercle.accounts.models import User
from cercle.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from cercle.notifications.models import (
    Kind,
    Notification,
    Preference,
    QuietHours,
    SpaceLevel,
    SpaceSetting,
)
from cercle.spaces.queries import display_name

PAGE_SIZE = 30
BIG_SPACE = 100


class NotFound(Http404):
    """Missing or not one's own: one error for both."""


def visible_notifications(user: User) -> QuerySet[Notification]:
    """The person's notifications, leaving out those about posts they can no longer see."""
    from cercle.feed.queries import visible_posts

    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient_id=user.pk)
        .filter(Q(post__isnull=True) | Q(post__in=visible_posts(user).values("pk")))
        .select_related("actor", "post", "space", "comment")
        .order_by("-updated_at", "-id")
    )


def unread_count(user: User) -> int:
    if not user.is_authenticated or not user.is_active:
        return 0
    return visible_notifications(user).filter(read_at__isnull=True).order_by().count()


def notifications_page(
    user: User, *, cursor: str | None = None, limit: int = PAGE_SIZE, unread_only: bool = False
) -> Page[Notification]:
    items = visible_notifications(user)
    if unread_only:
        items = items.filter(read_at__isnull=True)
    if cursor:
        raw, pk = decode_cursor(cursor, length=2)
        when = parse_datetime(str(raw)) if isinstance(raw, str) else None
        if when is None or not isinstance(pk, int):
            raise InvalidCursor("invalid cursor")
        items = items.filter(Q(updated_at__lt=when) | Q(updated_at=when, pk__lt=pk))
    limit = max(1, min(limit, 100))
    rows = list(items[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=rows,
        next_cursor=encode_cursor([rows[-1].updated_at.isoformat(), rows[-1].pk])
        if more and rows
        else None,
    )


def access_notification(user: User, notification_id: int) -> Notification:
    notification = visible_notifications(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    return notification


def describe(notification: Notification) -> str:
    """One line for people: "Anne and 4 others reacted to your post"."""
    name = notification.actor.display_name if notification.actor else _("Someone")
    others = max(notification.actor_count - 1, 0)
    space = display_name(notification.space) if notification.space else ""
    kind = notification.kind
    if kind == Kind.MENTION:
        return _("%(name)s mentioned you") % {"name": name}
    if kind == Kind.COMMENT:
        return (
            ngettext(
                "%(name)s and %(count)d other commented on your post",
                "%(name)s and %(count)d others commented on your post",
                others,
            )
            % {"name": name, "count": others}
            if others
            else _("%(name)s commented on your post") % {"name": name}
        )
    if kind == Kind.REPLY:
        return (
            ngettext(
                "%(name)s and %(count)d other replied to your comment",
                "%(name)s and %(count)d others replied to your comment",
                others,
            )
            % {"name": name, "count": others}
            if others
            else _("%(name)s replied to your comment") % {"name": name}
        )
    if kind == Kind.REACTION:
        on_comment = notification.group_key.startswith("reaction:comment:")
        if others:
            if on_comment:
                return ngettext(
                    "%(name)s and %(count)d other reacted to your comment",
                    "%(name)s and %(count)d others reacted to your comment",
                    others,
                ) % {"name": name, "count": others}
            return ngettext(
                "%(name)s and %(count)d other reacted to your post",
                "%(name)s and %(count)d others reacted to your post",
                others,
            ) % {"name": name, "count": others}
        if on_comment:
            return _("%(name)s reacted to your comment") % {"name": name}
        return _("%(name)s reacted to your post") % {"name": name}
    if kind == Kind.SHARE:
        return (
            ngettext(
                "%(name)s and %(count)d other shared your post",
                "%(name)s and %(count)d others shared your post",
                others,
            )
            % {"name": name, "count": others}
            if others
            else _("%(name)s shared your post") % {"name": name}
        )
    if kind == Kind.INVITATION:
        return _("%(name)s invited you to join %(space)s") % {"name": name, "space": space}
    if kind == Kind.JOIN_REQUEST:
        return (
            ngettext(
                "%(name)s and %(count)d other ask to join %(space)s",
                "%(name)s and %(count)d others ask to join %(space)s",
                others,
            )
            % {"name": name, "count": others, "space": space}
            if others
            else _("%(name)s asks to join %(space)s") % {"name": name, "space": space}
        )
    if kind == Kind.ANNOUNCEMENT:
        if notification.is_reminder:
            return _("Reminder: %(name)s asks you to confirm you have read an announcement") % {
                "name": name
            }
        return _("%(name)s asks you to confirm you have read an announcement") % {"name": name}
    if kind == Kind.CONTENT_HIDDEN:
        return _hidden_text(notification)
    if kind == Kind.SPACE_POST:
        return (
            ngettext(
                "%(name)s and %(count)d other posted in %(space)s",
                "%(name)s and %(count)d others posted in %(space)s",
                others,
            )
            % {"name": name, "count": others, "space": space}
            if others
            else _("%(name)s posted in %(space)s") % {"name": name, "space": space}
        )
    return name


def _hidden_text(notification: Notification) -> str:
    """The text "A moderator hid your post (reason: Spam)"; the reason is the group key's last part
    (`content_hidden:<post|comment>:<id>:<reason>`, see `cercle.feed.actions.decide_report`)."""
    from cercle.feed.models import ReportReason

    parts = notification.group_key.split(":")
    on_comment = len(parts) > 1 and parts[1] == "comment"
    known = dict(ReportReason.choices)
    reason = known.get(parts[-1]) if len(parts) == 4 and parts[-1] != "other" else None
    if reason is None:
        if on_comment:
            return _("A moderator hid your comment")
        return _("A moderator hid your post")
    if on_comment:
        return _("A moderator hid your comment (reason: %(reason)s)") % {"reason": reason}
    return _("A moderator hid your post (reason: %(reason)s)") % {"reason": reason}


def target_url(notification: Notification) -> str:
    if notification.kind == Kind.JOIN_REQUEST and notification.space is not None:
        return reverse("space_members", args=[notification.space.slug])
    if notification.post_id is not None:
        url = reverse("post", args=[notification.post_id])
        if notification.comment_id is not None:
            url += f"#comment-{notification.comment_id}"
        return url
    if notification.space is not None:
        return reverse("space", args=[notification.space.slug])
    return reverse("notifications")


# --- Preferences -------------------------------------------------------------------------------


def preferences(user: User) -> dict[str, Preference]:
    saved = {p.kind: p for p in Preference.objects.filter(user_id=user.pk)}
    return {
        kind: saved.get(kind) or Preference(user_id=user.pk, kind=kind, email=True, digest=True)
        for kind in Kind.values
    }


def wants_email(user: User, kind: str) -> bool:
    pref = Preference.objects.filter(user_id=user.pk, kind=kind).first()
    return pref is None or pref.email


def in_quiet_hours(user: User, now: datetime.datetime) -> bool:
    quiet = QuietHours.objects.filter(user_id=user.pk).first()
    if quiet is None:
        return False
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = now.astimezone(zone).time()
    if quiet.start <= quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end  # across midnight


def space_level(user: User, space: object) -> str:
    """The level set by the person, else "mentions only" in big spaces, "every post" in others."""
    from cercle.spaces.models import Space
    from cercle.spaces.queries import member_count

    assert isinstance(space, Space)
    chosen = (
        SpaceSetting.objects.filter(user_id=user.pk, space_id=space.pk)
        .values_list("level", flat=True)
        .first()
    )
    if chosen:
        return chosen
    return SpaceLevel.MENTIONS if member_count(space) > BIG_SPACE else SpaceLevel.ALL


def members_wanting_every_post(space: object) -> Iterator[User]:
    from cercle.spaces.models import Membership, Space
    from cercle.spaces.queries import member_count

    assert isinstance(space, Space)
    levels = dict(SpaceSetting.objects.filter(space=space).values_list("user_id", "level"))
    default = SpaceLevel.MENTIONS if member_count(space) > BIG_SPACE else SpaceLevel.ALL
    if space.is_organisation:
        # Everyone is a member: only those who asked for every post.
        wanted = [uid for uid, level in levels.items() if level == SpaceLevel.ALL]
        yield from User.objects.filter(pk__in=wanted, is_active=True)
        return
    members = User.objects.filter(
        pk__in=Membership.objects.filter(space=space).values("user_id"), is_active=True
    ).iterator(chunk_size=500)
    for person in members:
        if levels.get(person.pk, default) == SpaceLevel.ALL:
            yield person
