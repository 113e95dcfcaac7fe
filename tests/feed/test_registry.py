"""The feed's extension points (`cercle.feed.registry`): what a module registers shows on the
feed's pages, and the feed works the same with nothing registered (it knows no module)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.feed import queries, registry
from cercle.spaces import queries as space_queries
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db


def test_unknown_slots_and_places_are_refused() -> None:
    with pytest.raises(ValueError, match="card slots"):
        registry.register_card_extra(
            registry.CardExtra(key="x", load=lambda v, p, n: {}, templates={"footer": "x.html"})
        )
    with pytest.raises(ValueError, match="home places"):
        registry.register_home_section(
            registry.HomeSection(key="x", template="x.html", load=lambda u, f: {}, place="aside")
        )
    with pytest.raises(ValueError, match="composer slots"):
        registry.register_composer_option(
            registry.ComposerOption(
                key="x", load=lambda u, s, r: {}, plan=lambda a, s, d: None, templates={"top": "x"}
            )
        )
    assert "x" not in registry.CARD_EXTRAS and "x" not in registry.HOME_SECTIONS


def test_the_feed_works_with_no_module_registered(monkeypatch: Any) -> None:
    for name in ("CARD_EXTRAS", "HOME_SECTIONS", "COMPOSER_OPTIONS"):
        monkeypatch.setattr(registry, name, {})
    monkeypatch.setattr(registry, "HOME_GROUPS", set())
    staff = make_user(role="staff")  # may announce in the organisation space
    space = space_queries.organisation_space()
    post = make_post(author=staff, space=space)
    [card] = queries.with_viewer_state([post], queries.Viewer.of(staff))
    assert card.extras == {}
    plan, _audience = queries.load_plan(staff.pk, "home", None, "all")
    assert not any(group.startswith("feed.announcements") for group in plan.groups())
    client = Client()
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert f'id="post-{post.pk}"' in page
    assert 'id="announcements"' not in page and "Make an announcement" not in page
    response = client.post("/posts/", {"body": "Hello", "space": space.pk, "announce": "on"})
    assert response.status_code == 302  # posted, the unknown option ignored


def test_registered_extras_show_on_the_card(monkeypatch: Any) -> None:
    monkeypatch.setattr(registry, "CARD_EXTRAS", {})
    author = make_user()
    post = make_post(author=author)
    calls: list[int] = []

    def load(viewer: Any, posts: Any, new: bool) -> dict[int, object]:
        calls.append(len(posts))
        return {p.pk: "loaded" for p in posts}

    registry.register_card_extra(registry.CardExtra(key="test", load=load))
    cards = queries.with_viewer_state([post, make_post(author=author)], queries.Viewer.of(author))
    assert calls == [2]  # once for the page
    assert [c.extras for c in cards] == [{"test": "loaded"}, {"test": "loaded"}]
