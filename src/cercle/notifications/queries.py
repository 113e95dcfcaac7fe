"""Reading notifications, with their rules: only one's own, only about what one can still see
(as the module that notifies registered it: `registry`)."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable, Iterator

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cercle.accounts.models import Profile, User
from cercle.core.compiled import CompiledQuery, ShapedQuery
from cercle.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor
from cercle.notifications import registry
from cercle.notifications.models import (
    Notification,
    Preference,
    QuietHours,
    SpaceLevel,
    SpaceSetting,
)
from cercle.spaces.models import Membership, Space
from cercle.spaces.queries import display_name, member_count

PAGE_SIZE = 30
BIG_SPACE = 100


class NotFound(Http404):
    """Missing or not one's own: one error for both."""


def visible_notifications(user: User) -> QuerySet[Notification]:
    """The person's notifications, leaving out those whose subject they can no longer see."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient_id=user.pk)
        .filter(registry.visible_subjects(user))
        .select_related("actor", "space")
        .order_by("-updated_at", "-id")
    )


def still_visible(notification: Notification) -> bool:
    """Whether its recipient may still see the notification's subject (before pushing it): one
    query built once per person shape (`_ONE_VISIBLE`)."""
    person = notification.recipient
    if not person.is_active:
        return False
    return _is_visible(person, notification.pk)


def unread_count(user: User) -> int:
    """The bell's number (in the socket's `hello`, after marking read): whether any is unread (one
    small query; none, the usual case, ends there), then the count of those the person may still
    see by one query built once per process, database and person shape (`_UNREAD_COUNT`)."""
    if not user.is_authenticated or not user.is_active:
        return 0
    if not _ANY_UNREAD.rows(user.pk):  # the usual case: none unread, one small query
        return 0
    department_id, site_id = _placement(user)
    rows = _UNREAD_COUNT.values(
        notification_shape(user),
        user.pk,
        department_id or 0,
        site_id or 0,
        times=(timezone.now(),),
    )
    return int(rows[0]) if rows else 0


def notification_shape(user: User) -> tuple[str, bool, bool]:
    """What the form of the modules' visibility rules' SQL depends on, besides the person's ids
    (`registry.SubjectType.visible_ids`): their role, and whether they have a department and a
    site. An active person's; two people of one shape get the same SQL with their own ids."""
    department_id, site_id = _placement(user)
    return (str(user.role), department_id is not None, site_id is not None)


def _placement(user: User) -> tuple[int | None, int | None]:
    profile = getattr(user, "profile", None)
    if profile is None:
        return None, None
    return profile.department_id, profile.site_id


def _shaped_person(
    shape: tuple[str, bool, bool], user_id: int, department_id: int, site_id: int
) -> User:
    """A stand-in active person of this shape and these ids (not saved), to build the rules."""
    role, has_department, has_site = shape
    person = User(pk=user_id, role=role, is_active=True)
    # The profile as the rules read it (`news.queries.in_audience`), never from the database.
    person.profile = Profile(
        user=person,
        department_id=department_id if has_department else None,
        site_id=site_id if has_site else None,
    )
    return person


def _visible_items(
    shape: tuple[tuple[str, bool, bool], bool, int],
    user_id: int,
    department_id: int,
    site_id: int,
    now: datetime.datetime,
) -> QuerySet[Notification]:
    person_shape, unread_only, _limit = shape
    person = _shaped_person(person_shape, user_id, department_id, site_id)
    items = Notification.objects.filter(recipient_id=user_id).filter(
        registry.visible_subjects(person, now=now)
    )
    if unread_only:
        items = items.filter(read_at__isnull=True)
    return items.order_by("-updated_at", "-id")


def _page_ids(
    shape: tuple[tuple[str, bool, bool], bool, int],
    user_id: int,
    department_id: int,
    site_id: int,
    now: datetime.datetime,
) -> QuerySet[Notification, int]:
    """`notifications_page`'s first page: the ids of a person's visible notifications."""
    items = _visible_items(shape, user_id, department_id, site_id, now)
    return items.values_list("pk", flat=True)[: shape[2]]


def _later_page_ids(
    shape: tuple[tuple[str, bool, bool], bool, int],
    user_id: int,
    department_id: int,
    site_id: int,
    after_id: int,
    now: datetime.datetime,
    after: datetime.datetime,
) -> QuerySet[Notification, int]:
    """`_page_ids` after a cursor (the last notification shown: its time and id)."""
    items = _visible_items(shape, user_id, department_id, site_id, now).filter(
        Q(updated_at__lt=after) | Q(updated_at=after, pk__lt=after_id)
    )
    return items.values_list("pk", flat=True)[: shape[2]]


