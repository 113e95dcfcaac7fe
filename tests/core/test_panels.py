"""`cercle.core.panels`: the home page's panels in their order, and the layout a module may set
(admins' arrangement of the home, `cercle.homepage`): a hidden panel is not loaded, the others
follow the layout's places, a panel the layout does not name keeps its own order."""

from __future__ import annotations

from typing import Any

import pytest

from cercle.core import panels
from cercle.core.panels import HomeLayout, HomePanel


def test_the_layout_orders_and_hides_panels(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    def loader(key: str) -> Any:
        def load(user: Any) -> dict[str, str]:
            loaded.append(key)
            return {"key": key}

        return load

    monkeypatch.setattr(
        panels,
        "HOME_PANELS",
        {
            key: HomePanel(key=key, template=f"{key}.html", load=loader(key), order=order)
            for key, order in (("checklist", 5), ("a", 10), ("b", 20), ("c", 30))
        },
    )
    monkeypatch.setattr(panels, "_LAYOUT", [])
    assert [p.key for p in panels.home_panels(None)] == ["checklist", "a", "b", "c"]  # type: ignore[arg-type]

    loaded.clear()
    layout = HomeLayout(positions={"c": 10, "a": 20}, hidden=frozenset({"b"}))
    panels.set_home_layout(lambda user: layout)
    assert [p.key for p in panels.home_panels(None)] == ["checklist", "c", "a"]  # type: ignore[arg-type]
    assert "b" not in loaded
    assert panels.home_layout(None) is layout  # type: ignore[arg-type]
