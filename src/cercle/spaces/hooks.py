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
class MembersAdded:
    """Many people made members at once (`actions.add_members`: a group rule of the company
    directory): what `MemberAdded` says for each, in one happening, for listeners to follow in
    a fixed number of queries."""

    space: Space
    users: tuple[User, ...]


@dataclass(frozen=True)
class MembersRemoved:
    """Many people removed at once (`actions.remove_members`): `MemberRemoved` for each."""

    space: Space
    users: tuple[User, ...]


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


@dataclass(frozen=True)
class ActivityItem:
    """One thing a `SpaceActivity` is about (a file): its id in its module, its title, its page."""

    id: int
    title: str
    url: str


@dataclass(frozen=True)
class SpaceActivity:
    """`actor` did something in `space` that its feed tells once, grouped (`registry.ActivityKind`
    `kind`: "documents.files_added"), about `items`. Emitted by the module's action in its
    transaction, only when whoever may read the space may see the items; the feed listens."""

    actor: User
    space: Space
    kind: str
    items: tuple[ActivityItem, ...]