def _unread_count(
    shape: tuple[str, bool, bool],
    user_id: int,
    department_id: int,
    site_id: int,
    now: datetime.datetime,
) -> QuerySet[Notification, int]:
    """`unread_count`: one row, the number of the person's unread notifications they may still
    see (none when there are none: the count is grouped by the recipient, always the person)."""
    person = _shaped_person(shape, user_id, department_id, site_id)
    return (
        Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
        .filter(registry.visible_subjects(person, now=now))
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )


def _one_visible(
    shape: tuple[str, bool, bool],
    user_id: int,
    department_id: int,
    site_id: int,
    notification_id: int,
    now: datetime.datetime,
) -> QuerySet[Notification, int]:
    """`access_notification`, `still_visible`: the notification's id if it is the person's and
    they may still see its subject."""
    person = _shaped_person(shape, user_id, department_id, site_id)
    return (
        Notification.objects.filter(recipient_id=user_id, pk=notification_id)
        .filter(registry.visible_subjects(person, now=now))
        .order_by()
        .values_list("pk", flat=True)
    )


# Built once per process, database and shape (`core.compiled.ShapedQuery`): on every list page,
# building each module's rule (posts, documents, news, agenda, pages) cost far more than
# running it (issue 15).
_PAGE_IDS = ShapedQuery(_page_ids, ids=3, times=1)
_LATER_PAGE_IDS = ShapedQuery(_later_page_ids, ids=4, times=2)
_UNREAD_COUNT = ShapedQuery(_unread_count, ids=3, times=1)
_ANY_UNREAD = CompiledQuery(
    lambda user_id: (
        Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
        .order_by()
        .values("pk")[:1]
    )
)
_ONE_VISIBLE = ShapedQuery(_one_visible, ids=4, times=1)


def _is_visible(user: User, notification_id: int) -> bool:
    """Whether this notification is the (active) person's and its subject still visible to
    them: `visible_notifications(user).filter(pk=notification_id).exists()`, built once."""
    if not -(2**63) <= notification_id < 2**63:
        return False
    department_id, site_id = _placement(user)
    return bool(
        _ONE_VISIBLE.values(
            notification_shape(user),
            user.pk,
            department_id or 0,
            site_id or 0,
            notification_id,
            times=(timezone.now(),),
        )
    )


def notifications_page(
    user: User, *, cursor: str | None = None, limit: int = PAGE_SIZE, unread_only: bool = False
) -> Page[Notification]:
    """A page of the person's visible notifications, newest first: their ids by a query built
    once per person shape (`notification_shape`), then their rows (two queries)."""
    limit = max(1, min(limit, 100))
    after: tuple[datetime.datetime, int] | None = None
    if cursor:
        raw, pk = decode_cursor(cursor, length=2)
        when = parse_datetime(str(raw)) if isinstance(raw, str) else None
        if when is None or not isinstance(pk, int) or not -(2**63) <= pk < 2**63:
            raise InvalidCursor("invalid cursor")
        try:
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
            when = when.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise InvalidCursor("invalid cursor") from None
        after = (when, pk)
    if not user.is_authenticated or not user.is_active:
        return Page(items=[], next_cursor=None)
    department_id, site_id = _placement(user)
    shape = (notification_shape(user), unread_only, limit + 1)
    ids_of = (user.pk, department_id or 0, site_id or 0)
    now = timezone.now()
    if after is None:
        ids = _PAGE_IDS.values(shape, *ids_of, times=(now,))
    else:
        ids = _LATER_PAGE_IDS.values(shape, *ids_of, after[1], times=(now, after[0]))
    found = {
        n.pk: n for n in Notification.objects.filter(pk__in=ids).select_related("actor", "space")
    }
    rows = [found[pk] for pk in ids if pk in found]
    more = len(ids) > limit
    rows = rows[:limit]
    return Page(
        items=rows,
        next_cursor=encode_cursor([rows[-1].updated_at.isoformat(), rows[-1].pk])
        if more and rows
        else None,
    )


def access_notification(user: User, notification_id: int) -> Notification:
    """The person's notification, if they may still see its subject (`visible_notifications`'
    rule): the row, then the rule built once per person shape — only for a subject, which a
    notification with none (an invitation's answer…) does not need."""
    if not user.is_authenticated or not user.is_active:
        raise NotFound(_("No such notification."))
    if not -(2**63) <= notification_id < 2**63:
        raise NotFound(_("No such notification."))
    notification = (
        Notification.objects.filter(pk=notification_id, recipient_id=user.pk)
        .select_related("actor", "space")
        .first()
    )
    if notification is None or (
        notification.subject_type and not _is_visible(user, notification_id)
    ):
        raise NotFound(_("No such notification."))
    return notification


