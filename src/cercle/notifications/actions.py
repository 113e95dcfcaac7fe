"""Writing notifications: `notify`, grouping, preferences, marking read.

Modules decide who hears about what and call `notify` (or `notify_many`) with the kind and the
subject they registered (`registry`). The rule that matters most: nothing reaches someone who
cannot see its subject — checked when it is written (`registry.may_see`, through the module's
registration), and again whenever it is listed, counted or mailed (`queries.visible_notifications`).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.audit.actions import log_event
from cercle.core.realtime import publish_each_on_commit, publish_on_commit
from cercle.notifications import events, push, registry
from cercle.notifications.models import (
    Notification,
    Preference,
    PushSubscription,
    QuietHours,
    SpaceLevel,
    SpaceSetting,
)
from cercle.notifications.queries import NotFound, unread_count
from cercle.spaces import queries as space_queries
from cercle.spaces.models import JoinRequest, Membership, Space, SpaceInvitation

MAX_ACTORS_KEPT = 20
# The kinds about spaces (registered by `listeners`): notifications know spaces, a lower layer.
INVITATION = "invitation"
JOIN_REQUEST = "join_request"


def _email_delay() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "CERCLE_NOTIFICATION_EMAIL_DELAY", 15))


class _PendingMail:
    """The notifications to mail later that a transaction wrote: queued at its commit as one
    task per 500 (a post naming five people is one task, not five)."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def flush(self) -> None:
        from django_tasks.exceptions import InvalidTaskError

        # Imported here: the task module calls back into this one.
        from cercle.notifications.tasks import send_notification_emails

        ids, self.ids = self.ids, []
        run_after = timezone.now() + _email_delay()
        with contextlib.suppress(InvalidTaskError):  # (backends that cannot defer: the sweep)
            for start in range(0, len(ids), 500):
                send_notification_emails.using(run_after=run_after).enqueue(
                    ids[start : start + 500]
                )


def _schedule_email(notifications: list[Notification]) -> None:
    """Mail them later if still unread: with the others of the same transaction (`_PendingMail`),
    or the periodic run for backends that cannot defer."""
    if not notifications:
        return
    connection = transaction.get_connection()
    pending: _PendingMail | None = getattr(connection, "cercle_pending_mail", None)
    # Still to be flushed at this transaction's commit (a rollback drops the callback: a list
    # whose callback is gone belongs to a transaction that did not commit).
    if pending is not None and any(
        callback == pending.flush for _ids, callback, _robust in connection.run_on_commit
    ):
        pending.ids.extend(notification.pk for notification in notifications)
        return
    pending = _PendingMail()
    pending.ids.extend(notification.pk for notification in notifications)
    connection.cercle_pending_mail = pending
    transaction.on_commit(pending.flush)  # (at once outside a transaction)


def _schedule_push(notifications: list[Notification]) -> None:
    """Push them to the recipients' devices once committed, in the background (`push.deliver`):
    only those of people with a device subscribed, asked once committed (one query) — most
    people have none, and a task per notification was most of the task worker's load under
    the mixed load (issue 15)."""
    if not notifications or not getattr(settings, "CERCLE_PUSH_ENABLED", True):
        return
    from django_tasks.exceptions import InvalidTaskError

    # Imported here: the task module calls back into this app's delivery code.
    from cercle.notifications.tasks import push_notifications

    recipients = {n.pk: n.recipient_id for n in notifications}

    def enqueue() -> None:
        subscribed = set(
            PushSubscription.objects.filter(person_id__in=set(recipients.values()))
            .values_list("person_id", flat=True)
            .distinct()
        )
        ids = [pk for pk, person in recipients.items() if person in subscribed]
        for start in range(0, len(ids), 500):
            with contextlib.suppress(InvalidTaskError):
                push_notifications.enqueue(ids[start : start + 500])

    transaction.on_commit(enqueue)


def _schedule_clear(marked: Mapping[int, list[int] | None]) -> None:
    """Once committed, tell each person's devices to close their notifications read (only those
    that were pushed: `marked` lists them)."""
    if not marked or not getattr(settings, "CERCLE_PUSH_ENABLED", True):
        return
    from django_tasks.exceptions import InvalidTaskError

    from cercle.notifications.tasks import clear_pushed  # see `_schedule_push`

    payload = {str(person): ids for person, ids in marked.items()}

    def enqueue() -> None:
        with contextlib.suppress(InvalidTaskError):
            clear_pushed.enqueue(payload)

    transaction.on_commit(enqueue)


