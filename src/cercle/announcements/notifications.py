"""How announcements notify: the "please confirm you have read it" notification (kind
`announcement`, the key its stored rows keep), about the announcement's post (the feed's subject
type, `feed.post`: whoever may no longer see the post no longer sees it). Registered by
`AnnouncementsConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cercle.feed.notifications import post_link, values_of
from cercle.notifications.models import Notification
from cercle.notifications.registry import NotificationKind, register_kind

ANNOUNCEMENT = "announcement"


def _announcement(notification: Notification) -> str:
    values = values_of(notification)
    if notification.is_reminder:
        return _("Reminder: %(name)s asks you to confirm you have read an announcement") % values
    return _("%(name)s asks you to confirm you have read an announcement") % values


def register() -> None:
    register_kind(
        NotificationKind(
            key=ANNOUNCEMENT,
            label=gettext_lazy("An announcement asks me to confirm I read it"),
            describe=_announcement,
            link=post_link,
            email=True,
        )
    )
