"""Who hears about events, and how it reads: the agenda's part of notifications.

The agenda decides the recipients (the people invited; for a change, those invited who have not
declined) and calls `cercle.notifications.actions.notify`; it registers its kinds and its
subject, an event, with who may still see it (`queries.visible_events`). Registered by
`AgendaConfig.ready()`. A cancelled event is deleted, so notifications about it disappear with it;
the notice of its cancellation stays, about a subject of its own (`agenda.cancelled_event`: the
event's old id and title, seen by those it was sent to), leading to the agenda.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext_lazy

from cercle.accounts.models import User
from cercle.agenda import queries
from cercle.agenda.models import Event
from cercle.notifications import actions as notifications
from cercle.notifications.models import Notification
from cercle.notifications.queries import grouped_line
from cercle.notifications.registry import (
    TITLE_LENGTH,
    NotificationKind,
    Subject,
    SubjectType,
    register_kind,
    register_subject_type,
)

EVENT = "agenda.event"
CANCELLED_EVENT = "agenda.cancelled_event"
INVITED = "event_invitation"
CHANGED = "event_changed"
CANCELLED = "event_cancelled"


def about(event: Event) -> Subject:
    return Subject(EVENT, event.pk, loaded=event, title=event.title[:TITLE_LENGTH])


def invited(*, actor: User, event: Event, people: Iterable[User]) -> None:
    for person in people:
        notifications.notify(
            recipient=person,
            kind=INVITED,
            actor=actor,
            group_key=f"event_invitation:{event.pk}",
            subject=about(event),
        )


def changed(*, actor: User, event: Event, people: Iterable[User]) -> None:
    for person in people:
        notifications.notify(
            recipient=person,
            kind=CHANGED,
            actor=actor,
            group_key=f"event_changed:{event.pk}",
            subject=about(event),
        )


def cancelled(*, actor: User, event: Event, people: Iterable[User], whole: bool) -> None:
    """`people` (those invited who had not declined) hear that `event` is cancelled (`whole`,
    called before it is deleted), or one occurrence, or it and the following: once each, in a
    fixed number of queries. Whether it is also pushed or put in the digest is each person's
    preference for the kind; the mail is the iCalendar CANCEL (`mail.send_cancel`)."""
    if whole:
        subject = Subject(CANCELLED_EVENT, event.pk, loaded=event, title=event.title[:TITLE_LENGTH])
        group_key = f"event_cancelled:{event.pk}"
    else:
        subject = about(event)
        group_key = f"event_occurrence_cancelled:{event.pk}"
    notifications.notify_many(
        recipients=list(people),
        kind=CANCELLED,
        actor=actor,
        group_key=group_key,
        subject=subject,
    )


def _link(notification: Notification) -> str:
    if notification.subject_type == CANCELLED_EVENT:
        return reverse("agenda")
    return reverse("agenda_event", args=[notification.subject_id])


_WHOLE_CANCELLED = grouped_line(
    gettext_lazy("%(name)s cancelled an event you were invited to"),
    ngettext_lazy(
        "%(name)s and %(count)d other cancelled an event you were invited to",
        "%(name)s and %(count)d others cancelled an event you were invited to",
        "count",
    ),
)
_PART_CANCELLED = grouped_line(
    gettext_lazy("%(name)s cancelled occurrences of an event you are invited to"),
    ngettext_lazy(
        "%(name)s and %(count)d other cancelled occurrences of an event you are invited to",
        "%(name)s and %(count)d others cancelled occurrences of an event you are invited to",
        "count",
    ),
)


def _describe_cancelled(notification: Notification) -> str:
    if notification.subject_type == CANCELLED_EVENT:
        return _WHOLE_CANCELLED(notification)
    return _PART_CANCELLED(notification)


def _cancelled_ids(user: User, now: datetime.datetime | None = None) -> QuerySet[Any]:
    """A cancelled event's notice is seen by those it was sent to (the event is gone)."""
    return Notification.objects.filter(recipient_id=user.pk, subject_type=CANCELLED_EVENT).values(
        "subject_id"
    )


def _visible_ids(user: User, now: datetime.datetime | None = None) -> QuerySet[Any]:
    return queries.visible_events(user).values("pk")


def _may_see(user: User, subject: Subject) -> bool:
    return queries.visible_events(user).filter(pk=subject.id).exists()


def register() -> None:
    register_subject_type(SubjectType(key=EVENT, visible_ids=_visible_ids, may_see=_may_see))
    register_subject_type(
        SubjectType(
            key=CANCELLED_EVENT,
            visible_ids=_cancelled_ids,
            may_see=lambda user, subject: True,  # sent by the action to those invited only
        )
    )
    register_kind(
        NotificationKind(
            key=CANCELLED,
            label=gettext_lazy("An event I am invited to is cancelled"),
            describe=_describe_cancelled,
            link=_link,
            email=False,  # the invitees get the iCalendar CANCEL by mail already
        )
    )
    register_kind(
        NotificationKind(
            key=INVITED,
            label=gettext_lazy("Someone invites me to an event"),
            describe=grouped_line(
                gettext_lazy("%(name)s invited you to an event"),
                ngettext_lazy(
                    "%(name)s and %(count)d other invited you to an event",
                    "%(name)s and %(count)d others invited you to an event",
                    "count",
                ),
            ),
            link=_link,
            email=True,
        )
    )
    register_kind(
        NotificationKind(
            key=CHANGED,
            label=gettext_lazy("An event I am invited to changes"),
            describe=grouped_line(
                gettext_lazy("%(name)s changed an event you are invited to"),
                ngettext_lazy(
                    "%(name)s and %(count)d other changed an event you are invited to",
                    "%(name)s and %(count)d others changed an event you are invited to",
                    "count",
                ),
            ),
            link=_link,
        )
    )