def notify(
    *,
    recipient: User,
    kind: str,
    actor: User | None,
    group_key: str,
    subject: registry.Subject | None = None,
    space: Space | None = None,
    reminder: bool = False,
    detail: str = "",
) -> Notification | None:
    """Record (or group into an unread one) a notification; None when it must not be sent (the
    recipient is the actor, inactive, or may not see the subject). `detail` is plain text shown
    under its line (a moderator's reason: `Notification.detail_text`), cut to
    `registry.DETAIL_LENGTH`.

    A `reminder` refreshes the person's latest notification of `group_key` even if it was read:
    unread again, said to be a reminder, listed at the reminder's time, mailed again."""
    if not recipient.is_active or (actor is not None and actor.pk == recipient.pk):
        return None
    if not registry.may_see(recipient, subject):
        return None
    mailed = kind in registry.email_kinds()
    with transaction.atomic():
        mine = Notification.objects.select_for_update().filter(
            recipient=recipient, group_key=group_key
        )
        existing = (
            mine.order_by("-updated_at", "-id").first()
            if reminder
            else mine.filter(read_at__isnull=True).first()
        )
        if existing is not None:
            _add_actor(existing, actor)
            if subject is not None and subject.detail_id is not None:
                existing.detail_id = subject.detail_id
            if subject is not None and subject.title:
                existing.subject_title = subject.title[:120]
            if detail:
                existing.detail_text = registry.cut_detail(detail)
            if reminder:
                existing.is_reminder = True
                existing.read_at = None
                existing.emailed_at = None
            existing.save()
            notification = existing
            if reminder and mailed:
                _schedule_email([notification])
        else:
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                group_key=group_key,
                actor=actor,
                actor_ids=[actor.pk] if actor else [],
                actor_count=1,
                **_subject_fields(subject),
                space=space,
                is_reminder=reminder,
                detail_text=registry.cut_detail(detail),
            )
            if mailed:
                _schedule_email([notification])
        _schedule_push([notification])
    publish_on_commit(
        events.notification_new(notification, unread=_unread(recipient)), user_ids=[recipient.pk]
    )
    return notification


def _subject_fields(subject: registry.Subject | None) -> dict[str, Any]:
    if subject is None:
        return {}
    return {
        "subject_type": subject.type,
        "subject_id": subject.id,
        "detail_id": subject.detail_id,
        "subject_title": subject.title[:120],
    }


def _add_actor(notification: Notification, actor: User | None) -> None:
    """Group one more actor into an unread notification ("Anne and 4 others"): the newest first,
    counted once however often they act."""
    ids = [i for i in notification.actor_ids if actor is None or i != actor.pk]
    if actor is not None:
        if actor.pk not in notification.actor_ids:
            notification.actor_count += 1
        ids.insert(0, actor.pk)
    notification.actor_ids = ids[:MAX_ACTORS_KEPT]
    notification.actor = actor


