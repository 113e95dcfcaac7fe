"""The directory's alert to administrators: a run that held back its deactivations or failed."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from cercle.notifications.models import Notification
from cercle.notifications.registry import NotificationKind, register_kind

KIND = "directory_alert"


def _describe(notification: Notification) -> str:
    return gettext(
        "The company directory's synchronisation needs you: it deactivated nobody or failed."
    )


def _link(notification: Notification) -> str:
    run_id = notification.group_key.rsplit("-", 1)[-1]
    if run_id.isdigit():
        return reverse("directory_run", args=[int(run_id)])
    return reverse("directory_settings")


def register() -> None:
    register_kind(
        NotificationKind(
            key=KIND,
            label=gettext_lazy("The company directory's synchronisation needs an administrator"),
            describe=_describe,
            link=_link,
            email=True,
        )
    )
