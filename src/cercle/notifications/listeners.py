"""What notifications follow in the layers below: space invitations and join requests
(`cercle.spaces.hooks`), with the two kinds that tell them. Registered by
`NotificationsConfig.ready()`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from cercle.accounts import hooks as people
from cercle.core.hooks import listen
from cercle.notifications import actions, demo
from cercle.notifications.models import Notification
from cercle.notifications.queries import actor_name, grouped_line, space_name
from cercle.notifications.registry import NotificationKind, register_kind
from cercle.spaces import hooks


def person_invited(happening: hooks.PersonInvited) -> None:
    actions.on_invitation(actor=happening.actor, invitation=happening.invitation)


def join_requested(happening: hooks.JoinRequested) -> None:
    actions.on_join_request(actor=happening.actor, join_request=happening.join_request)


def invitation_cancelled(happening: hooks.InvitationCancelled) -> None:
    invitation = happening.invitation
    actions.mark_group_read(person=invitation.user, group_key=f"invitation:{invitation.pk}")


def _invitation(notification: Notification) -> str:
    return _("%(name)s invited you to join %(space)s") % {
        "name": actor_name(notification),
        "space": space_name(notification),
    }


_join_request = grouped_line(
    gettext_lazy("%(name)s asks to join %(space)s"),
    ngettext_lazy(
        "%(name)s and %(count)d other ask to join %(space)s",
        "%(name)s and %(count)d others ask to join %(space)s",
        "count",
    ),
)


def _space_page(notification: Notification) -> str:
    if notification.space is None:
        return reverse("notifications")
    return reverse("space", args=[notification.space.slug])


def _members_page(notification: Notification) -> str:
    if notification.space is None:
        return reverse("notifications")
    return reverse("space_members", args=[notification.space.slug])


def register() -> None:
    listen(people.DemoContentWritten, demo.settle_demo_notifications)
    register_kind(
        NotificationKind(
            key=actions.INVITATION,
            label=gettext_lazy("I am invited to a space"),
            describe=_invitation,
            link=_space_page,
            email=True,
        )
    )
    register_kind(
        NotificationKind(
            key=actions.JOIN_REQUEST,
            label=gettext_lazy("Someone asks to join a space I administer"),
            describe=_join_request,
            link=_members_page,
        )
    )
    listen(hooks.PersonInvited, person_invited)
    listen(hooks.JoinRequested, join_requested)
    listen(hooks.InvitationCancelled, invitation_cancelled)
