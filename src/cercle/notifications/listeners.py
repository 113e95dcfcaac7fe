"""What notifications follow in the layers below: space invitations and join requests
(`cercle.spaces.hooks`). Registered by `NotificationsConfig.ready()`."""

from __future__ import annotations

from cercle.core.hooks import listen
from cercle.notifications import actions
from cercle.spaces import hooks


def person_invited(happening: hooks.PersonInvited) -> None:
    actions.on_invitation(actor=happening.actor, invitation=happening.invitation)


def join_requested(happening: hooks.JoinRequested) -> None:
    actions.on_join_request(actor=happening.actor, join_request=happening.join_request)


def invitation_cancelled(happening: hooks.InvitationCancelled) -> None:
    invitation = happening.invitation
    actions.mark_group_read(person=invitation.user, group_key=f"invitation:{invitation.pk}")


def register() -> None:
    listen(hooks.PersonInvited, person_invited)
    listen(hooks.JoinRequested, join_requested)
    listen(hooks.InvitationCancelled, invitation_cancelled)
