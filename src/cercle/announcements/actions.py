"""Every write of announcements: make a post one (or retarget it), publish a post as one, take it
back, dismiss or confirm it, remind those who have not confirmed; and what happens to an
announcement when its post is deleted or hidden (`feed.hooks`, followed in `listeners.py`).

Each action checks the rule in `cercle.announcements.queries`, writes in a transaction, records
the audit entry (the codes kept from the feed: `feed.announced`…), and publishes the banners'
realtime events (`cercle.announcements.events`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Site, User
from cercle.announcements import events, queries
from cercle.announcements.models import Announcement, AnnouncementReceipt
from cercle.announcements.notifications import ANNOUNCEMENT
from cercle.audit.actions import log_event
from cercle.feed import actions as feed_actions
from cercle.feed import notifications as feed_notifications
from cercle.feed.models import Post
from cercle.notifications import actions as notifications
from cercle.spaces.models import Space


@transaction.atomic
def announce(
    *,
    actor: User,
    post: Post,
    departments: list[Department] | None = None,
    sites: list[Site] | None = None,
    requires_ack: bool = False,
) -> Announcement:
    """Mark a space post as an announcement for everyone, or for some departments or sites."""
    if not queries.can_announce(actor, post):
        raise PermissionDenied(
            _("Only staff (organisation space) or the space's admins can make announcements.")
        )
    announcement, created = Announcement.objects.get_or_create(
        post=post, defaults={"created_by": actor, "requires_ack": requires_ack}
    )
    announcement.post = post
    # Retargeted: its targets until now, for the banners of those it no longer targets.
    before = None if created else _route_of(announcement)
    if not created:
        announcement.requires_ack = requires_ack
        announcement.save(update_fields=["requires_ack"])
    announcement.departments.set(departments or [])
    announcement.sites.set(sites or [])
    log_event(
        actor=actor,
        action="feed.announced",
        target=post,
        new={
            "departments": [d.pk for d in departments or []],
            "sites": [s.pk for s in sites or []],
            "requires_ack": requires_ack,
        },
    )
    if requires_ack:
        _enqueue_reminders(announcement)
    if before is not None:
        # Those it no longer targets (or no longer asks to confirm) are not asked any more.
        _end_announcement_notifications(
            announcement.pk,
            keep_user_ids=queries.announcement_audience(announcement).values("pk")
            if requires_ack
            else None,
        )
    after = events.announcement_route_of(
        announcement,
        department_ids=[d.pk for d in departments or []],
        site_ids=[s.pk for s in sites or []],
    )
    events.announced(
        announcement,
        department_ids=after.department_ids,
        site_ids=after.site_ids,
    )
    if before is not None and _may_leave_out(before, after):
        events.announcement_removed(before, after=after)
    return announcement


@transaction.atomic
def publish_announcement(
    *,
    actor: User,
    space: Space,
    body: str,
    attachments: Sequence[tuple[IO[bytes], str]] = (),
    departments: list[Department] | None = None,
    sites: list[Site] | None = None,
    requires_ack: bool = False,
) -> Announcement:
    """Post in a space and make the post an announcement, in one step (all or nothing)."""
    if not queries.can_announce_in(actor, space):
        raise PermissionDenied(
            _("Only staff (organisation space) or the space's admins can make announcements.")
        )
    post = feed_actions.create_post(actor=actor, body=body, space=space, attachments=attachments)
    return announce(
        actor=actor, post=post, departments=departments, sites=sites, requires_ack=requires_ack
    )


@transaction.atomic
def unannounce(*, actor: User, post: Post) -> None:
    """The post is no longer an announcement (receipts go with it)."""
    if not queries.can_announce(actor, post):
        raise PermissionDenied(
            _("Only staff (organisation space) or the space's admins can make announcements.")
        )
    ending = _announcement_of(post)
    if ending is None:
        return
    Announcement.objects.filter(pk=ending.announcement_id).delete()
    _end_announcement_notifications(ending.announcement_id)
    log_event(actor=actor, action="feed.unannounced", target=post)
    events.announcement_removed(ending)


def _route_of(announcement: Announcement) -> events.AnnouncementRoute:
    """An announcement's route as it stands (its targets read now: two queries)."""
    return events.announcement_route_of(
        announcement,
        department_ids=announcement.departments.values_list("pk", flat=True),
        site_ids=announcement.sites.values_list("pk", flat=True),
    )


def _announcement_of(post: Post) -> events.AnnouncementRoute | None:
    """The route of the post's announcement, if it is one (one query; three more if it is), for
    an action that ends it: read before the post or the announcement is deleted."""
    announcement = queries.announcement_of(post)
    if announcement is None:
        return None
    announcement.post = post
    return _route_of(announcement)


def _may_leave_out(before: events.AnnouncementRoute, after: events.AnnouncementRoute) -> bool:
    """May retargeting from `before` to `after` leave out someone it targeted? Not when it now
    targets everyone, nor when it keeps every department and site it had."""
    if not after.department_ids and not after.site_ids:
        return False
    if not before.department_ids and not before.site_ids:
        return True
    return not (before.department_ids <= after.department_ids and before.site_ids <= after.site_ids)


