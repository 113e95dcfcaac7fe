"""The notifications part of /api/v1/: list (cursor), unread count, mark one or all read,
preferences (mail and digest per kind, quiet hours) and the notification level of each space."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import Field

from cercle.accounts.models import User
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.notifications import actions, push, queries, registry
from cercle.notifications.models import (
    Notification,
    PushSubscription,
    QuietHours,
    SpaceLevel,
    SpaceSetting,
)
from cercle.notifications.schemas import (
    KindPreferenceOut,
    NotificationOut,
    NotificationPageOut,
    PreferencesIn,
    PreferencesOut,
    PushKeyOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
    PushUnsubscribeIn,
    SpaceLevelIn,
    SpaceLevelOut,
    UnreadOut,
)
from cercle.spaces import queries as space_queries
from cercle.spaces.api import person_ref
from cercle.spaces.models import Space
from cercle.spaces.schemas import InSchema

router = Router(tags=["notifications"])


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk,
        kind=n.kind,
        text=queries.describe(n),
        detail=queries.detail(n),
        url=queries.target_url(n),
        actor=person_ref(n.actor) if n.actor else None,
        actor_count=n.actor_count,
        subject_type=n.subject_type or None,
        subject_id=n.subject_id,
        detail_id=n.detail_id,
        space_id=n.space_id,
        created_at=n.created_at,
        updated_at=n.updated_at,
        read=n.read_at is not None,
        is_reminder=n.is_reminder,
    )


class ListParams(InSchema):
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(queries.PAGE_SIZE, ge=1, le=100)
    unread: bool = False


@router.get("/notifications", response=NotificationPageOut)
def notification_list(
    request: AuthenticatedRequest, params: Query[ListParams]
) -> NotificationPageOut:
    page = queries.notifications_page(
        request.auth, cursor=params.cursor, limit=params.limit, unread_only=params.unread
    )
    return NotificationPageOut(
        items=[notification_out(n) for n in page.items],
        next_cursor=page.next_cursor,
        unread=queries.unread_count(request.auth),
    )


@router.get("/notifications/unread-count", response=UnreadOut)
def unread(request: AuthenticatedRequest) -> UnreadOut:
    return UnreadOut(unread=queries.unread_count(request.auth))


@router.post("/notifications/read-all", response=UnreadOut)
def read_all(request: AuthenticatedRequest) -> UnreadOut:
    actions.mark_all_read(actor=request.auth)
    return UnreadOut(unread=queries.unread_count(request.auth))


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def read_one(request: AuthenticatedRequest, notification_id: Id) -> NotificationOut:
    notification = queries.access_notification(request.auth, notification_id)
    return notification_out(actions.mark_read(actor=request.auth, notification=notification))


# --- Preferences -------------------------------------------------------------------------------


def _preferences_out(user: User) -> PreferencesOut:
    prefs = queries.preferences(user)
    quiet = QuietHours.objects.filter(user_id=user.pk).first()
    return PreferencesOut(
        kinds=[
            KindPreferenceOut(
                kind=kind.key,
                label=str(kind.label),
                email=prefs[kind.key].email,
                digest=prefs[kind.key].digest,
                push=prefs[kind.key].push,
            )
            for kind in registry.KINDS.values()
        ],
        quiet_start=quiet.start if quiet else None,
        quiet_end=quiet.end if quiet else None,
    )


@router.get("/notifications/preferences", response=PreferencesOut)
def get_preferences(request: AuthenticatedRequest) -> PreferencesOut:
    return _preferences_out(request.auth)


@router.patch("/notifications/preferences", response=PreferencesOut)
def update_preferences(request: AuthenticatedRequest, payload: PreferencesIn) -> PreferencesOut:
    """Per kind, mail, digest and push on or off; quiet hours. What is not sent stays as it
    was."""
    unknown = sorted(
        (set(payload.email) | set(payload.digest) | set(payload.push)) - set(registry.KINDS)
    )
    if unknown:
        raise ValidationError({"kind": [_("Unknown kind of notification.")]})
    prefs = queries.preferences(request.auth)
    quiet = QuietHours.objects.filter(user_id=request.auth.pk).first()
    sent = payload.model_fields_set
    quiet_start = quiet.start if quiet else None
    quiet_end = quiet.end if quiet else None
    if "quiet_start" in sent or "quiet_end" in sent:
        quiet_start, quiet_end = payload.quiet_start, payload.quiet_end
    actions.set_preferences(
        actor=request.auth,
        email={k: payload.email.get(k, p.email) for k, p in prefs.items()},
        digest={k: payload.digest.get(k, p.digest) for k, p in prefs.items()},
        push={k: payload.push.get(k, p.push) for k, p in prefs.items()},
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )
    return _preferences_out(request.auth)


def _level_out(user: User, space: Space) -> SpaceLevelOut:
    return SpaceLevelOut(
        space_id=space.pk,
        level=queries.space_level(user, space),
        chosen=SpaceSetting.objects.filter(user_id=user.pk, space_id=space.pk).exists(),
        choices=[str(v) for v in SpaceLevel.values],
    )


def _readable_space(request: AuthenticatedRequest, space_key: str) -> Space:
    space = space_queries.access_space(request.auth, space_key)
    if not space_queries.can_read_wall(request.auth, space):
        raise space_queries.NotFound(_("No such space."))
    return space


@router.get("/spaces/{space_key}/notification-level", response=SpaceLevelOut)
def get_space_level(request: AuthenticatedRequest, space_key: str) -> SpaceLevelOut:
    """What I am told about a space's posts: every post, mentions only, or nothing."""
    return _level_out(request.auth, _readable_space(request, space_key))


