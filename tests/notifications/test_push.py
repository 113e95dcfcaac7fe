"""Web Push, end to end with the real library: a browser's subscription through the API, each
notification encrypted by pywebpush to a push service on loopback, decrypted here with the
browser's keys; expired subscriptions dropped; preferences and quiet hours honoured; a
notification read cleared from the devices; devices listed and removed; VAPID keys rotated."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cercle.audit.models import AuditEntry
from cercle.feed import actions as feed_actions
from cercle.notifications import actions, push
from cercle.notifications import queries as notification_queries
from cercle.notifications.models import Notification, Preference, PushSubscription, QuietHours
from tests.factories import make_space, make_user
from tests.helpers.api import ODD_IDS, api, assert_4xx, call
from tests.helpers.push import BrowserKeys, PushService, start_push_service, vapid_claims

pytestmark = pytest.mark.django_db
SUBSCRIPTIONS = "/api/v1/notifications/push/subscriptions"
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"


@pytest.fixture
def service(settings: Any) -> Iterator[PushService]:
    settings.CERCLE_PUSH_ALLOW_HTTP = True
    settings.CERCLE_PUSH_SERVICE_HOSTS = ["127.0.0.1"]
    settings.CERCLE_PUSH_CONCURRENCY = 4
    running = start_push_service()
    yield running
    running.close()


Commit = Callable[..., Any]


def subscribe(person: Any, keys: BrowserKeys, endpoint: str) -> PushSubscription:
    client = api(person)
    answer = client.post(
        SUBSCRIPTIONS,
        keys.subscription(endpoint),
        content_type="application/json",
        HTTP_USER_AGENT=FIREFOX_ANDROID,
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["label"] == "Firefox · Android"
    return PushSubscription.objects.get(pk=answer.json()["id"])


def mention(commit: Commit) -> tuple[Any, Any, Notification]:
    anne = make_user(username="anne", first_name="Anne", last_name="Martin")
    bob = make_user(username="bob", first_name="Bob", last_name="Durand")
    space = make_space(owner=anne, members=(bob,))
    return anne, bob, space


def post_mentioning(commit: Commit, anne: Any, space: Any) -> Notification:
    with commit(execute=True):
        feed_actions.create_post(actor=anne, space=space, body="Hello @bob")
    return Notification.objects.get(recipient__username="bob", kind="mention")


def test_a_notification_reaches_each_device_encrypted_for_it(
    service: PushService, django_capture_on_commit_callbacks: Commit
) -> None:
    anne, bob, space = mention(django_capture_on_commit_callbacks)
    phone, laptop = BrowserKeys.new(), BrowserKeys.new()
    subscribe(bob, phone, service.endpoint("phone"))
    subscribe(bob, laptop, service.endpoint("laptop"))
    subscribe(anne, BrowserKeys.new(), service.endpoint("anne"))

    notification = post_mentioning(django_capture_on_commit_callbacks, anne, space)

    expected = {
        "type": "notification",
        "id": notification.pk,
        "title": "Cercle",
        "body": "Anne Martin mentioned you “Hello @bob”",
        "url": notification_queries.open_url(notification),
        "tag": f"notification-{notification.pk}",
        "icon": "/icons/192.png",
        "lang": bob.language or "en",
    }
    for name, keys in (("phone", phone), ("laptop", laptop)):
        [received] = service.to(name)
        assert keys.decrypt(received) == expected
        assert int(received.headers["ttl"]) == push.TTL
        claims = vapid_claims(received, push.public_key())
        assert claims["aud"] == service.base
        assert claims["sub"].startswith("mailto:")
        assert claims["exp"] > datetime.datetime.now().timestamp()
        assert claims["exp"] <= datetime.datetime.now().timestamp() + push.VAPID_LIFETIME
    # Signed once for the push service, not once a device: the same token on both requests.
    assert (
        service.to("phone")[0].headers["authorization"]
        == service.to("laptop")[0].headers["authorization"]
    )
    # The other key cannot read it: encrypted for each browser.
    with pytest.raises(Exception):  # noqa: B017 - http_ece raises its own or InvalidTag
        laptop.decrypt(service.to("phone")[0])
    assert service.to("anne") == []  # the author is not told about her own post
    notification.refresh_from_db()
    assert notification.pushed_at is not None
    assert PushSubscription.objects.filter(person=bob, last_success_at__isnull=False).count() == 2


def test_an_expired_subscription_is_dropped_the_others_still_served(
    service: PushService, django_capture_on_commit_callbacks: Commit
) -> None:
    anne, bob, space = mention(django_capture_on_commit_callbacks)
    service.statuses["/push/gone"] = 410
    service.statuses["/push/missing"] = 404
    service.statuses["/push/busy"] = 503
    keys = BrowserKeys.new()
    subscribe(bob, BrowserKeys.new(), service.endpoint("gone"))
    subscribe(bob, BrowserKeys.new(), service.endpoint("missing"))
    busy = subscribe(bob, BrowserKeys.new(), service.endpoint("busy"))
    subscribe(bob, keys, service.endpoint("ok"))

    post_mentioning(django_capture_on_commit_callbacks, anne, space)

    assert len(service.to("gone")) == len(service.to("missing")) == 1
    assert keys.decrypt(service.to("ok")[0])["body"] == "Anne Martin mentioned you “Hello @bob”"
    # Gone for good: dropped; a service that is only busy keeps the subscription.
    left = set(PushSubscription.objects.filter(person=bob).values_list("endpoint", flat=True))
    assert left == {service.endpoint("busy"), service.endpoint("ok")}
    busy.refresh_from_db()
    assert busy.last_success_at is None


def test_preferences_and_quiet_hours_keep_pushes_away(
    service: PushService, django_capture_on_commit_callbacks: Commit
) -> None:
    anne, bob, space = mention(django_capture_on_commit_callbacks)
    keys = BrowserKeys.new()
    subscribe(bob, keys, service.endpoint("phone"))

    # Mentions not pushed (still mailed and listed).
    answer = call(
        api(bob), "patch", "/api/v1/notifications/preferences", {"push": {"mention": False}}
    )
    assert answer.status_code == 200
    assert {k["kind"]: k["push"] for k in answer.json()["kinds"]}["mention"] is False
    assert Preference.objects.get(user=bob, kind="mention").email is True
    first = post_mentioning(django_capture_on_commit_callbacks, anne, space)
    assert service.to("phone") == []
    first.refresh_from_db()
    assert first.pushed_at is None

    # Pushed again, but within quiet hours (around now, in Bob's time zone): nothing.
    Preference.objects.filter(user=bob).update(push=True)
    actions.mark_read(actor=bob, notification=first)
    now = timezone.now().astimezone(datetime.UTC)
    QuietHours.objects.create(
        user=bob,
        start=(now - datetime.timedelta(hours=1)).time(),
        end=(now + datetime.timedelta(hours=1)).time(),
    )
    bob.time_zone = "UTC"
    bob.save(update_fields=["time_zone"])
    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, space=space, body="Again @bob")
    assert service.to("phone") == []

    # Outside them: pushed.
    QuietHours.objects.filter(user=bob).update(
        start=(now + datetime.timedelta(hours=2)).time(),
        end=(now + datetime.timedelta(hours=3)).time(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, space=space, body="Third @bob")
    [received] = service.to("phone")
    assert keys.decrypt(received)["type"] == "notification"


def test_the_settings_page_turns_push_off_per_kind(
    django_capture_on_commit_callbacks: Commit,
) -> None:
    bob = make_user()
    client = Client()
    client.force_login(bob)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200
    assert b'name="push_mention"' in page.content
    assert b"No device receives your notifications yet." in page.content
    form = {"email_mention": "on", "digest_mention": "on"}  # push_mention unticked
    assert client.post("/notifications/settings/", form).status_code == 302
    assert Preference.objects.get(user=bob, kind="mention").push is False


def test_reading_a_notification_clears_it_from_the_devices(
    service: PushService, django_capture_on_commit_callbacks: Commit
) -> None:
    anne, bob, space = mention(django_capture_on_commit_callbacks)
    phone, laptop = BrowserKeys.new(), BrowserKeys.new()
    subscribe(bob, phone, service.endpoint("phone"))
    subscribe(bob, laptop, service.endpoint("laptop"))
    notification = post_mentioning(django_capture_on_commit_callbacks, anne, space)

    # Opened on the laptop (its link marks it read): both devices are told to close it.
    client = Client()
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(notification_queries.open_url(notification)).status_code == 302
    for name, keys in (("phone", phone), ("laptop", laptop)):
        assert [keys.decrypt(r) for r in service.to(name)][1:] == [
            {"type": "clear", "tags": [f"notification-{notification.pk}"]}
        ]
    # Read again: nothing more. Read all (one pushed, unread): all cleared.
    notification.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_read(actor=bob, notification=notification)
    assert len(service.to("phone")) == 2
    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, space=space, body="Again @bob")
    with django_capture_on_commit_callbacks(execute=True):
        assert call(api(bob), "post", "/api/v1/notifications/read-all").status_code == 200
    assert phone.decrypt(service.to("phone")[-1]) == {"type": "clear", "tags": None}
    assert len(service.to("phone")) == 4


def test_a_notification_never_pushed_sends_no_clear(
    service: PushService, django_capture_on_commit_callbacks: Commit
) -> None:
    anne, bob, space = mention(django_capture_on_commit_callbacks)
    notification = post_mentioning(django_capture_on_commit_callbacks, anne, space)
    subscribe(bob, BrowserKeys.new(), service.endpoint("phone"))  # subscribed afterwards
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_read(actor=bob, notification=notification)
    assert service.to("phone") == []


def test_refused_subscriptions_change_nothing(service: PushService) -> None:
    bob = make_user()
    client = api(bob)
    keys = BrowserKeys.new()
    good = keys.subscription(service.endpoint("phone"))
    bad: list[Any] = [
        {**good, "endpoint": "https://evil.example.com/push/1"},
        {**good, "endpoint": "ftp://127.0.0.1/push"},
        {**good, "endpoint": "not a url"},
        {**good, "endpoint": "http://127.0.0.1:99999/push"},
        {**good, "endpoint": "x" * 2000},
        {**good, "keys": {"p256dh": "abc", "auth": good["keys"]["auth"]}},
        {**good, "keys": {"p256dh": good["keys"]["p256dh"], "auth": "%%%%"}},
        {**good, "keys": {"p256dh": good["keys"]["auth"], "auth": good["keys"]["p256dh"][:22]}},
        {**good, "keys": {}},
        {"endpoint": good["endpoint"]},
        [],
        "nul\x00byte",
    ]
    for payload in bad:
        assert_4xx(call(client, "post", SUBSCRIPTIONS, payload))
    assert not PushSubscription.objects.exists()
    # Signed out: refused.
    assert call(api(), "post", SUBSCRIPTIONS, good).status_code == 401


def test_plain_http_push_services_are_refused_outside_tests(settings: Any) -> None:
    settings.CERCLE_PUSH_SERVICE_HOSTS = ["fcm.googleapis.com", ".push.apple.com"]
    settings.CERCLE_PUSH_ALLOW_HTTP = False
    assert push.endpoint_allowed("https://fcm.googleapis.com/fcm/send/abc")
    assert push.endpoint_allowed("https://web.push.apple.com/QOx")
    assert not push.endpoint_allowed("http://fcm.googleapis.com/fcm/send/abc")
    assert not push.endpoint_allowed("https://push.apple.com.evil.example/x")
    assert not push.endpoint_allowed("https://evilpush.apple.com/x")
    assert not push.endpoint_allowed("https://127.0.0.1/x")


def test_devices_are_listed_and_removed_by_their_person_only(service: PushService) -> None:
    bob, eve = make_user(), make_user()
    mine = subscribe(bob, BrowserKeys.new(), service.endpoint("phone"))
    theirs = subscribe(eve, BrowserKeys.new(), service.endpoint("eve"))

    listed = api(bob).get(SUBSCRIPTIONS).json()
    assert [d["id"] for d in listed] == [mine.pk]
    assert listed[0]["label"] == "Firefox · Android"
    # Another's device, or no such device: the same 404, nothing removed.
    for odd in [str(theirs.pk), *ODD_IDS]:
        answer = api(bob).delete(f"{SUBSCRIPTIONS}/{odd}")
        assert 400 <= answer.status_code < 500, (odd, answer.status_code)
    assert PushSubscription.objects.count() == 2

    client = Client()
    client.force_login(bob)
    page = client.get("/notifications/settings/")
    assert b"Firefox \xc2\xb7 Android" in page.content
    assert client.post(f"/notifications/devices/{theirs.pk}/remove/").status_code == 404
    response = client.post(f"/notifications/devices/{mine.pk}/remove/")
    assert response.status_code == 302
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert AuditEntry.objects.filter(action="notifications.device_removed").count() == 1
    assert AuditEntry.objects.filter(action="notifications.device_added").count() == 2

    # Unsubscribing by endpoint (the page's "turn off"), whether or not it is known.
    answer = call(api(eve), "post", "/api/v1/notifications/push/unsubscribe", {"endpoint": "x"})
    assert answer.status_code == 204
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()
    answer = call(
        api(eve), "post", "/api/v1/notifications/push/unsubscribe", {"endpoint": theirs.endpoint}
    )
    assert answer.status_code == 204
    assert not PushSubscription.objects.exists()


def test_an_endpoint_subscribed_again_moves_to_the_person_signed_in(service: PushService) -> None:
    bob, eve = make_user(), make_user()
    keys = BrowserKeys.new()
    subscribe(bob, keys, service.endpoint("shared"))
    subscribe(eve, keys, service.endpoint("shared"))
    assert list(PushSubscription.objects.values_list("person_id", flat=True)) == [eve.pk]


def test_vapid_keys_are_made_once_shown_and_rotated(service: PushService) -> None:
    bob = make_user()
    key = api(bob).get("/api/v1/notifications/push/key").json()["public_key"]
    assert len(push._b64decode(key)) == 65
    assert api(bob).get("/api/v1/notifications/push/key").json()["public_key"] == key
    subscribe(bob, BrowserKeys.new(), service.endpoint("phone"))

    out = io.StringIO()
    call_command("vapid_keys", stdout=out)
    assert key in out.getvalue()
    out = io.StringIO()
    call_command("vapid_keys", "--rotate", stdout=out)
    new = push.public_key()
    assert new != key and new in out.getvalue()
    assert not PushSubscription.objects.exists()
    assert AuditEntry.objects.filter(action="notifications.vapid_rotated").exists()


def test_a_space_post_fans_out_to_every_member_device(
    service: PushService, django_capture_on_commit_callbacks: Commit
) -> None:
    anne = make_user(first_name="Anne", last_name="Martin")
    members = [make_user() for _ in range(6)]
    space = make_space(owner=anne, members=tuple(members))
    keys = {}
    for i, person in enumerate(members):
        keys[i] = BrowserKeys.new()
        subscribe(person, keys[i], service.endpoint(f"m{i}"))
    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, space=space, body="News for everyone")
    for i, person in enumerate(members):
        [received] = service.to(f"m{i}")
        got = keys[i].decrypt(received)
        assert got["id"] == Notification.objects.get(recipient=person).pk
        assert got["body"].startswith("Anne Martin")


def test_a_subject_no_longer_visible_is_not_pushed(
    service: PushService, django_capture_on_commit_callbacks: Commit
) -> None:
    """Between the notification and its push, Bob left the private space: nothing reaches his
    device (only the notification's own subject type's rule is asked: `still_visible`)."""
    from cercle.spaces.models import Membership

    anne = make_user(first_name="Anne", last_name="Martin")
    bob = make_user(username="bob", first_name="Bob")
    space = make_space(owner=anne, kind="private", members=(bob,))
    phone = BrowserKeys.new()
    subscribe(bob, phone, service.endpoint("phone"))
    with django_capture_on_commit_callbacks(execute=False):
        feed_actions.create_post(actor=anne, space=space, body="Hello @bob")
    notification = Notification.objects.get(recipient=bob, kind="mention")
    assert notification_queries.still_visible(notification)
    Membership.objects.filter(user=bob, space=space).delete()
    assert not notification_queries.still_visible(notification)
    assert push.deliver([notification.pk]) == 0
    assert service.to("phone") == []
    notification.refresh_from_db()
    assert notification.pushed_at is None


def test_a_push_task_is_queued_only_for_people_with_a_device(
    settings: Any, django_capture_on_commit_callbacks: Commit
) -> None:
    """Most people have no device subscribed: their notifications queue no push task (one
    query once committed instead of a task each for the worker)."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}
    }
    from django_tasks import default_task_backend

    anne, bob, _space = mention(django_capture_on_commit_callbacks)
    carl = make_user(username="carl")
    space_members = make_space(owner=anne, members=(bob, carl))
    PushSubscription.objects.create(
        person=bob, endpoint="https://push.example/bob", p256dh="k", auth="a"
    )

    def queued() -> list[list[int]]:
        return [
            list(result.args[0])
            for result in default_task_backend.results  # type: ignore[attr-defined]
            if result.task.name == "push_notifications"
        ]

    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, space=space_members, body="Hello @bob and @carl")
    to_bob = Notification.objects.get(recipient=bob, kind="mention")
    assert Notification.objects.filter(recipient=carl, kind="mention").exists()
    assert queued() == [[to_bob.pk]]  # Carl's notification: none queued

    default_task_backend.clear()  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, space=space_members, body="Hello @carl")
    assert queued() == []
