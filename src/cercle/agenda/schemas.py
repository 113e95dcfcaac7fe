"""The agenda's API shapes: separate inputs and outputs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from cercle.core.schemas import Id

Answered = Literal["pending", "yes", "no", "maybe"]


class CalendarOut(Schema):
    id: int
    kind: Literal["personal", "space"]
    name: str
    colour: str
    space_id: int | None
    owner: str | None  # username
    can_write: bool


class OccurrenceOut(Schema):
    event_id: int
    calendar_id: int
    recurrence_id: datetime | None
    all_day: bool
    start: datetime | None
    end: datetime | None
    start_date: date | None
    end_date: date | None
    time_zone: str
    title: str
    place: str
    meeting_url: str
    busy_only: bool
    changed: bool
    recurring: bool
    my_answer: Answered | None = Field(
        None,
        description="My answer for this occurrence when I am invited: the one I gave for it "
        "alone, else my answer for the whole series (pending, yes, no or maybe); null when I "
        "am not invited.",
    )
    answered_alone: bool = Field(
        False, description="Whether `my_answer` was given for this occurrence alone."
    )


class OccurrencePageOut(Schema):
    items: list[OccurrenceOut]
    next_cursor: str | None = Field(
        description="Pass it as `cursor` for the next page; null on the last one."
    )


class EventPersonOut(Schema):
    id: int
    username: str
    display_name: str


class EventInvitationOut(Schema):
    person: EventPersonOut
    answer: str
    comment: str
    answered_at: datetime | None
    occurrence_answers: list[OccurrenceAnswerOut] = Field(
        default_factory=list,
        description="This person's answers for single occurrences of a series, in order, where "
        "they differ from `answer`. Shown to whoever may read the event, as `answer` is (the "
        "rule of the event's page).",
    )


class EventOut(Schema):
    id: int
    calendar_id: int
    uid: str
    title: str
    description: str
    description_html: str
    place: str
    meeting_url: str
    all_day: bool
    start: datetime | None
    end: datetime | None
    start_date: date | None
    end_date: date | None
    time_zone: str
    visibility: str
    rule: str
    organiser: EventPersonOut | None
    sequence: int
    can_change: bool
    can_respond: bool
    invitations: list[EventInvitationOut]
    my_answer: Answered | None = Field(
        None,
        description="My answer for the whole event (pending, yes, no or maybe); null when I am "
        "not invited.",
    )
    my_occurrence_answers: list[OccurrenceAnswerOut] = Field(
        default_factory=list,
        description="My answers for single occurrences of the series, in order (those that "
        "differ from `my_answer`).",
    )


class TimesIn(Schema):
    all_day: bool | None = None
    start: datetime | None = None
    end: datetime | None = None
    start_date: date | None = None
    end_date: date | None = None
    time_zone: str | None = Field(None, max_length=64)


class EventIn(TimesIn):
    calendar_id: Id
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=20000)
    place: str = Field("", max_length=200)
    meeting_url: str = Field("", max_length=500)
    rule: str = Field("", max_length=500)
    visibility: Literal["public", "private"] = "public"


class EventChangeIn(TimesIn):
    scope: Literal["this", "following", "all"] = "all"
    # The occurrence's recurrence id: its original start (ISO 8601 with offset), or its date.
    occurrence: str | None = Field(None, max_length=40)
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20000)
    place: str | None = Field(None, max_length=200)
    meeting_url: str | None = Field(None, max_length=500)
    rule: str | None = Field(None, max_length=500)
    visibility: Literal["public", "private"] | None = None
    # Another calendar one may write in: the whole event moves there (scope "all" only).
    calendar_id: Id | None = None


class CancelIn(Schema):
    scope: Literal["this", "following", "all"] = "all"
    occurrence: str | None = Field(None, max_length=40)


class EventInviteIn(Schema):
    usernames: list[str] = Field(default_factory=list, max_length=200)
    space_ids: list[Id] = Field(default_factory=list, max_length=20)
    # Their people today: who joins the department later is not invited.
    department_ids: list[Id] = Field(default_factory=list, max_length=20)


class EventRemindersIn(Schema):
    # Minutes before each occurrence's start, among 0, 5, 10, 15, 30, 60, 120, 1440, 2880,
    # 10080; at most 5; `[]`: no reminder for this event.
    minutes: list[int] = Field(..., max_length=20)


class EventRemindersOut(Schema):
    minutes: list[int]  # those that apply: the person's own for this event, else their default
    uses_default: bool


class RespondIn(Schema):
    answer: Literal["yes", "no", "maybe"]
    comment: str = Field("", max_length=500)
    # An occurrence of a series (its start, ISO 8601, or its date): the answer for it only.
    occurrence: str | None = Field(None, max_length=40)


class OccurrenceAnswerOut(Schema):
    """An invitee's answer for one occurrence of a series only (`OccurrenceAnswer`)."""

    occurrence: datetime = Field(
        description="The occurrence's recurrence id: its original start, in UTC (midnight UTC "
        "of its date for an all-day series), as `recurrence_id` in the listing."
    )
    answer: Literal["yes", "no", "maybe"]
    comment: str


class BusyPeriodOut(Schema):
    start: datetime
    end: datetime


class FreeBusyOut(Schema):
    person: str  # username
    busy: list[BusyPeriodOut]


class FreeSlotOut(Schema):
    start: datetime
    end: datetime
