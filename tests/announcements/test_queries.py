"""What announcements add to a post card (`queries.card_announcements`, the feed's
`PostCard.extras["announcement"]`), decided in `cercle.announcements.queries`."""

from __future__ import annotations

from typing import Any

import pytest

from cercle.announcements import actions as announcement_actions
from cercle.announcements import queries as announcement_queries
from cercle.feed import queries
from cercle.feed.models import Post
from tests.factories import make_admin, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def _extra(user: Any, post: Post) -> announcement_queries.CardAnnouncement:
    card = queries.with_viewer_state([post], queries.Viewer.of(user))[0]
    extra = card.extras["announcement"]
    assert isinstance(extra, announcement_queries.CardAnnouncement)
    return extra


def test_announcement_fields_come_from_the_card() -> None:
    admin, reader = make_admin(), make_user()
    space = make_space(members=(reader,))
    post = make_post(author=reader, space=space)
    announcement = announcement_actions.announce(actor=admin, post=post, requires_ack=True)

    for_admin, for_reader = _extra(admin, post), _extra(reader, post)

    assert for_admin.announcement_id == for_reader.announcement_id == announcement.pk
    assert for_admin.asks_ack and for_reader.asks_ack
    assert (for_admin.can_announce, for_admin.can_follow_up) == (True, True)
    # The post's author follows up their announcement, without the right to announce.
    assert (for_reader.can_announce, for_reader.can_follow_up) == (False, True)
    targeted = announcement_queries.announcement_audience(announcement).count()
    assert targeted >= 1
    assert for_admin.ack_progress == for_reader.ack_progress == (0, targeted)
