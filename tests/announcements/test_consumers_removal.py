"""`feed.announcement_removed`: when an announcement ends for people it targeted — taken back,
retargeted away from them, its post deleted or hidden by a moderator — their open home pages are
told (the id only), after commit, by one send whatever the audience; nobody it never targeted, and
nobody who cannot see its post, hears of it. The socket's rule (`queries.loses_announcement`)
agrees with the home page's (`queries.active_announcements` before and after)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from cercle.accounts.models import Profile
from cercle.announcements import actions as announcement_actions
from cercle.announcements import events as announcement_events
from cercle.announcements import queries as announcement_queries
from cercle.announcements.models import Announcement
from cercle.feed import actions
from cercle.feed.models import Post, Report, ReportReason
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
amake_admin = sync_to_async(make_admin)
amake_guest = sync_to_async(make_guest)
amake_space = sync_to_async(make_space)
amake_department = sync_to_async(make_department)
amake_post = sync_to_async(make_post)
announce = sync_to_async(announcement_actions.announce)
unannounce = sync_to_async(announcement_actions.unannounce)
delete_post = sync_to_async(actions.delete_post)
organisation_space = sync_to_async(space_queries.organisation_space)


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every group_send of a `feed.announcement_removed` layer message, by group name."""
    return count_group_sends(monkeypatch, announcement_events.ANNOUNCEMENT_REMOVED)


async def frames_of(comm: Any) -> list[dict[str, Any]]:
    """The announcement frames (new and removed) that arrived."""
    return [f for f in await drain(comm, timeout=0.3) if f["type"].startswith("feed.announcement")]


def removed(announcement_id: int) -> dict[str, Any]:
    return {"type": "feed.announcement_removed", "announcement_id": announcement_id}


@sync_to_async
def hide_by_moderation(post: Any, reporter: Any, moderator: Any, *, comment: Any = None) -> None:
    report = actions.report(
        actor=reporter, post=post, reason=ReportReason.CONFIDENTIAL, comment=comment
    )
    actions.decide_report(actor=moderator, report=report, hide=True)


# --- Over the socket (the real consumer), one test per ending action --------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_connections")
async def test_taking_it_back_tells_the_home_pages_it_targeted_only() -> None:
    payroll, sales = await amake_department("Paie"), await amake_department("Ventes")
    staff = await amake_user(role="staff")
    in_payroll = await amake_user(department=payroll)
    in_sales, nowhere = await amake_user(department=sales), await amake_user()
    guest_in_payroll = await amake_guest(department=payroll)  # cannot see the post
    post = await amake_post(author=staff, space=await organisation_space(), body="Payslips")
    people = (in_payroll, in_sales, nowhere, guest_in_payroll, staff)
    sockets = [await connected(p) for p in people]
    for comm in sockets:
        await home(comm)
    # Any filter of the home page; a space page is not told.
    following = await connected(in_payroll)
    await home(following, filter="following")
    space_page = await connected(in_payroll)
    await space_page.send_json_to({"type": "feed.subscribe", "feed": "space", "id": post.space_id})
    await next_of_type(space_page, "feed.subscribed")
    announcement = await announce(actor=staff, post=post, departments=[payroll])
    for comm in [*sockets, following, space_page]:
        await drain(comm, timeout=0.3)

    await unannounce(actor=staff, post=post)

    got = [await frames_of(comm) for comm in sockets]
    assert got == [[removed(announcement.pk)], [], [], [], []]
    assert await frames_of(following) == [removed(announcement.pk)]
    assert await frames_of(space_page) == []
    for comm in [*sockets, following, space_page]:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_connections")
async def test_retargeting_tells_only_those_it_leaves_out() -> None:
    payroll, sales = await amake_department("Paie"), await amake_department("Ventes")
    staff = await amake_user(role="staff")
    in_payroll = await amake_user(department=payroll)
    in_sales, nowhere = await amake_user(department=sales), await amake_user()
    post = await amake_post(author=staff, space=await organisation_space(), body="Rota")
    sockets = [await connected(p) for p in (in_payroll, in_sales, nowhere)]
    for comm in sockets:
        await home(comm)
    announcement = await announce(actor=staff, post=post, departments=[payroll])
    for comm in sockets:
        await drain(comm, timeout=0.3)

    # From payroll to sales: payroll's banner goes, sales' comes, nobody else hears of it.
    await announce(actor=staff, post=post, departments=[sales])
    payroll_frames, sales_frames, nowhere_frames = [await frames_of(c) for c in sockets]
    assert payroll_frames == [removed(announcement.pk)]
    assert [f["type"] for f in sales_frames] == ["feed.announcement"]
    assert nowhere_frames == []

    # From sales to everyone: nobody is left out.
    await announce(actor=staff, post=post)
    assert [[f["type"] for f in await frames_of(c)] for c in sockets] == [["feed.announcement"]] * 3

    # From everyone to payroll: everyone else who may see the post loses it.
    await announce(actor=staff, post=post, departments=[payroll])
    payroll_frames, sales_frames, nowhere_frames = [await frames_of(c) for c in sockets]
    assert [f["type"] for f in payroll_frames] == ["feed.announcement"]
    assert sales_frames == nowhere_frames == [removed(announcement.pk)]
    for comm in sockets:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_connections")
