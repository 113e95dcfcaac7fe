"""`feed.announcement`: a new announcement reaches, live, the home pages of the people it
targets who may see its post — and nobody else. One send whatever the audience; the socket's rule
(`queries.is_targeted`) agrees with the home page's (`queries.active_announcements`) for every
kind of space, person and target; the page's fragment shows the banner."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.test import Client

from cercle.accounts.models import Profile
from cercle.announcements import actions as announcement_actions
from cercle.announcements import events as announcement_events
from cercle.announcements import queries as announcement_queries
from cercle.announcements.events import announcement_route_of
from cercle.feed import queries
from cercle.spaces import queries as space_queries
from tests.factories import (
    make_admin,
    make_department,
    make_guest,
    make_post,
    make_site,
    make_space,
    make_user,
)
from tests.helpers.live_feed import (
    _close_worker_connections,  # noqa: F401 (a fixture used by name)
    audience_of,
    client_for,
    count_group_sends,
    home,
)
from tests.helpers.sockets import connected, drain, next_of_type
from tests.helpers.visibility import KINDS, ROLES, build

amake_user = sync_to_async(make_user)
amake_guest = sync_to_async(make_guest)
amake_space = sync_to_async(make_space)
amake_department = sync_to_async(make_department)
amake_post = sync_to_async(make_post)
announce = sync_to_async(announcement_actions.announce)
organisation_space = sync_to_async(space_queries.organisation_space)


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every group_send of a `feed.announcement` layer message, by group name."""
    return count_group_sends(monkeypatch, announcement_events.ANNOUNCEMENT)


# --- Over the socket (the real consumer) -------------------------------------------------------


