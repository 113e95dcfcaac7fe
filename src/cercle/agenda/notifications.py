"""Who hears about events, and how it reads: the agenda's part of notifications.

The agenda decides the recipients (the people invited; for a change, those invited who have not
declined) and calls `cercle.notifications.actions.notify`; it registers its kinds and its
subject, an event, with who may still see it (`queries.visible_events`). Registered by
`AgendaConfig.ready()`. A cancelled event is deleted, so notifications about it disappear with it.
"""

from __future__ import annotations

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
INVITED = "event_invitation"
CHANGED = "event_changed"


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


def _link(notification: Notification) -> str:
    return reverse("agenda_event", args=[notification.subject_id])


def _visible_ids(user: User) -> QuerySet[Any]:
    return queries.visible_events(user).values("pk")


def _may_see(user: User, subject: Subject) -> bool:
    return queries.visible_events(user).filter(pk=subject.id).exists()


def register() -> None:
    register_subject_type(SubjectType(key=EVENT, visible_ids=_visible_ids, may_see=_may_see))
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
