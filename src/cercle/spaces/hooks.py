"""What happens to spaces, for the modules above to follow (`cercle.core.hooks`).

Emitted by `cercle.spaces.actions` inside their transaction; listened to by the modules that keep
something in step with spaces (chat: the space's channel; feed: its sockets' subscriptions;
notifications: invitations and join requests). A new module listens from its `apps.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cercle.accounts.models import User
from cercle.spaces.models import JoinRequest, Space, SpaceInvitation


@dataclass(frozen=True)
class SpaceCreated:
    space: Space
    actor: User


@dataclass(frozen=True)
class SpaceChanged:
    """Saved with new settings; `old_*` are what they were (listeners compare)."""

    space: Space
    old_name: str
    old_kind: str
    old_modules: tuple[str, ...]


@dataclass(frozen=True)
class MemberAdded:
    space: Space
    user: User


@dataclass(frozen=True)
class MemberRemoved:
    """Left, or removed by an admin."""

    space: Space
    user: User


@dataclass(frozen=True)
class SpaceArchived:
    space: Space


@dataclass(frozen=True)
class SpaceRestored:
    space: Space


@dataclass(frozen=True)
class FollowChanged:
    """The person follows or no longer follows the space (without being a member)."""

    space: Space
    user: User


@dataclass(frozen=True)
class PersonInvited:
    actor: User
    invitation: SpaceInvitation


@dataclass(frozen=True)
class InvitationCancelled:
    invitation: SpaceInvitation


@dataclass(frozen=True)
class JoinRequested:
    actor: User
    join_request: JoinRequest