@router.put("/spaces/{space_key}/notification-level", response=SpaceLevelOut)
def set_space_level(
    request: AuthenticatedRequest, space_key: str, payload: SpaceLevelIn
) -> SpaceLevelOut:
    space = _readable_space(request, space_key)
    actions.set_space_level(actor=request.auth, space=space, level=payload.level)
    return _level_out(request.auth, space)


# --- Devices (Web Push) ---------------------------------------------------------------------


def _subscription_out(subscription: PushSubscription) -> PushSubscriptionOut:
    return PushSubscriptionOut(
        id=subscription.pk,
        label=subscription.label,
        created_at=subscription.created_at,
        last_success_at=subscription.last_success_at,
    )


@router.get("/notifications/push/key", response=PushKeyOut)
def push_key(request: AuthenticatedRequest) -> PushKeyOut:
    """The server's VAPID public key, to subscribe a browser with (`applicationServerKey`)."""
    return PushKeyOut(public_key=push.public_key())


@router.get("/notifications/push/subscriptions", response=list[PushSubscriptionOut])
def push_subscriptions(request: AuthenticatedRequest) -> list[PushSubscriptionOut]:
    """My devices that receive notifications, newest first."""
    return [
        _subscription_out(s) for s in PushSubscription.objects.filter(person_id=request.auth.pk)
    ]


@router.post("/notifications/push/subscriptions", response={201: PushSubscriptionOut})
def push_subscribe(
    request: AuthenticatedRequest, payload: PushSubscriptionIn
) -> Status[PushSubscriptionOut]:
    """Add this browser (its `PushSubscription.toJSON()`); the endpoint must be one of a known
    push service, over HTTPS."""
    subscription = actions.subscribe_push(
        actor=request.auth,
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return Status(201, _subscription_out(subscription))


@router.post("/notifications/push/unsubscribe", response={204: None})
def push_unsubscribe(request: AuthenticatedRequest, payload: PushUnsubscribeIn) -> Status[None]:
    """Forget this browser (by its endpoint), whether or not it was subscribed."""
    actions.unsubscribe_push(actor=request.auth, endpoint=payload.endpoint)
    return Status(204, None)


@router.delete("/notifications/push/subscriptions/{subscription_id}", response={204: None})
def push_remove(request: AuthenticatedRequest, subscription_id: Id) -> Status[None]:
    """Remove one of my devices: it receives nothing more."""
    actions.remove_push_subscription(actor=request.auth, subscription_id=subscription_id)
    return Status(204, None)
