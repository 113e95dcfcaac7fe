"""Chat in a space (`cercle.spaces.registry`): its switch, and its tab in the space's header (the
space's channel)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.spaces.models import Space
from cercle.spaces.queries import SpaceView, has_module
from cercle.spaces.registry import SpaceModule, SpaceTab, register_module, register_tab


def can_chat(user_role: str | None, space: Space) -> bool:
    """The space's channel is for its members (the organisation space's: every active
    non-guest) while the space has chat on (`listeners` keeps the channel's members in step);
    an archived space's channel stays, read-only (`queries.may_write`)."""
    return has_module(space, "chat") and user_role is not None


def _shown(view: SpaceView) -> bool:
    return can_chat(view.role, view.space)


def register() -> None:
    register_module(SpaceModule(key="chat", label=_("Chat"), order=40))
    register_tab(
        SpaceTab(
            key="chat",
            label=_("Chat channel"),
            url=lambda space: reverse("chat_space_channel", args=[space.slug]),
            shown=_shown,
            order=30,
        )
    )
