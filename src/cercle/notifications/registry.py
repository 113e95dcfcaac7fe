"""What modules tell the notifications service: their kinds of notification and their subjects.

The service knows no module. A module registers, from its `apps.py`:
- each **kind** it notifies about (`NotificationKind`): its label in the settings page, the one
  line a person reads (in their language), where it leads, and whether it is mailed when not
  seen in time (otherwise only the daily digest lists it);
- each **subject type** its notifications are about (`SubjectType`, e.g. "feed.post"): which
  subjects a person may still see. A notification whose subject the person can no longer see
  (or of a type nobody registers any more) is neither listed, counted, nor mailed.

A notification refers to its subject generically (`subject_type`, `subject_id`, and `detail_id`
for a part of it such as a comment), so a new module needs no new column here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise

if TYPE_CHECKING:
    from cercle.accounts.models import User
    from cercle.notifications.models import Notification


@dataclass(frozen=True)
class NotificationKind:
    key: str  # stored in Notification.kind and Preference.kind (at most 30 characters)
    label: Promise  # "Someone mentions me", in the settings page
    describe: Callable[[Notification], str]  # "Anne and 4 others reacted to your post"
    link: Callable[[Notification], str]  # the page it opens
    email: bool = False  # mailed when not seen in time
    # What the notification's `detail_text` is, said before it ("Reason: Off topic"); None: the
    # text is shown alone.
    detail_label: Promise | None = None


@dataclass(frozen=True)
class Subject:
    """What a notification is about, as the notifying module names it: `Subject("feed.post",
    post.pk, detail_id=comment.pk, loaded=post, title="Sortie samedi au parc")`. `loaded` is
    the object itself when the caller has it, so that checking who may see it costs no
    query."""

    type: str
    id: int
    detail_id: int | None = None
    loaded: Any = None
    # Its name in the notification's line ("Anne commented on your post “Sortie samedi…”"),
    # plain text, cut to `TITLE_LENGTH`; empty: the line names nothing.
    title: str = ""


# A subject's title is quoted at most this long (Notification.subject_title holds 120).
TITLE_LENGTH = 60

# A notification's detail text (`notify(detail=…)`) is kept at most this long (the column's
# length): a longer one is cut, ending with "…".
DETAIL_LENGTH = 500


def cut_detail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= DETAIL_LENGTH else text[: DETAIL_LENGTH - 1].rstrip() + "…"


@dataclass(frozen=True)
class SubjectType:
    key: str  # "app.thing", stored in Notification.subject_type
    # The ids of the subjects of this type the person may see, as a subquery (one query for the
    # whole list, whatever its length) selecting one field (`.values("pk")`): the service
    # restricts it to the subjects of the person's own notifications before it runs. `now` (None:
    # the present) is the moment for rules that depend on time: the list's query is built once
    # per person shape with a stand-in moment (`queries.notifications_page`), so such a rule
    # must take the moment from there, never read the clock itself. The query must depend on
    # nothing about the person but their id, role, and whether they have a department and a site
    # (`queries.notification_shape`), all read from the `User` given (and its `profile`).
    visible_ids: Callable[[User, datetime.datetime | None], QuerySet[Any]]
    # Whether the person may see this one subject (when a notification is written).
    may_see: Callable[[User, Subject], bool]


KINDS: dict[str, NotificationKind] = {}
SUBJECT_TYPES: dict[str, SubjectType] = {}


def register_kind(kind: NotificationKind) -> None:
    if len(kind.key) > 30:
        raise ValueError(f"notification kind {kind.key!r}: 30 characters at most")
    KINDS[kind.key] = kind


def register_subject_type(subject_type: SubjectType) -> None:
    SUBJECT_TYPES[subject_type.key] = subject_type


def kind(key: str) -> NotificationKind | None:
    return KINDS.get(key)


def email_kinds() -> list[str]:
    return [k.key for k in KINDS.values() if k.email]


def visible_subjects(
    user: User,
    subject_types: Collection[str] | None = None,
    now: datetime.datetime | None = None,
) -> Q:
    """Notifications with no subject, or whose subject the person may still see (at `now`, the
    present when None); only the rules of `subject_types` are built when given (building a rule
    costs more than running it)."""
    from cercle.notifications.models import Notification

    allowed = Q(subject_type="")
    for subject_type in SUBJECT_TYPES.values():
        if subject_types is not None and subject_type.key not in subject_types:
            continue
        # The rule is asked about the subjects of the person's own notifications only (a few
        # hundred at most), not about every subject they may see: with the whole set (all the
        # posts they can read) each badge count cost a scan of the posts table (issue 15).
        own = Notification.objects.filter(
            recipient_id=user.pk, subject_type=subject_type.key
        ).values("subject_id")
        visible = subject_type.visible_ids(user, now)
        # The one field the subquery selects (the subjects' "pk", or e.g. a notification's
        # "subject_id" for subjects that are gone) is the one restricted to the person's own.
        (field,) = visible.query.values_select or ("pk",)
        allowed |= Q(
            subject_type=subject_type.key,
            subject_id__in=visible.filter(**{f"{field}__in": own}),
        )
    return allowed


def may_see(user: User, subject: Subject | None) -> bool:
    if subject is None:
        return True
    registered = SUBJECT_TYPES.get(subject.type)
    return registered is not None and registered.may_see(user, subject)
