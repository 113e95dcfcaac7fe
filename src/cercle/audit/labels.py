"""What each audit action code means, in the reader's language (the log stores the code)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise

# Filled by each app from its `apps.py` (`register_actions`): the audit log knows no app.
ACTION_LABELS: dict[str, Promise] = {}


def register_actions(labels: Mapping[str, Promise]) -> None:
    """Give the audit log the labels of an app's action codes ("spaces.created": "Created a
    space"); `tests/audit/test_labels.py` checks every code the code records has one."""
    ACTION_LABELS.update(labels)


@dataclass(frozen=True)
class NamedIds:
    """How the ids an app records in entries' details read as names in the log.

    `keys` are the detail keys holding such ids (one id or a list), with the label each key reads
    as. Ids of a `model` with a `name` column are named in one query together with every other
    such model; `names` is for the rest (people: a display name made of several columns)."""

    kind: str
    keys: Mapping[str, Promise]
    model: type[models.Model] | None = None
    names: Callable[[set[int]], dict[int, str]] | None = None


NAMED_IDS: dict[str, NamedIds] = {}


def register_names(named: NamedIds) -> None:
    NAMED_IDS[named.kind] = named


def action_label(code: str) -> str:
    """The label of an action code; the code itself for one without a label (never empty)."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