def describe(notification: Notification) -> str:
    """One line for people ("Anne and 4 others reacted to your post “Sortie samedi…”"), as its
    kind's module words it, with its subject's title quoted when the module gave one; the
    actor's name for a kind nobody registers any more."""
    kind = registry.kind(notification.kind)
    line = kind.describe(notification) if kind is not None else actor_name(notification)
    if notification.subject_title:
        # Its subject named, in the language's quotes: … « Sortie samedi au parc ».
        return _("%(line)s “%(title)s”") % {"line": line, "title": notification.subject_title}
    return line


def detail(notification: Notification) -> str:
    """What the notification says beyond its line ("Reason: Off topic", in the reader's
    language: its kind's `detail_label` and the stored `detail_text`); empty when nothing."""
    if not notification.detail_text:
        return ""
    kind = registry.kind(notification.kind)
    if kind is None or kind.detail_label is None:
        return notification.detail_text
    return _("%(label)s: %(text)s") % {"label": kind.detail_label, "text": notification.detail_text}


def open_url(notification: Notification) -> str:
    """The link that marks the notification read and goes to it. It carries a keyed hash of the
    notification and its recipient: a GET never changes state unless Cercle made the link (a link
    on another site to `/notifications/7/open/` only goes to the subject, OWASP ASVS 4.2.2)."""
    path = reverse("notification_open", args=[notification.pk])
    return f"{path}?k={open_key(notification.pk, notification.recipient_id)}"


def open_key(notification_id: int, recipient_id: int) -> str:
    return salted_hmac(
        "cercle.notifications.open", f"{notification_id}:{recipient_id}", algorithm="sha256"
    ).hexdigest()[:32]


def is_open_key(notification: Notification, key: str) -> bool:
    return constant_time_compare(key, open_key(notification.pk, notification.recipient_id))


def target_url(notification: Notification) -> str:
    kind = registry.kind(notification.kind)
    return kind.link(notification) if kind is not None else reverse("notifications")


def actor_name(notification: Notification) -> str:
    return notification.actor.display_name if notification.actor else _("Someone")


def others_count(notification: Notification) -> int:
    """How many other people acted, besides the latest ("Anne and 4 others")."""
    return max(notification.actor_count - 1, 0)


def grouped_line(one: Promise, many: Promise) -> Callable[[Notification], str]:
    """How a kind that groups people reads: `one` ("%(name)s commented on your post") when one
    person acted, else `many`, an `ngettext_lazy(…, "count")` ("%(name)s and %(count)d others…");
    both may also use %(space)s."""

    def describe(notification: Notification) -> str:
        count = others_count(notification)
        values = {
            "name": actor_name(notification),
            "count": count,
            "space": space_name(notification),
        }
        return str((many if count else one) % values)

    return describe


def space_name(notification: Notification) -> str:
    return display_name(notification.space) if notification.space else ""


# --- Preferences -------------------------------------------------------------------------------


def preferences(user: User) -> dict[str, Preference]:
    saved = {p.kind: p for p in Preference.objects.filter(user_id=user.pk)}
    return {
        kind: saved.get(kind) or Preference(user_id=user.pk, kind=kind, email=True, digest=True)
        for kind in registry.KINDS
    }


def wants_email(user: User, kind: str) -> bool:
    pref = Preference.objects.filter(user_id=user.pk, kind=kind).first()
    return pref is None or pref.email


def in_quiet_hours(user: User, now: datetime.datetime) -> bool:
    quiet = QuietHours.objects.filter(user_id=user.pk).first()
    return quiet is not None and quiet_at(quiet, user, now)


def quiet_at(quiet: QuietHours, user: User, now: datetime.datetime) -> bool:
    """Whether `now` falls within the quiet hours, read in the person's time zone."""
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = now.astimezone(zone).time()
    if quiet.start <= quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end  # across midnight


def space_level(user: User, space: Space, *, members: int | None = None) -> str:
    """The level set by the person, else "mentions only" in big spaces, "every post" in others.
    `members`: the space's `member_count`, when the caller has it already (one query fewer)."""
    chosen = (
        SpaceSetting.objects.filter(user_id=user.pk, space_id=space.pk)
        .values_list("level", flat=True)
        .first()
    )
    if chosen:
        return chosen
    if members is None:
        members = member_count(space)
    return SpaceLevel.MENTIONS if members > BIG_SPACE else SpaceLevel.ALL


def members_wanting_every_post(space: Space) -> Iterator[User]:
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
