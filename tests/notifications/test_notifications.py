"""In-app notifications: who is told what, grouping, never about posts one cannot see; the bell,
the list, marking read, the API; e-mails and digests delivered to a real SMTP server."""

from __future__ import annotations

import datetime
import html
import zoneinfo
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cercle.feed import actions as feed_actions
from cercle.feed.notifications import fan_out_space_post
from cercle.notifications import actions, email, queries
from cercle.notifications.models import Notification, QuietHours
from cercle.spaces import actions as space_actions
from tests.factories import add_member, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def texts(user: Any) -> list[str]:
    return [queries.describe(n) for n in queries.visible_notifications(user)]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_mention_comment_reply_reaction_share_notify_the_right_people() -> None:
    anne = make_user(username="anne", first_name="Anne", last_name="Martin")
    bob = make_user(username="bob", first_name="Bob", last_name="Durand")
    space = make_space(owner=anne, members=(bob,))
    post = feed_actions.create_post(actor=anne, space=space, body="Hello @bob")
    assert texts(bob) == ["Anne Martin mentioned you “Hello @bob”"]
    comment = feed_actions.add_comment(actor=bob, post=post, body="Hi")
    assert texts(anne) == ["Bob Durand commented on your post “Hello @bob”"]
    feed_actions.add_comment(actor=anne, post=post, body="Re", parent=comment)
    assert "Anne Martin replied to your comment “Hi”" in texts(bob)
    feed_actions.react(actor=bob, post=post, kind="like")
    assert "Bob Durand reacted to your post “Hello @bob”" in texts(anne)
    public = make_post(author=anne, body="On my wall")
    feed_actions.share_post(actor=bob, post=public, body="")
    assert "Bob Durand shared your post “On my wall”" in texts(anne)
    # Nobody is told about their own doing.
    assert not Notification.objects.filter(recipient=anne, actor=anne).exists()


def test_reactions_are_grouped_while_unread() -> None:
    author = make_user()
    post = make_post(author=author)
    people = [make_user(first_name=f"P{i}", last_name="X") for i in range(5)]
    for person in people:
        feed_actions.react(actor=person, post=post, kind="like")
    feed_actions.react(actor=people[0], post=post, kind="love")  # a change: no new actor
    [notification] = queries.visible_notifications(author)
    assert notification.actor_count == 5
    assert queries.describe(notification) == "P4 X and 4 others reacted to your post “Hello”"
    actions.mark_read(actor=author, notification=notification)
    feed_actions.react(actor=make_user(first_name="New", last_name="Y"), post=post, kind="like")
    assert texts(author)[0] == "New Y reacted to your post “Hello”"


def test_nothing_about_a_post_reaches_someone_who_cannot_see_it() -> None:
    owner = make_user(username="owner")
    outsider = make_user(username="outsider")
    space = make_space(owner=owner, kind="private")
    post = feed_actions.create_post(actor=owner, space=space, body="Secret plan @outsider")
    assert texts(outsider) == []
    # A notification made while one could see the post disappears once one cannot.
    member = make_user(username="member")
    add_member(space, member)
    feed_actions.add_comment(actor=owner, post=post, body="@member look")
    assert [n.kind for n in queries.visible_notifications(member)] == ["mention"]
    space.memberships.filter(user=member).delete()
    assert texts(member) == []
    assert queries.unread_count(member) == 0


def test_invitations_and_join_requests_notify() -> None:
    owner, bob, carol = make_user(), make_user(), make_user()
    space = make_space(owner=owner, kind="request", name="Jardin")
    space_actions.request_to_join(actor=bob, space=space)
    space_actions.request_to_join(actor=carol, space=space)
    [grouped] = queries.visible_notifications(owner)
    assert grouped.kind == "join_request" and grouped.actor_count == 2
    assert "ask to join Jardin" in queries.describe(grouped)
    private = make_space(owner=owner, kind="private", name="Bureau")
    space_actions.invite(actor=owner, space=private, users=[carol])
    assert any("invited you to join Bureau" in t for t in texts(carol))


def test_space_posts_fan_out_by_level() -> None:
    owner, eager, quiet = make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(eager, quiet))
    actions.set_space_level(actor=quiet, space=space, level="nothing")
    post = make_post(author=owner, space=space, body="News")
    assert fan_out_space_post(post_id=post.pk) == 1
    assert [n.kind for n in queries.visible_notifications(eager)] == ["space_post"]
    assert list(queries.visible_notifications(quiet)) == []
    assert queries.space_level(quiet, space) == "nothing"
    assert queries.space_level(eager, space) == "all"