async def announcement_frames(comm: Any) -> list[dict[str, Any]]:
    return [f for f in await drain(comm, timeout=0.3) if f["type"] == "feed.announcement"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_connections")
async def test_a_members_only_announcement_reaches_its_members_home_pages_only() -> None:
    admin, member, guest_member = await amake_user(), await amake_user(), await amake_guest()
    outsider, guest = await amake_user(), await amake_guest()
    space = await amake_space(kind="private", owner=admin, members=(member, guest_member))
    post = await amake_post(author=admin, space=space, body="Members: new rota")
    sockets = {
        name: await connected(person)
        for name, person in {
            "member": member,
            "guest_member": guest_member,
            "outsider": outsider,
            "guest": guest,
        }.items()
    }
    for comm in sockets.values():
        await home(comm)
    # Any filter of the home page shows the banners: "following" joins no space group.
    following = await connected(member)
    await home(following, filter="following")
    # A space page does not show them.
    space_page = await connected(member)
    await space_page.send_json_to({"type": "feed.subscribe", "feed": "space", "id": space.pk})
    await next_of_type(space_page, "feed.subscribed")

    announcement = await announce(actor=admin, post=post, requires_ack=True)

    expected = {
        "type": "feed.announcement",
        "announcement_id": announcement.pk,
        "post_id": post.pk,
        "space_id": space.pk,
        "author_id": admin.pk,
        "requires_ack": True,
    }
    assert await announcement_frames(sockets["member"]) == [expected]
    assert await announcement_frames(sockets["guest_member"]) == [expected]
    assert await announcement_frames(following) == [expected]
    assert await announcement_frames(sockets["outsider"]) == []  # not a member of the space
    assert await announcement_frames(sockets["guest"]) == []
    assert await announcement_frames(space_page) == []
    for comm in [*sockets.values(), following, space_page]:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_connections")
async def test_a_department_announcement_reaches_that_department_only() -> None:
    payroll, sales = await amake_department("Paie"), await amake_department("Ventes")
    staff = await amake_user(role="staff")
    in_payroll = await amake_user(department=payroll)
    in_sales = await amake_user(department=sales)
    nowhere = await amake_user()
    guest_in_payroll = await amake_guest(department=payroll)  # cannot see the post
    post = await amake_post(author=staff, space=await organisation_space(), body="Payslips")
    sockets = [await connected(p) for p in (in_payroll, in_sales, nowhere, guest_in_payroll, staff)]
    for comm in sockets:
        await home(comm)
    announcement = await announce(actor=staff, post=post, departments=[payroll])
    got = [await announcement_frames(comm) for comm in sockets]
    assert [[f["announcement_id"] for f in frames] for frames in got] == [
        [announcement.pk],
        [],
        [],
        [],
        [],  # the announcer is not in the department either
    ]
    for comm in sockets:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_connections")
async def test_nothing_before_subscribing_after_unsubscribing_or_on_rollback() -> None:
    staff, person = await amake_user(role="staff"), await amake_user()
    org = await organisation_space()
    first = await amake_post(author=staff, space=org, body="One")
    second = await amake_post(author=staff, space=org, body="Two")
    comm = await connected(person)
    await announce(actor=staff, post=first)
    assert await announcement_frames(comm) == []  # no feed page yet
    await home(comm)

    @sync_to_async
    def rolled_back() -> None:
        with transaction.atomic():
            announcement_actions.announce(actor=staff, post=second)
            transaction.set_rollback(True)

    await rolled_back()
    assert await announcement_frames(comm) == []
    await comm.send_json_to({"type": "feed.unsubscribe"})
    await next_of_type(comm, "feed.unsubscribed")
    await announce(actor=staff, post=second)
    assert await announcement_frames(comm) == []
    await comm.disconnect()


# --- One send, whatever the audience -----------------------------------------------------------


@pytest.mark.django_db
def test_one_send_to_one_group_whatever_the_audience(
    sends: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    staff = make_user(role="staff")
    for _ in range(30):
        make_user()
    org = space_queries.organisation_space()
    post = make_post(author=staff, space=org, body="Everyone")
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.announce(actor=staff, post=post)
    assert sends == [announcement_events.ANNOUNCEMENTS_GROUP]
    sends.clear()
    with transaction.atomic():
        announcement_actions.announce(
            actor=staff, post=make_post(author=staff, space=org, body="Draft")
        )
        transaction.set_rollback(True)
    assert sends == []


@pytest.mark.django_db
def test_the_layer_message_keeps_targets_on_the_server(
    django_capture_on_commit_callbacks: Any,
) -> None:
    staff, dept, site = make_user(role="staff"), make_department(), make_site()
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Hi")
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(announcement_events.ANNOUNCEMENTS_GROUP, channel)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announcement_actions.announce(
            actor=staff, post=post, departments=[dept], sites=[site]
        )

    async def receive() -> dict[str, Any]:
        message: dict[str, Any] = await asyncio.wait_for(layer.receive(channel), 1)
        return message

    message = async_to_sync(receive)()
    assert message["department_ids"] == [dept.pk] and message["site_ids"] == [site.pk]
    # What reaches the browser: ids and the acknowledgement flag, no targets.
    assert message["event"] == {
        "type": "feed.announcement",
        "announcement_id": announcement.pk,
        "post_id": post.pk,
        "space_id": post.space_id,
        "author_id": staff.pk,
        "requires_ack": False,
    }


# --- The targeting rule agrees with the home page's --------------------------------------------

TARGETS = ("everyone", "my_department", "other_department", "my_site", "other_site")


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [r for r in ROLES if r != "deactivated"])
def test_the_sockets_rule_agrees_with_the_home_pages(kind: str, role: str, target: str) -> None:
    post, person = build(kind, role)
    mine, other = make_department(), make_department()
    my_site, other_site = make_site(), make_site()
    Profile.objects.filter(user=person).update(department=mine, site=my_site)
    choices: dict[str, dict[str, Any]] = {
        "everyone": {},
        "my_department": {"departments": [mine]},
        "other_department": {"departments": [other]},
        "my_site": {"sites": [my_site]},
        "other_site": {"sites": [other_site]},
    }
    targets = choices[target]
    announcement = announcement_actions.announce(actor=make_admin(), post=post, **targets)
    route = announcement_route_of(
        announcement,
        department_ids=[d.pk for d in targets.get("departments", [])],
        site_ids=[s.pk for s in targets.get("sites", [])],
    )
    person.refresh_from_db()
    shown = announcement in announcement_queries.active_announcements(person)
    assert announcement_queries.is_targeted(audience_of(person), route) is shown
    # And the home page's rule is the expected one: sees the post, and targeted.
    sees = queries.can(person, "see", post)
    assert shown is (sees and target in ("everyone", "my_department", "my_site"))


@pytest.mark.django_db
def test_a_person_without_department_or_site_gets_only_announcements_for_everyone() -> None:
    staff, person = make_user(role="staff"), make_user()
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Hi")
    announcement = announcement_actions.announce(
        actor=staff, post=post, departments=[make_department()]
    )
    audience = audience_of(person)
    assert audience.department_id is None and audience.site_id is None
    route = announcement_route_of(announcement, department_ids=[], site_ids=[])
    assert announcement_queries.is_targeted(audience, route) is True
    targeted = announcement_route_of(
        announcement, department_ids=[announcement.departments.get().pk], site_ids=[]
    )
    assert announcement_queries.is_targeted(audience, targeted) is False


# --- The page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_home_page_listens_and_the_fragment_shows_what_targets_me(
    django_assert_max_num_queries: Any,
) -> None:
    payroll = make_department("Paie")
    staff = make_user(role="staff", first_name="Sandrine", last_name="Staff")
    reader, other = make_user(department=payroll), make_user()
    org = space_queries.organisation_space()
    page = client_for(reader).get("/?filter=following").content.decode()
    assert 'id="announcements"' in page and 'aria-live="polite"' in page
    assert 'data-url="/feed/announcements/?filter=following"' in page
    for n in range(3):
        post = make_post(author=staff, space=org, body=f"Payroll news {n}")
        announcement_actions.announce(actor=staff, post=post, departments=[payroll])
    client = client_for(reader)
    live = {"HTTP_HX_REQUEST": "true"}  # as the page asks (realtime.js)
    client.get("/feed/announcements/?filter=following", **live)
    # The session and its record (7), the profile (1), the announcements with their posts,
    # spaces and authors (1), their files (1), their departments and sites (2): none per
    # announcement.
    with django_assert_max_num_queries(12):
        fragment = client.get("/feed/announcements/?filter=following", **live)
    text = fragment.content.decode()
    assert fragment.status_code == 200
    assert text.count('class="card announcement"') == 3
    assert "Payroll news 2" in text and "Sandrine Staff" in text
    assert "<html" not in text and text.count("For: Paie") == 3
    # Dismissing from a banner fetched live comes back to the home page, filter kept.
    assert 'name="next" value="/?filter=following"' in text
    assert client_for(other).get("/feed/announcements/", **live).content.decode().strip() == ""
    # A filter that does not exist: back to the plain home page, no error.
    assert 'value="/"' in client.get("/feed/announcements/?filter=nope", **live).content.decode()
    # Not signed in: to the login page, nothing shown.
    anonymous = Client().get("/feed/announcements/")
    assert anonymous.status_code == 302 and "Payroll" not in anonymous.content.decode()