def _unread_counts(person_ids: Iterable[int]) -> dict[int, int]:
    """Each person's unread notifications, all counted, in one query for everyone (`_unread`'s
    rule, which leaves out those about posts no longer visible, would cost a query per person;
    the bell's next poll or page load corrects the rare difference)."""
    return dict(
        Notification.objects.filter(recipient_id__in=list(person_ids), read_at__isnull=True)
        .values_list("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )


def _unread(person: User) -> int:
    """The count the bell shows (leaving out notifications about what is no longer visible)."""
    return unread_count(person)


def on_invitation(*, actor: User, invitation: SpaceInvitation) -> None:
    notify(
        recipient=invitation.user,
        kind=INVITATION,
        actor=actor,
        group_key=f"invitation:{invitation.pk}",
        space=invitation.space,
    )


def on_join_request(*, actor: User, join_request: JoinRequest) -> None:
    space = join_request.space
    admins = User.objects.filter(
        pk__in=Membership.objects.filter(space=space, role__in=["owner", "admin"]).values(
            "user_id"
        ),
        is_active=True,
    )
    for admin in admins:
        if space_queries.can_administer(admin, space):
            notify(
                recipient=admin,
                kind=JOIN_REQUEST,
                actor=actor,
                group_key=f"join_request:space:{space.pk}",
                space=space,
            )


@transaction.atomic
def notify_many(
    *,
    recipients: list[User],
    kind: str,
    actor: User | None,
    group_key: str,
    subject: registry.Subject | None = None,
    space: Space | None = None,
) -> list[Notification]:
    """`notify` for many recipients at once (who may all see `subject`: checked by the caller,
    in bulk), in a fixed number of queries: grouped into each one's unread notification of
    `group_key`, or a new one."""
    people = {p.pk: p for p in recipients if p.is_active and (actor is None or p.pk != actor.pk)}
    if not people:
        return []
    existing = {
        n.recipient_id: n
        for n in Notification.objects.select_for_update()
        .filter(recipient_id__in=list(people), group_key=group_key, read_at__isnull=True)
        .order_by("recipient_id", "updated_at", "id")  # the newest last: kept
    }
    now = timezone.now()
    changed = []
    for notification in existing.values():
        _add_actor(notification, actor)
        notification.updated_at = now
        changed.append(notification)
    Notification.objects.bulk_update(
        changed, ["actor_ids", "actor_count", "actor", "updated_at"], batch_size=500
    )
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                group_key=group_key,
                actor=actor,
                actor_ids=[actor.pk] if actor else [],
                actor_count=1,
                **_subject_fields(subject),
                space=space,
            )
            for pk in people
            if pk not in existing
        ],
        batch_size=500,
    )
    if kind in registry.email_kinds():
        _schedule_email(created)
    unread = _unread_counts(people)
    every = changed + created
    _schedule_push(every)
    publish_each_on_commit(
        (
            events.notification_new(n, unread=unread.get(n.recipient_id, 0)),
            n.recipient_id,
        )
        for n in every
    )
    return every