def _enqueue_reminders(announcement: Announcement, *, reminder: bool = False) -> None:
    # Imported here: the task module calls back into this one.
    from cercle.announcements.tasks import remind_announcement

    announcement_id = announcement.pk
    transaction.on_commit(lambda: remind_announcement.enqueue(announcement_id, reminder))


def _group_key(announcement_id: int) -> str:
    return f"announcement:{announcement_id}"


def _end_announcement_notifications(
    announcement_id: int, keep_user_ids: QuerySet[Any] | None = None
) -> None:
    """The "please confirm" notifications of an announcement that no longer asks it (withdrawn,
    deleted, hidden, retargeted) are marked read, and the bells lowered live."""
    notifications.end_group(group_key=_group_key(announcement_id), keep_user_ids=keep_user_ids)


def _receipt(announcement: Announcement, actor: User) -> AnnouncementReceipt:
    receipt, _created = AnnouncementReceipt.objects.get_or_create(
        announcement=announcement, user=actor
    )
    return receipt


@transaction.atomic
def dismiss_announcement(*, actor: User, announcement: Announcement) -> None:
    feed_actions.require_active(actor)
    if announcement.requires_ack:
        raise ValidationError(_("Confirm that you have read this announcement instead."))
    receipt = _receipt(announcement, actor)
    if receipt.dismissed_at is None:
        receipt.dismissed_at = timezone.now()
        receipt.save(update_fields=["dismissed_at"])
    notifications.mark_group_read(person=actor, group_key=_group_key(announcement.pk))


@transaction.atomic
def acknowledge(*, actor: User, announcement: Announcement) -> AnnouncementReceipt:
    feed_actions.require_active(actor)
    if not queries.announcement_audience(announcement).filter(pk=actor.pk).exists():
        raise PermissionDenied(_("This announcement is not addressed to you."))
    receipt = _receipt(announcement, actor)
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at = timezone.now()
        receipt.save(update_fields=["acknowledged_at"])
        log_event(actor=actor, action="feed.announcement_acknowledged", target=announcement.post)
    # Done: the notification asking for it no longer counts in the bell.
    notifications.mark_group_read(person=actor, group_key=_group_key(announcement.pk))
    return receipt


@transaction.atomic
def remind(*, actor: User, announcement: Announcement) -> Announcement:
    """Remind (in the app and by mail) those who have not confirmed yet (in the background)."""
    if not queries.can_follow_up(actor, announcement):
        raise PermissionDenied(_("Only the author can send reminders."))
    if not announcement.requires_ack:
        raise ValidationError(_("This announcement does not ask for confirmation."))
    # Locked: two clicks at once send one reminder, not two.
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    allowed_from = queries.next_reminder_at(locked)
    if allowed_from is not None:
        last = locked.last_reminded_at
        assert last is not None
        raise ValidationError(
            _("A reminder was already sent on %(when)s; the next one can be sent from %(next)s.")
            % {
                "when": date_format(timezone.localtime(last), "DATETIME_FORMAT"),
                "next": date_format(timezone.localtime(allowed_from), "DATETIME_FORMAT"),
            }
        )
    announcement.last_reminded_at = timezone.now()
    announcement.save(update_fields=["last_reminded_at"])
    log_event(actor=actor, action="feed.announcement_reminded", target=announcement.post)
    _enqueue_reminders(announcement, reminder=True)
    return announcement


def send_announcement_reminders(*, announcement_id: int, reminder: bool = False) -> int:
    """Notify each targeted person who has not confirmed yet (run by a background task).

    A `reminder` makes each one's notification unread again, says "Reminder: …" and is listed at
    the reminder's time (`notifications.actions.notify`)."""
    announcement = (
        Announcement.objects.select_related("post", "post__space", "created_by")
        .filter(pk=announcement_id)
        .first()
    )
    if announcement is None:
        return 0
    confirmed = AnnouncementReceipt.objects.filter(
        announcement=announcement, acknowledged_at__isnull=False
    ).values("user_id")
    sent = 0
    for person in (
        queries.announcement_audience(announcement).exclude(pk__in=confirmed).iterator(500)
    ):
        # Grouped: a reminder refreshes the same notification (unread again).
        if notifications.notify(
            recipient=person,
            kind=ANNOUNCEMENT,
            actor=announcement.created_by or announcement.post.author,
            group_key=_group_key(announcement.pk),
            subject=feed_notifications.about(announcement.post),
            space=announcement.post.space,
            reminder=reminder,
        ):
            sent += 1
    return sent


def end_for_post(post: Post) -> None:
    """The post's announcement, if it is one, no longer shows (its post is being deleted, or was
    hidden by a moderator: `active_announcements` leaves hidden posts out): its "please confirm"
    notifications are ended and its banners taken off, after commit. Called by the listeners of
    `feed.hooks` in the feed action's transaction (the route read before the post goes)."""
    ending = _announcement_of(post)
    if ending is None:
        return
    _end_announcement_notifications(ending.announcement_id)
    events.announcement_removed(ending)