async def test_deleting_its_post_tells_its_members_only() -> None:
    admin, member, outsider = await amake_user(), await amake_user(), await amake_user()
    guest_member, guest = await amake_guest(), await amake_guest()
    space = await amake_space(kind="private", owner=admin, members=(member, guest_member))
    post = await amake_post(author=admin, space=space, body="Members: new rota")
    people = (member, guest_member, outsider, guest)
    sockets = [await connected(p) for p in people]
    for comm in sockets:
        await home(comm)
    announcement = await announce(actor=admin, post=post, requires_ack=True)
    for comm in sockets:
        await drain(comm, timeout=0.3)

    await delete_post(actor=admin, post=post)

    got = [await frames_of(comm) for comm in sockets]
    assert got == [[removed(announcement.pk)], [removed(announcement.pk)], [], []]
    for comm in sockets:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_connections")
async def test_hiding_its_post_tells_the_people_it_targeted() -> None:
    staff, moderator = await amake_user(role="staff"), await amake_admin()
    reader, other_reader = await amake_user(), await amake_user()
    org = await organisation_space()
    post = await amake_post(author=staff, space=org, body="Salaries of everyone")
    commented = await amake_post(author=staff, space=org, body="Canteen")
    comment = await sync_to_async(actions.add_comment)(actor=reader, post=commented, body="Meh")
    sockets = [await connected(p) for p in (reader, other_reader)]
    for comm in sockets:
        await home(comm)
    announcement = await announce(actor=staff, post=post)
    await announce(actor=staff, post=commented)
    for comm in sockets:
        await drain(comm, timeout=0.3)

    # Hiding a comment of an announcement leaves the announcement alone.
    await hide_by_moderation(commented, other_reader, moderator, comment=comment)
    assert [await frames_of(comm) for comm in sockets] == [[], []]

    await hide_by_moderation(post, reader, moderator)
    assert [await frames_of(comm) for comm in sockets] == [[removed(announcement.pk)]] * 2
    for comm in sockets:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_worker_connections")
async def test_nothing_on_rollback_nor_without_a_home_page() -> None:
    staff, person, moderator = (
        await amake_user(role="staff"),
        await amake_user(),
        await amake_admin(),
    )
    org = await organisation_space()
    post = await amake_post(author=staff, space=org, body="One")
    announcement = await announce(actor=staff, post=post)
    comm = await connected(person)

    def rolled_back(action: Callable[[], Any]) -> Any:
        @sync_to_async
        def run() -> None:
            with transaction.atomic():
                action()
                transaction.set_rollback(True)

        return run()

    report = await sync_to_async(actions.report)(actor=person, post=post, reason=ReportReason.SPAM)
    await unannounce(actor=staff, post=post)  # no feed page yet: nothing
    assert await frames_of(comm) == []
    announcement = await announce(actor=staff, post=post)
    await home(comm)
    await drain(comm, timeout=0.3)
    await rolled_back(lambda: announcement_actions.unannounce(actor=staff, post=post))
    await rolled_back(
        lambda: announcement_actions.announce(
            actor=staff, post=post, departments=[make_department()]
        )
    )
    await rolled_back(lambda: actions.delete_post(actor=staff, post=post))
    await rolled_back(lambda: actions.decide_report(actor=moderator, report=report, hide=True))
    assert await frames_of(comm) == []
    assert await Announcement.objects.filter(pk=announcement.pk).aexists()
    post = await Post.objects.aget(pk=announcement.post_id)  # the rolled-back delete unset its pk
    await comm.send_json_to({"type": "feed.unsubscribe"})
    await next_of_type(comm, "feed.unsubscribed")
    await unannounce(actor=staff, post=post)
    assert await frames_of(comm) == []
    await comm.disconnect()


# --- One send, whatever the audience; what leaves the server -----------------------------------