@transaction.atomic
def mark_read(*, actor: User, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        if notification.pushed_at is not None:
            _schedule_clear({actor.pk: [notification.pk]})
        publish_on_commit(
            events.notification_read(ids=[notification.pk], unread=_unread(actor)),
            user_ids=[actor.pk],
        )
    return notification


@transaction.atomic
def mark_group_read(*, person: User, group_key: str) -> int:
    """Mark read the person's unread notifications of `group_key` — what they asked is done
    (an announcement confirmed or dismissed) — and lower the bell of each of their tabs."""
    rows = list(
        Notification.objects.filter(
            recipient_id=person.pk, group_key=group_key, read_at__isnull=True
        ).values_list("pk", "pushed_at")
    )
    ids = [pk for pk, _pushed in rows]
    if ids:
        Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
        pushed = [pk for pk, when in rows if when is not None]
        if pushed:
            _schedule_clear({person.pk: pushed})
        publish_on_commit(
            events.notification_read(ids=ids, unread=_unread(person)), user_ids=[person.pk]
        )
    return len(ids)


@transaction.atomic
def end_group(*, group_key: str, keep_user_ids: Iterable[int] | QuerySet[Any] | None = None) -> int:
    """Mark read everyone's unread notifications of `group_key` (but those of `keep_user_ids`, a
    list or a subquery of user ids): what they asked no longer stands (an announcement withdrawn,
    deleted, hidden or retargeted away from them). Each person's bell is lowered live
    (`_unread_counts`)."""
    rows = Notification.objects.filter(group_key=group_key, read_at__isnull=True)
    if keep_user_ids is not None:
        rows = rows.exclude(recipient_id__in=keep_user_ids)
    marked: dict[int, list[int]] = {}
    pushed: dict[int, list[int]] = {}
    for pk, recipient_id, pushed_at in rows.values_list("pk", "recipient_id", "pushed_at"):
        marked.setdefault(recipient_id, []).append(pk)
        if pushed_at is not None:
            pushed.setdefault(recipient_id, []).append(pk)
    _schedule_clear(pushed)
    if not marked:
        return 0
    Notification.objects.filter(pk__in=[pk for ids in marked.values() for pk in ids]).update(
        read_at=timezone.now()
    )
    unread = _unread_counts(marked)
    publish_each_on_commit(
        (events.notification_read(ids=ids, unread=unread.get(pk, 0)), pk)
        for pk, ids in marked.items()
    )
    return sum(len(ids) for ids in marked.values())


@transaction.atomic
def mark_all_read(*, actor: User) -> int:
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    any_pushed = unread.filter(pushed_at__isnull=False).exists()
    marked = unread.update(read_at=timezone.now())
    if any_pushed:
        _schedule_clear({actor.pk: None})
    if marked:
        publish_on_commit(
            events.notification_read(ids=None, unread=_unread(actor)), user_ids=[actor.pk]
        )
    return marked


@transaction.atomic
def set_preferences(
    *,
    actor: User,
    email: dict[str, bool],
    digest: dict[str, bool],
    push: dict[str, bool] | None = None,
    quiet_start: datetime.time | None = None,
    quiet_end: datetime.time | None = None,
) -> None:
    """Per kind: mailed, in the digest, pushed (`push` None: as they were); quiet hours."""
    for kind in registry.KINDS:
        defaults = {"email": bool(email.get(kind, True)), "digest": bool(digest.get(kind, True))}
        if push is not None:
            defaults["push"] = bool(push.get(kind, True))
        Preference.objects.update_or_create(user=actor, kind=kind, defaults=defaults)
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError({"quiet_end": [_("Give both the start and the end, or neither.")]})
    if quiet_start is None or quiet_end is None:
        QuietHours.objects.filter(user=actor).delete()
    else:
        QuietHours.objects.update_or_create(
            user=actor, defaults={"start": quiet_start, "end": quiet_end}
        )


@transaction.atomic
def set_space_level(*, actor: User, space: Space, level: str) -> None:
    if level not in SpaceLevel.values:
        raise ValidationError({"level": [_("Choose a notification level.")]})
    if not space_queries.can_read_wall(actor, space):
        raise space_queries.NotFound(_("No such space."))
    SpaceSetting.objects.update_or_create(user=actor, space=space, defaults={"level": level})


# --- Devices (Web Push) --------------------------------------------------------------------------


@transaction.atomic
def subscribe_push(
    *, actor: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Register one of the person's devices (a browser's push subscription). The same endpoint
    subscribed again (another person signed in on that browser) becomes theirs."""
    if not push.endpoint_allowed(endpoint):
        raise ValidationError(
            {"endpoint": [_("This address is not the one of a known push service.")]}
        )
    if not push.valid_keys(p256dh, auth):
        raise ValidationError({"keys": [_("These are not the keys of a push subscription.")]})
    subscription, created = PushSubscription.objects.select_for_update().update_or_create(
        endpoint=endpoint,
        defaults={
            "person": actor,
            "p256dh": p256dh,
            "auth": auth,
            "label": push.device_label(user_agent),
        },
    )
    if created:
        log_event(
            actor=actor,
            action="notifications.device_added",
            target=subscription,
            new={"label": subscription.label},
        )
    return subscription


@transaction.atomic
def remove_push_subscription(*, actor: User, subscription_id: int) -> None:
    """Remove one of the person's devices (by its id, from their settings or the API)."""
    subscription = (
        PushSubscription.objects.filter(pk=subscription_id, person=actor).first()
        if 0 < subscription_id < 2**63
        else None
    )
    if subscription is None:
        raise NotFound(_("No such device."))
    log_event(
        actor=actor,
        action="notifications.device_removed",
        target=subscription,
        old={"label": subscription.label},
    )
    subscription.delete()


@transaction.atomic
def unsubscribe_push(*, actor: User, endpoint: str) -> bool:
    """The browser stopped its subscription (the page's "turn off" button): forget it."""
    subscription = PushSubscription.objects.filter(endpoint=endpoint, person=actor).first()
    if subscription is None:
        return False
    remove_push_subscription(actor=actor, subscription_id=subscription.pk)
    return True


@transaction.atomic
def rotate_vapid_keys(*, actor: User | None) -> str:
    """A new VAPID key pair; every subscription is dropped (browsers bound them to the old
    public key: each device subscribes again the next time the person opens Cercle)."""
    dropped = PushSubscription.objects.count()
    PushSubscription.objects.all().delete()
    key = push.new_vapid_key()
    log_event(actor=actor, action="notifications.vapid_rotated", extra={"dropped": dropped})
    return key.public_key
