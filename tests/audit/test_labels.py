"""Every audit action the code records has a label, in English and in French."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from cercle.audit.labels import ACTION_LABELS, action_label

SRC = Path(__file__).resolve().parents[2] / "src" / "cercle"
# `log_event(..., action="app.verb", ...)`, as every action writes it.
ACTION_CODE = re.compile(r'\baction="([a-z]+\.[a-z_]+)"')


def recorded_actions() -> set[str]:
    codes: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "log_event" in text:
            codes.update(ACTION_CODE.findall(text))
    return codes


def test_every_recorded_action_has_a_label() -> None:
    codes = recorded_actions()
    assert len(codes) > 40  # the scan finds the code's actions
    missing = sorted(codes - ACTION_LABELS.keys())
    assert not missing, f"add these to cercle/audit/labels.py: {missing}"


def test_labels_are_translated_and_unknown_codes_shown_as_they_are() -> None:
    with translation.override("fr"):
        assert action_label("auth.login_failed") == "Échec de connexion"
        assert action_label("spaces.join_request_refused") != "Refused a join request"
    with translation.override("en"):
        assert action_label("auth.login_failed") == "Failed login"
    assert action_label("plugin.something_new") == "plugin.something_new"