@pytest.mark.django_db
def test_one_send_per_ending_and_none_on_rollback(
    sends: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    staff, moderator, reporter = make_user(role="staff"), make_admin(), make_user()
    payroll, sales = make_department(), make_department()
    for _ in range(30):
        make_user(department=payroll)
    org = space_queries.organisation_space()

    def announced(**targets: Any) -> Any:
        post = make_post(author=staff, space=org, body="Hi")
        announcement_actions.announce(actor=staff, post=post, **targets)
        return post

    endings: list[Callable[[], Any]] = []
    first, second, third = announced(), announced(), announced(departments=[payroll])
    endings.append(lambda: announcement_actions.unannounce(actor=staff, post=first))
    # Fetched afresh each time: a rolled-back delete leaves the instance without its pk.
    endings.append(lambda: actions.delete_post(actor=staff, post=Post.objects.get(pk=second.pk)))
    endings.append(
        lambda: announcement_actions.announce(actor=staff, post=third, departments=[sales])
    )
    fourth = announced()
    report = actions.report(actor=reporter, post=fourth, reason=ReportReason.SPAM)
    endings.append(lambda: actions.decide_report(actor=moderator, report=report, hide=True))
    for ending in endings:
        with transaction.atomic():
            ending()
            transaction.set_rollback(True)
        assert sends == []
        with django_capture_on_commit_callbacks(execute=True):
            ending()
        assert sends == [announcement_events.ANNOUNCEMENTS_GROUP]
        sends.clear()


@pytest.mark.django_db
def test_no_send_when_nothing_ends(
    sends: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    staff, moderator, reporter = make_user(role="staff"), make_admin(), make_user()
    payroll, sales, lyon = make_department(), make_department(), make_site()
    org = space_queries.organisation_space()
    post = make_post(author=staff, space=org, body="Hi")
    plain = make_post(author=staff, space=org, body="Not an announcement")
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.announce(actor=staff, post=post, departments=[payroll])
        # Widened, kept, or made for everyone: nobody is left out.
        announcement_actions.announce(
            actor=staff, post=post, departments=[payroll, sales], sites=[lyon]
        )
        announcement_actions.announce(
            actor=staff, post=post, departments=[payroll, sales], sites=[lyon]
        )
        announcement_actions.announce(actor=staff, post=post, requires_ack=True)
        # Not announcements: their endings are not announced.
        announcement_actions.unannounce(actor=staff, post=plain)
        report = actions.report(actor=reporter, post=plain, reason=ReportReason.SPAM)
        actions.decide_report(actor=moderator, report=report, hide=True)
        actions.delete_post(actor=staff, post=make_post(author=staff, space=org, body="Bye"))
        # A report dismissed: the announcement stays.
        report = actions.report(actor=reporter, post=post, reason=ReportReason.SPAM)
        actions.decide_report(actor=moderator, report=report, hide=False)
    assert sends == []


@pytest.mark.django_db
def test_the_browser_gets_the_id_only(django_capture_on_commit_callbacks: Any) -> None:
    staff, dept, site = make_user(role="staff"), make_department(), make_site()
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Hi")
    announcement = announcement_actions.announce(
        actor=staff, post=post, departments=[dept], sites=[site]
    )
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(announcement_events.ANNOUNCEMENTS_GROUP, channel)
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.unannounce(actor=staff, post=post)

    async def receive() -> dict[str, Any]:
        message: dict[str, Any] = await asyncio.wait_for(layer.receive(channel), 1)
        return message

    message = async_to_sync(receive)()
    assert message["type"] == announcement_events.ANNOUNCEMENT_REMOVED
    assert message["department_ids"] == [dept.pk] and message["site_ids"] == [site.pk]
    assert message["kept"] is None
    assert message["event"] == removed(announcement.pk)
    assert not Announcement.objects.filter(pk=announcement.pk).exists()


# --- The socket's rule agrees with the home page's ---------------------------------------------


@pytest.fixture
def removals(monkeypatch: pytest.MonkeyPatch) -> list[announcement_events.AnnouncementRemoval]:
    """The removals the actions send (as a socket reads them), without a channel layer."""
    made: list[announcement_events.AnnouncementRemoval] = []

    def keep(message: dict[str, Any], *, groups: Any) -> None:
        if message["type"] == announcement_events.ANNOUNCEMENT_REMOVED:
            made.append(announcement_events.AnnouncementRemoval.from_message(message))

    monkeypatch.setattr(announcement_events, "send_on_commit", keep)
    return made


def shown(announcement: Announcement, person: Any) -> bool:
    person.refresh_from_db()
    return announcement.pk in {a.pk for a in announcement_queries.active_announcements(person)}


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["unannounce", "delete", "hide"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("deactivated", "author")])
def test_told_exactly_when_the_banner_was_shown_and_is_gone(
    kind: str, role: str, ending: str, removals: list[announcement_events.AnnouncementRemoval]
) -> None:
    post, person = build(kind, role)
    announcement = announcement_actions.announce(actor=make_admin(), post=post)
    before = shown(announcement, person)
    if ending == "unannounce":
        announcement_actions.unannounce(actor=make_admin(), post=post)
    elif ending == "delete":
        actions.delete_post(actor=make_admin(), post=post)
    else:
        report = actions.report(actor=make_admin(), post=post, reason=ReportReason.OTHER)
        actions.decide_report(actor=make_admin(), report=report, hide=True)
    [removal] = removals
    told = announcement_queries.loses_announcement(audience_of(person), removal)
    assert told is before  # everyone who had the banner, nobody else
    if told and ending != "hide":
        assert not shown(announcement, person)


TARGETS: dict[str, dict[str, str]] = {
    "everyone": {},
    "my_department": {"departments": "mine"},
    "other_department": {"departments": "other"},
    "my_site": {"sites": "mine"},
    "other_site": {"sites": "other"},
    "other_department_my_site": {"departments": "other", "sites": "mine"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("after", list(TARGETS))
@pytest.mark.parametrize("before", list(TARGETS))
def test_retargeting_tells_exactly_those_who_lose_the_banner(
    before: str, after: str, removals: list[announcement_events.AnnouncementRemoval]
) -> None:
    staff, person = make_user(role="staff"), make_user()
    places: dict[str, dict[str, Any]] = {
        "departments": {"mine": make_department(), "other": make_department()},
        "sites": {"mine": make_site(), "other": make_site()},
    }
    Profile.objects.filter(user=person).update(
        department=places["departments"]["mine"], site=places["sites"]["mine"]
    )

    def targets(name: str) -> dict[str, Any]:
        return {field: [places[field][which]] for field, which in TARGETS[name].items()}

    post = make_post(author=staff, space=space_queries.organisation_space(), body="Hi")
    announcement = announcement_actions.announce(actor=staff, post=post, **targets(before))
    had = shown(announcement, person)
    announcement_actions.announce(actor=staff, post=post, **targets(after))
    has = shown(announcement, person)
    told = any(announcement_queries.loses_announcement(audience_of(person), r) for r in removals)
    assert told is (had and not has)


# --- The pages: withdraw, change ---------------------------------------------------------------


@pytest.mark.django_db
def test_withdrawing_from_the_post_menu() -> None:
    staff, reader = make_user(role="staff"), make_user()
    payroll = make_department("Paie")
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Payslips")
    announcement = announcement_actions.announce(actor=staff, post=post, departments=[payroll])
    page = client_for(staff).get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/posts/{post.pk}/unannounce/"' in page
    assert "Withdraw the announcement" in page and "Change the announcement" in page
    assert "Make an announcement" not in page
    # The change form comes with its targets ticked.
    form = client_for(staff).get(f"/posts/{post.pk}/announce/").content.decode()
    assert f'value="{payroll.pk}" checked' in form
    # Someone who may not announce: refused, nothing changed (and no such menu).
    assert (
        "Withdraw the announcement"
        not in client_for(reader).get(f"/posts/{post.pk}/").content.decode()
    )
    refused = client_for(reader).post(f"/posts/{post.pk}/unannounce/", follow=True)
    assert refused.status_code == 200
    assert "Only staff" in refused.content.decode()
    assert Announcement.objects.filter(pk=announcement.pk).exists()
    assert client_for(staff).get(f"/posts/{post.pk}/unannounce/").status_code == 405
    assert client_for(staff).post("/posts/999999/unannounce/").status_code == 404
    done = client_for(staff).post(f"/posts/{post.pk}/unannounce/", follow=True)
    assert "The post is no longer an announcement." in done.content.decode()
    assert not Announcement.objects.filter(pk=announcement.pk).exists()
    page = client_for(staff).get(f"/posts/{post.pk}/").content.decode()
    assert "Make an announcement" in page and "Withdraw the announcement" not in page


@pytest.mark.django_db
def test_a_hidden_posts_author_keeps_the_banner_the_others_lose_it() -> None:
    staff, reader, moderator = make_user(role="staff"), make_user(), make_admin()
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Hi all")
    announcement = announcement_actions.announce(actor=staff, post=post)
    report = actions.report(actor=reader, post=post, reason=ReportReason.OTHER)
    actions.decide_report(actor=moderator, report=report, hide=True)
    assert Report.objects.get(pk=report.pk).status == "hidden"
    marker = f'id="announcement-{announcement.pk}"'
    assert marker in client_for(staff).get("/feed/announcements/").content.decode()
    assert marker not in client_for(reader).get("/feed/announcements/").content.decode()
