"""The reactions one may give to content (a post, a news article, a page), shared by every
module that offers them so that they look and mean the same everywhere."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReactionKind(models.TextChoices):
    LIKE = "like", _("Like")
    LOVE = "love", _("Love")
    CELEBRATE = "celebrate", _("Celebrate")
    INSIGHTFUL = "insightful", _("Insightful")
    FUNNY = "funny", _("Funny")
    SUPPORT = "support", _("Support")


REACTION_EMOJI = {
    "like": "👍",
    "love": "❤️",
    "celebrate": "🎉",
    "insightful": "💡",
    "funny": "😄",
    "support": "🤝",
}


def reaction_buttons(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """What `core/_reactions.html` draws: each kind with its label, emoji and count."""
    return [
        {"kind": kind, "label": label, "emoji": REACTION_EMOJI.get(kind, ""), "count": n}
        for kind, label in ReactionKind.choices
        for n in [int(counts.get(kind, 0))]
    ]
