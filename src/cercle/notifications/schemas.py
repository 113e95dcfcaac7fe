"""Input and output schemas of the notifications API."""

from __future__ import annotations

import datetime
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field, WithJsonSchema

from cercle.spaces.schemas import InSchema, PersonRef


def _without_zone(value: datetime.time) -> datetime.time:
    # Quiet hours are in the person's own time zone: a time with a zone ("21:00Z", "21:00+02:00")
    # would have to be converted, and that depends on the date (summer time). Refused, not guessed.
    if value.tzinfo is not None:
        raise ValueError(
            _("Give the time without a time zone (such as 21:00): it is read in your time zone.")
        )
    return value


# A time of day in the person's time zone, "HH:MM" or "HH:MM:SS".
LocalTime = Annotated[
    datetime.time,
    AfterValidator(_without_zone),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "examples": ["21:00"],
        }
    ),
]


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    # What it says beyond `text`, in my language ("Reason: Off topic": a moderator's reason);
    # empty when nothing.
    detail: str = ""
    url: str
    actor: PersonRef | None
    actor_count: int
    # What it is about, as the module that notifies names it: "feed.post" and the post's id,
    # with the comment's as detail_id; null when it is about a space only (space_id).
    subject_type: str | None
    subject_id: int | None
    detail_id: int | None
    space_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    read: bool
    # A reminder (an announcement to confirm): unread again, `text` starts "Reminder:".
    is_reminder: bool = False


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class UnreadOut(Schema):
    unread: int


class KindPreferenceOut(Schema):
    kind: str
    label: str
    email: bool
    digest: bool
    push: bool


class PreferencesOut(Schema):
    kinds: list[KindPreferenceOut]
    # Hours (in my time zone) during which nothing is mailed nor pushed; both null when none.
    quiet_start: LocalTime | None
    quiet_end: LocalTime | None


class PreferencesIn(InSchema):
    """Only what is sent changes: `email`/`digest`/`push` map a kind to on/off; quiet hours are
    set with both times, or cleared with both null."""

    email: dict[str, bool] = Field(default_factory=dict, max_length=50)
    digest: dict[str, bool] = Field(default_factory=dict, max_length=50)
    push: dict[str, bool] = Field(default_factory=dict, max_length=50)
    quiet_start: LocalTime | None = None
    quiet_end: LocalTime | None = None


class SpaceLevelOut(Schema):
    space_id: int
    level: str
    # False when the level is the default (mentions only in spaces of more than 100 members).
    chosen: bool
    choices: list[str]


class SpaceLevelIn(InSchema):
    level: str = Field(max_length=20)


class PushKeyOut(Schema):
    # The VAPID public key: `applicationServerKey` of `pushManager.subscribe` (base64url).
    public_key: str


class PushKeysIn(InSchema):
    p256dh: str = Field(min_length=1, max_length=100)
    auth: str = Field(min_length=1, max_length=40)


class PushSubscriptionIn(InSchema):
    """A browser's `PushSubscription.toJSON()` (its `expirationTime`, if sent, is ignored)."""

    endpoint: str = Field(min_length=1, max_length=1000)
    keys: PushKeysIn
    expirationTime: int | None = None  # the browser's own name


class PushUnsubscribeIn(InSchema):
    endpoint: str = Field(min_length=1, max_length=1000)


class PushSubscriptionOut(Schema):
    id: int
    # "Firefox · Android", from the browser's User-Agent when it subscribed.
    label: str
    created_at: datetime.datetime
    last_success_at: datetime.datetime | None