@pytest.mark.parametrize("members", [3, 30])
def test_space_post_fan_out_is_bulk_grouped_and_checked(
    members: int, django_assert_max_num_queries: Any
) -> None:
    owner, moderator = make_user(), make_user()
    readers = [make_user() for _ in range(members)]
    gone = make_user()
    space = make_space(owner=owner, members=(moderator, *readers, gone))
    space_actions.change_role(actor=owner, space=space, user=moderator, role="moderator")
    gone.is_active = False
    gone.save()
    first = make_post(author=owner, space=space, body="One")
    # The queries do not grow with the number of members.
    with django_assert_max_num_queries(12):
        assert fan_out_space_post(post_id=first.pk) == members + 1
    assert not Notification.objects.filter(recipient=gone).exists()
    assert not Notification.objects.filter(recipient=owner).exists()
    # A second post by someone else groups into each unread notification.
    second = make_post(author=moderator, space=space, body="Two")
    assert fan_out_space_post(post_id=second.pk) == members + 1
    grouped = Notification.objects.get(recipient=readers[0])
    assert grouped.actor_ids == [moderator.pk, owner.pk] and grouped.actor_count == 2
    assert Notification.objects.filter(recipient=owner).count() == 1
    # A hidden post reaches only who may still see it: its author and the moderators.
    third = make_post(author=readers[0], space=space, body="Three")
    third.hidden_at = timezone.now()
    third.save()
    Notification.objects.all().delete()
    assert fan_out_space_post(post_id=third.pk) == 2
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        owner.pk,
        moderator.pk,
    }


def test_pages_bell_list_open_and_read_all() -> None:
    anne, bob = make_user(username="anne"), make_user(username="bob")
    space = make_space(owner=anne, members=(bob,))
    post = feed_actions.create_post(actor=anne, space=space, body="Hi @bob")
    client = client_for(bob)
    bell = client.get("/notifications/bell/").content.decode()
    assert 'class="bell-count">1' in bell
    page = client.get("/notifications/").content.decode()
    assert "mentioned you" in page
    notification = Notification.objects.get(recipient=bob)
    opened = client.post(f"/notifications/{notification.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/posts/{post.pk}/"
    assert queries.unread_count(bob) == 0
    # Someone else's notification: not found.
    assert client_for(anne).post(f"/notifications/{notification.pk}/open/").status_code == 404
    feed_actions.react(actor=anne, post=feed_actions.create_post(actor=bob, body="x"), kind="like")
    client.post("/notifications/read-all/")
    assert queries.unread_count(bob) == 0


def test_list_items_are_links_that_mark_read_on_opening_and_unread_ones_stand_out() -> None:
    anne, bob = make_user(username="anne"), make_user(username="bob")
    space = make_space(owner=anne, members=(bob,))
    first = feed_actions.create_post(actor=anne, space=space, body="Hi @bob")
    second = feed_actions.create_post(actor=anne, space=space, body="Again @bob")
    client = client_for(bob)
    client.get("/notifications/")  # no side effect
    assert queries.unread_count(bob) == 2
    older, newer = Notification.objects.filter(recipient=bob).order_by("pk")
    # A link from elsewhere (no key): goes to the post and changes nothing (no state on GET).
    for bare in (f"/notifications/{older.pk}/open/", f"/notifications/{older.pk}/open/?k=x"):
        followed = client.get(bare)
        assert followed.status_code == 302 and followed["Location"] == f"/posts/{first.pk}/"
    older.refresh_from_db()
    assert older.read_at is None
    # Cercle's own GET link (a new tab works): marks read, then goes to the post.
    opened = client.get(queries.open_url(older))
    assert opened.status_code == 302 and opened["Location"] == f"/posts/{first.pk}/"
    older.refresh_from_db()
    assert older.read_at is not None
    page = client.get("/notifications/", headers={"Accept-Language": "en"}).content.decode()
    assert "<form" not in page.split('class="plain-list notification-list"')[1].split("</ul>")[0]
    items = page.split('<li class="card notification')[1:]
    assert len(items) == 2
    unread, read = items
    assert unread.startswith(' unread">')
    assert f'href="{html.escape(queries.open_url(newer))}"' in unread
    assert 'class="notification-unread">unread' in unread
    assert read.startswith('">')
    assert f'href="{html.escape(queries.open_url(older))}"' in read
    assert "notification-unread" not in read
    assert second.pk
    # Someone else's notification stays not found, by GET too.
    assert client_for(anne).get(queries.open_url(newer)).status_code == 404
    newer.refresh_from_db()
    assert newer.read_at is None


def test_the_bell_is_an_svg_icon_with_a_label() -> None:
    client = client_for(make_user())
    bell = client.get("/notifications/bell/", headers={"Accept-Language": "en"}).content.decode()
    assert "🔔" not in bell
    assert '<svg class="icon icon-bell" aria-hidden="true"' in bell
    assert '<span class="visually-hidden">Notifications</span>' in bell
    page = client.get("/notifications/", headers={"Accept-Language": "en"}).content.decode()
    assert "🔔" not in page
    bell = page.split('id="notification-bell"')[1].split("</span>")[0]
    assert 'aria-current="page"' in bell and "icon-bell" in bell


def test_api_list_and_mark_read() -> None:
    anne, bob = make_user(username="anne"), make_user(username="bob")
    feed_actions.create_post(actor=anne, body="Hi @bob")
    client = client_for(bob)
    listing = client.get("/api/v1/notifications").json()
    assert listing["unread"] == 1 and listing["items"][0]["kind"] == "mention"
    one = client.post(f"/api/v1/notifications/{listing['items'][0]['id']}/read").json()
    assert one["read"] is True
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}
    assert client.get("/api/v1/notifications?cursor=bad").status_code == 400
    assert (
        client_for(anne).post(f"/api/v1/notifications/{listing['items'][0]['id']}/read").status_code
        == 404
    )


