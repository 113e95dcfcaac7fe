"""The reactions one may give to content (a post, a news article, a page), shared by every
module that offers them so that they look and mean the same everywhere."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
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


def check_kind(kind: str) -> None:
    """A reaction's kind must be one of those offered."""
    if kind not in ReactionKind.values:
        raise ValidationError({"kind": [_("Choose one of the reactions offered.")]})


def recount(reactions: models.QuerySet[Any], target: Any) -> dict[str, int]:
    """`target`'s reactions (`reactions`, its rows) counted by kind in one query, and kept on its
    `reaction_counts` (the page draws them without counting)."""
    counts = {
        kind: n for kind, n in reactions.values_list("kind").annotate(n=Count("id")).order_by()
    }
    type(target).objects.filter(pk=target.pk).update(reaction_counts=counts)
    target.reaction_counts = counts
    return counts
