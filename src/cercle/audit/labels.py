"""What each audit action code means, in the reader's language (the log stores the code)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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


# --- Actions told apart by a detail, and targets named in words ---------------------------------


@dataclass(frozen=True)
class ActionVariants:
    """An action whose label depends on one detail: "auth.login" with `method` "ModelBackend"
    reads "Logged in with a password". The detail is then not repeated in the details."""

    action: str
    key: str
    labels: Mapping[str, Promise]


ACTION_VARIANTS: dict[str, ActionVariants] = {}


def register_variants(variants: ActionVariants) -> None:
    ACTION_VARIANTS[variants.action] = variants


def entry_label(code: str, extra: Any) -> tuple[str, str | None]:
    """The label of an entry's action, read with its details; and the detail key it used up."""
    variants = ACTION_VARIANTS.get(code)
    if variants is not None and isinstance(extra, dict):
        value = extra.get(variants.key)
        label = variants.labels.get(value) if isinstance(value, str) else None
        if label is not None:
            return str(label), variants.key
    return action_label(code), None


@dataclass(frozen=True)
class TargetKind:
    """How the log names the target of an entry of this type (a model's `label_lower`):
    `label` holds `%(name)s` ("Profile of “%(name)s”"). The current names of a page's targets are
    read in one query per type: `names(ids)`, else the `model`'s `name` column; a target that is
    gone keeps the name it had (`target_repr`), read as plain text when `markdown` says it
    quotes Markdown (a post's beginning)."""

    target_type: str
    label: Promise
    model: type[models.Model] | None = None
    names: Callable[[set[int]], dict[int, str]] | None = None
    markdown: bool = False


TARGET_KINDS: dict[str, TargetKind] = {}


def register_targets(*kinds: TargetKind) -> None:
    for kind in kinds:
        TARGET_KINDS[kind.target_type] = kind


# Detail keys whose values are Markdown (a post's, comment's or message's body): the log shows
# them as a plain-text excerpt, never as raw Markdown.
MARKDOWN_KEYS: set[str] = {"body"}

# Detail keys in words ("login" → "sign-in name"), and the values of some in words ("role":
# "admin" → "Administrator"), registered by the apps that record them.
DETAIL_LABELS: dict[str, Promise] = {}
VALUE_LABELS: dict[str, Mapping[str, Promise]] = {}


def register_details(
    labels: Mapping[str, Promise], values: Mapping[str, Mapping[str, Promise]] | None = None
) -> None:
    DETAIL_LABELS.update(labels)
    VALUE_LABELS.update(values or {})
