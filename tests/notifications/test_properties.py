"""Property: a mention notifies exactly those mentioned who can see the post — never others."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cercle.feed import actions as feed_actions
from cercle.feed import queries as feed_queries
from cercle.notifications.models import Notification
from tests.factories import add_member, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db

PERSON = st.fixed_dictionaries(
    {
        "guest": st.booleans(),
        "member": st.booleans(),
        "active": st.booleans(),
        "mentioned": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["open", "request", "private", "secret", None]),
    people=st.lists(PERSON, min_size=1, max_size=5),
)
def test_mentions_notify_only_those_who_can_see(kind: str | None, people: list[dict]) -> None:
    author = make_user()
    space = make_space(owner=author, kind=kind) if kind else None
    created = []
    for spec in people:
        person = make_guest() if spec["guest"] else make_user()
        if space is not None and spec["member"]:
            add_member(space, person)
        if not spec["active"]:
            person.is_active = False
            person.save()
        created.append((person, spec))
    body = "Hello " + " ".join(f"@{p.username}" for p, s in created if s["mentioned"])
    post = feed_actions.create_post(actor=author, body=body, space=space)
    notified = set(
        Notification.objects.filter(
            subject_type="feed.post", subject_id=post.pk, kind="mention"
        ).values_list("recipient_id", flat=True)
    )

    def sees(spec: dict) -> bool:  # the rules, restated independently of the code
        if not spec["active"]:
            return False
        if kind is None:
            return not spec["guest"]
        if kind == "open":
            return spec["member"] or not spec["guest"]
        return bool(spec["member"])

    expected = {p.pk for p, s in created if s["mentioned"] and sees(s)}
    assert notified == expected
    for person, _spec in created:
        if person.pk in notified:
            assert feed_queries.visible_posts(person).filter(pk=post.pk).exists()
