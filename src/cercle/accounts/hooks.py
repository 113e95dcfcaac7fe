"""What happens to people, for the modules above to follow (`cercle.core.hooks`).

Emitted by `cercle.accounts.actions` inside their transaction; a module listens from its `apps.py`
(the feed, for instance, has its open pages re-read what they may show).
"""

from __future__ import annotations

from dataclasses import dataclass

from cercle.accounts.models import User


@dataclass(frozen=True)
class RoleChanged:
    """The person's organisation role changed (a guest sees less, an admin more)."""

    person: User
    old_role: str


@dataclass(frozen=True)
class PersonFollowChanged:
    """`follower` now follows, or no longer follows, `followed`."""

    follower: User
    followed: User
