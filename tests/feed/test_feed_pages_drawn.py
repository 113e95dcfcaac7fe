"""The feed pages' parts drawn in Python or kept drawn (issue 15, round 11) give the very pages the
former templates gave: `tests/feed/reference/pages/` keeps them (the composer, before its
`{% fixed %}` parts; the "new posts" notice, now `feed_tags.new_posts_bar`; the home, a space's
wall and a profile wall that included them; the space's header). Each page is asked twice, with
the former templates and with the new ones, for a member, an administrator, a guest, someone
who is not a member, in English and in French; the "new posts" notice also with a count, for
each kind of feed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cercle.accounts.models import User
from cercle.spaces import actions as space_actions
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_admin, make_guest, make_post, make_space, make_user
from tests.helpers.drawn_pages import reference_templates, same_page, settled

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference" / "pages"


def _same(client: Client, url: str, who: str, status: int | None = 200) -> str:
    return same_page(client, url, who, reference_templates(REFERENCE), status)


@pytest.fixture
def people() -> dict[str, Any]:
    admin = settled(make_admin(first_name="Ada", last_name="Admin"))
    member = settled(make_user(first_name="Élodie", last_name="<Dupont> & co"))
    outsider = settled(make_user(first_name="Zoé", last_name="O'Neil"))
    guest = make_guest(first_name="Gaston", last_name="Guest")
    space = make_space(
        owner=admin, name='Atelier <b>& "co"</b>', description="Ligne 1\n<b>Ligne</b> & 2"
    )
    archived = make_space(owner=admin, name="Archives", archived_at=timezone.now())
    # The header's other states: asking to join (and waiting), an invitation, following.
    asking = make_space(owner=admin, name="Sur demande", kind="request")
    waiting = make_space(owner=admin, name="En attente", kind="request")
    space_actions.request_to_join(actor=outsider, space=waiting, message="Bonjour")
    invited = make_space(owner=admin, name="Privé", kind="private")
    space_actions.invite(actor=admin, space=invited, users=[outsider])
    followed = make_space(owner=admin, name="Suivi")
    space_actions.follow_space(actor=outsider, space=followed)
    for each in (space, archived):
        add_member(each, member)
        add_member(each, guest)
    space_actions.set_favourite(actor=member, space=space, favourite=True)
    for n in range(3):
        make_post(author=admin, space=space, body=f"Post {n} <b>&</b>")
    make_post(author=member, body="Sur mon mur")
    return {
        "admin": admin,
        "member": member,
        "outsider": outsider,
        "guest": guest,
        "space": space,
        "archived": archived,
        "others": [asking, waiting, invited, followed, space_queries.organisation_space()],
    }


@pytest.mark.parametrize("language", ["en", "fr"])
def test_feed_pages_are_the_same(people: dict[str, Any], language: str) -> None:
    space, member = people["space"], people["member"]
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    pages = [
        "/",
        "/?filter=following",
        "/?filter=saved",
        f"/spaces/{space.slug}/",
        f"/spaces/{people['archived'].slug}/",
        f"/people/{member.username}/wall/",
        f"/feed/new/?filter=all&since={since}",
        f"/feed/new/?filter=mentions&since={since}",
        f"/feed/new/?space={space.pk}&since={since}",
        f"/feed/new/?wall={member.pk}&since={since}",
        "/feed/new/?filter=saved",
    ]
    # Not every one may open each of these (a private space): the same answer either way.
    space_pages = [f"/spaces/{other.slug}/" for other in people["others"]]
    for who in ("member", "admin", "guest", "outsider"):
        person = people[who]
        User.objects.filter(pk=person.pk).update(language=language)
        client = Client()
        client.force_login(person)
        for url in pages:
            _same(client, url, who)
        for url in space_pages:
            _same(client, url, who, status=None)
    client = Client()
    client.force_login(member)
    home = _same(client, "/", "member")
    # What the drawn parts hold is there.
    assert 'data-feed="home"' in home and 'data-count-url="/feed/new/?filter=all"' in home
    assert 'class="card composer"' in home
    counted = _same(client, f"/feed/new/?space={space.pk}&since={since}", "member")
    outsider = Client()
    outsider.force_login(people["outsider"])
    asking, _waiting, invited, followed, _organisation = people["others"]
    for other, expected in (
        (asking, 'id="request-message"'),
        (invited, 'class="invitation"'),
        (followed, 'name="follow" value="0"'),
    ):
        assert expected in _same(outsider, f"/spaces/{other.slug}/", "outsider")
    assert 'data-feed="space"' in counted and "<button" in counted


def test_the_notice_draws_its_values_escaped() -> None:
    from django.template import Context, Template

    drawn = Template(
        '{% load feed_tags %}{% new_posts_bar count=2 since=since filter=f feed="wall" %}'
        "|{% new_posts_bar %}"
    ).render(Context({"since": "<now>", "f": 'a&b "c"', "feed_id": 7}))
    assert 'data-since="&lt;now&gt;"' in drawn
    assert 'data-filter="a&amp;b &quot;c&quot;"' in drawn
    assert 'data-feed-id="7"' in drawn and "wall=7" in drawn
    assert "2 new posts</button>" in drawn
    # A name the context lacks is drawn as the template drew it: empty.
    assert 'data-since=""' in Template("{% load feed_tags %}{% new_posts_bar %}").render(Context())