def test_preferences_page() -> None:
    me = make_user()
    client = client_for(me)
    response = client.post(
        "/notifications/settings/",
        {"email_invitation": "on", "digest_mention": "on", "quiet_start": "22:00"},
    )
    assert response.status_code == 400  # an end is needed too
    client.post(
        "/notifications/settings/",
        {"email_invitation": "on", "quiet_start": "22:00", "quiet_end": "07:00"},
    )
    assert not queries.wants_email(me, "mention")
    assert queries.wants_email(me, "invitation")
    assert QuietHours.objects.get(user=me).start == datetime.time(22, 0)


def test_mention_mail_after_the_delay_to_a_real_smtp_server(smtp_server: Any) -> None:
    anne = make_user(username="anne", first_name="Anne", last_name="Martin")
    bob = make_user(username="bob", email="bob@example.org")
    feed_actions.create_post(actor=anne, body="Hello @bob")
    notification = Notification.objects.get(recipient=bob)
    now = timezone.now()
    # Too early: nothing.
    assert email.send_due_emails(now=now) == 0
    later = now + datetime.timedelta(minutes=30)
    assert email.send_due_emails(now=later) == 1
    assert email.send_due_emails(now=later) == 0  # once only
    [message] = smtp_server.messages
    assert message["To"] == "bob@example.org"
    assert "Anne Martin" in message["Subject"]
    assert f"/posts/{notification.subject_id}/" in message.get_content()


def test_no_mail_when_read_turned_off_or_quiet(smtp_server: Any) -> None:
    anne = make_user(username="anne")
    read = make_user(username="read")
    off = make_user(username="off")
    quiet = make_user(username="quiet")
    actions.set_preferences(actor=off, email={"mention": False}, digest={})
    when = timezone.now() + datetime.timedelta(hours=1)
    local = when.astimezone(zoneinfo.ZoneInfo(quiet.time_zone))
    QuietHours.objects.create(
        user=quiet,
        start=(local - datetime.timedelta(hours=1)).time(),
        end=(local + datetime.timedelta(hours=1)).time(),
    )
    feed_actions.create_post(actor=anne, body="@read @off @quiet")
    actions.mark_all_read(actor=read)
    assert email.send_due_emails(now=when) == 0
    # Outside quiet hours, the quiet one's mail goes.
    assert email.send_due_emails(now=when + datetime.timedelta(hours=3)) == 1
    assert [m["To"] for m in smtp_server.messages] == [quiet.email]


def test_daily_digest(smtp_server: Any) -> None:
    anne, bob = make_user(username="anne"), make_user(username="bob", email="bob@example.org")
    post = make_post(author=bob, body="Mine")
    feed_actions.react(actor=anne, post=post, kind="like")
    feed_actions.add_comment(actor=anne, post=post, body="Nice")
    assert email.send_digests() == 1
    assert email.send_digests() == 0
    [message] = smtp_server.messages
    body = message.get_content()
    assert "reacted to your post" in body and "commented on your post" in body


def test_mail_command(smtp_server: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    anne, bob = make_user(username="anne"), make_user(username="bob", email="bob@example.org")
    post = make_post(author=bob, body="Mine")
    feed_actions.react(actor=anne, post=post, kind="like")
    out = StringIO()
    call_command("send_notification_mail", "--digest", stdout=out)
    assert "Digests sent: 1." in out.getvalue()
    call_command("send_notification_mail", stdout=out)
    assert "Notification mails sent: 0." in out.getvalue()
    assert len(smtp_server.messages) == 1
