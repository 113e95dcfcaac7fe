"""Web Push: notifications sent to the person's devices (browsers that subscribed), and cleared
from them once read.

- The server's VAPID key pair (RFC 8292) is generated at first use and kept in the database
  (`VapidKey`); `manage.py vapid_keys` shows it, `--rotate` replaces it.
- `deliver(notification_ids)` (run by the `push_notifications` task after the notification's
  transaction commits) pushes each notification still unread, of a kind the person wants pushed
  (`Preference.push`), outside their quiet hours, whose subject they may still see, to each of
  their subscriptions: one JSON payload encrypted for each browser by `pywebpush` (RFC 8291,
  aes128gcm). A subscription the push service says is gone (404, 410) is dropped.
- `clear(...)` sends the "clear" payload to the devices of a person whose pushed notifications
  were read (on one device, in a tab, through the API): each device closes them.

The payloads, read by the service worker (`core/templates/core/sw.js`):
    {"type": "notification", "id": 7, "title": "Acme", "body": "Anne mentioned you",
     "url": "/notifications/7/open/", "tag": "notification-7", "icon": "/icons/192.png",
     "lang": "fr"}
    {"type": "clear", "tags": ["notification-7"]}      ("tags": null: all of them)
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from py_vapid import Vapid02

from cercle.accounts.models import User
from cercle.accounts.queries import get_organisation
from cercle.notifications import queries
from cercle.notifications.models import (
    Notification,
    Preference,
    PushSubscription,
    QuietHours,
    VapidKey,
)

logger = logging.getLogger(__name__)

# How long a push service keeps a message for a device that is off (seconds).
TTL = 24 * 3600
# Push services answer these when a subscription is gone for good.
GONE = {404, 410}
CHUNK = 200
# How long a VAPID signature stays valid (RFC 8292 allows up to 24 hours).
VAPID_LIFETIME = 3600


def tag(notification_id: int) -> str:
    return f"notification-{notification_id}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- The server's keys --------------------------------------------------------------------

_key_lock = threading.Lock()
_loaded: tuple[int, Vapid02] | None = None


def _public_key_of(vapid: Vapid02) -> str:
    return _b64(vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def new_vapid_key() -> VapidKey:
    """Generate and store a new key pair (the only row). Called at first use and by
    `actions.rotate_vapid_keys`."""
    vapid = Vapid02()
    vapid.generate_keys()
    VapidKey.objects.all().delete()
    return VapidKey.objects.create(
        private_pem=vapid.private_pem().decode("ascii"), public_key=_public_key_of(vapid)
    )


def vapid_key() -> VapidKey:
    """The server's key pair, generated at first use."""
    key = VapidKey.objects.order_by("-id").first()
    if key is None:
        with transaction.atomic():
            key = VapidKey.objects.select_for_update().order_by("-id").first() or new_vapid_key()
    return key


def public_key() -> str:
    """The application server key browsers subscribe with (base64url, uncompressed P-256)."""
    return vapid_key().public_key


def _signer() -> Vapid02:
    global _loaded
    key = vapid_key()
    with _key_lock:
        if _loaded is None or _loaded[0] != key.pk:
            _loaded = (key.pk, Vapid02.from_pem(key.private_pem.encode("ascii")))
        return _loaded[1]


def _subject() -> str:
    """Who push services may contact about our pushes (VAPID `sub`): a mailto: or https: URL."""
    configured = getattr(settings, "CERCLE_VAPID_SUBJECT", "")
    if configured:
        return str(configured)
    sender = str(getattr(settings, "DEFAULT_FROM_EMAIL", "") or "")
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    if "@" in address and address.split("@")[-1] not in ("localhost", ""):
        return f"mailto:{address}"
    return "mailto:admin@example.org"


# --- Which endpoints are accepted ---------------------------------------------------------


def endpoint_allowed(endpoint: str) -> bool:
    """An endpoint of a known push service, over HTTPS (`CERCLE_PUSH_SERVICE_HOSTS`: host names,
    a leading dot for a domain and its sub-domains): the server sends requests to it, so it must
    not be any address a person types."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return False
    del port  # parsed only to refuse a malformed port
    if not host:
        return False
    if parts.scheme != "https" and not (
        parts.scheme == "http" and getattr(settings, "CERCLE_PUSH_ALLOW_HTTP", False)
    ):
        return False
    for allowed in getattr(settings, "CERCLE_PUSH_SERVICE_HOSTS", ()):
        allowed = str(allowed).lower()
        if host == allowed.lstrip(".") or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False


def valid_keys(p256dh: str, auth: str) -> bool:
    """The browser's P-256 public key (65 bytes, uncompressed) and 16-byte auth secret."""
    try:
        point, secret = _b64decode(p256dh), _b64decode(auth)
    except (ValueError, TypeError):
        return False
    return len(point) == 65 and point[0] == 4 and len(secret) == 16


def device_label(user_agent: str) -> str:
    """ "Firefox on Android" from a User-Agent header (a hint for the person, not a check)."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("SamsungBrowser", "Samsung Internet"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "",
    )
    if browser and system:
        return f"{browser} · {system}"
    return (browser or system or ua[:60]).strip()[:120]


# --- Sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    subscription_id: int
    delivered: bool
    gone: bool


def _send(
    subscription: PushSubscription,
    payload: dict[str, Any],
    authorization: dict[str, str],
    session: Any,
) -> Outcome:
    """One encrypted POST to the subscription's push service (no database here: run in threads);
    `authorization` is the service's VAPID header (`_authorizations`)."""
    # Imported here: pywebpush brings aiohttp, a second of CPU at every process start otherwise.
    from pywebpush import WebPushException, webpush

    urgency = "normal" if payload.get("type") == "notification" else "low"
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            ttl=TTL,
            timeout=10,
            headers={**authorization, "Urgency": urgency},
            requests_session=session,
        )
    except WebPushException as exc:
        status = exc.status_code
        if status not in GONE:
            logger.warning("push to subscription %s refused: %s", subscription.pk, status)
        return Outcome(subscription.pk, delivered=False, gone=status in GONE)
    except (requests.RequestException, ValueError) as exc:
        logger.warning("push to subscription %s failed: %s", subscription.pk, exc)
        return Outcome(subscription.pk, delivered=False, gone=False)
    return Outcome(subscription.pk, delivered=True, gone=False)


def _origin(endpoint: str) -> str:
    url = urlsplit(endpoint)
    return f"{url.scheme}://{url.netloc}"


def _authorizations(endpoints: Iterable[str], signer: Vapid02) -> dict[str, dict[str, str]]:
    """One VAPID header per push service (RFC 8292: its audience is the service's origin), valid
    for the next hour: signed once for all the devices a fan-out reaches there, not once a push."""
    expires = int(time.time()) + VAPID_LIFETIME
    headers: dict[str, dict[str, str]] = {}
    for origin in {_origin(endpoint) for endpoint in endpoints}:
        signed = signer.sign({"sub": _subject(), "aud": origin, "exp": expires})
        headers[origin] = {"Authorization": signed["Authorization"]}
    return headers


def send_all(pairs: Iterable[tuple[PushSubscription, dict[str, Any]]]) -> list[Outcome]:
    """Send each payload to its subscription, `CERCLE_PUSH_CONCURRENCY` at a time; then drop the
    subscriptions that are gone and note when the others last received something."""
    work = list(pairs)
    if not work:
        return []
    authorizations = _authorizations((sub.endpoint for sub, _body in work), _signer())
    workers = max(1, int(getattr(settings, "CERCLE_PUSH_CONCURRENCY", 8)))
    session = requests.Session()
    # As many kept-alive connections per push service as threads sending to it (requests keeps
    # 10: with more threads, every push past the tenth opened a connection and dropped it).
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=workers)
    session.mount("https://", adapter)
    session.mount("http://", adapter)

    def send(pair: tuple[PushSubscription, dict[str, Any]]) -> Outcome:
        subscription, body = pair
        return _send(subscription, body, authorizations[_origin(subscription.endpoint)], session)

    try:
        if workers == 1 or len(work) == 1:
            outcomes = [send(pair) for pair in work]
        else:
            with ThreadPoolExecutor(max_workers=min(workers, len(work))) as pool:
                outcomes = list(pool.map(send, work))
    finally:
        session.close()
    gone = {o.subscription_id for o in outcomes if o.gone}
    delivered = {o.subscription_id for o in outcomes if o.delivered} - gone
    if gone:
        PushSubscription.objects.filter(pk__in=gone).delete()
    if delivered:
        PushSubscription.objects.filter(pk__in=delivered).update(last_success_at=timezone.now())
    return outcomes


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def payload(notification: Notification) -> dict[str, Any]:
    """What the service worker shows, in the recipient's language."""
    with translation.override(_language(notification.recipient)):
        body = queries.describe(notification)
    return {
        "type": "notification",
        "id": notification.pk,
        "title": get_organisation().name,
        "body": body,
        # A path: the service worker opens it on its own origin (marks it read, then goes to it).
        "url": queries.open_url(notification),
        "tag": tag(notification.pk),
        "icon": reverse("pwa_icon", args=["192"]),
        "lang": _language(notification.recipient),
    }


def _in_quiet_hours(quiet: QuietHours | None, person: User, now: datetime.datetime) -> bool:
    return quiet is not None and queries.quiet_at(quiet, person, now)


def deliver(notification_ids: Iterable[int], *, now: datetime.datetime | None = None) -> int:
    """Push each notification (see the module's rules); the number of pushes delivered."""
    now = now or timezone.now()
    delivered = 0
    ids = list(notification_ids)
    for start in range(0, len(ids), CHUNK):
        delivered += _deliver_chunk(ids[start : start + CHUNK], now)
    return delivered


def _deliver_chunk(ids: list[int], now: datetime.datetime) -> int:
    notifications = list(
        Notification.objects.filter(pk__in=ids, read_at__isnull=True, recipient__is_active=True)
        .select_related("recipient", "actor", "space")
        .order_by("id")
    )
    people = {n.recipient_id for n in notifications}
    subscriptions: dict[int, list[PushSubscription]] = {}
    for sub in PushSubscription.objects.filter(person_id__in=people).order_by("id"):
        subscriptions.setdefault(sub.person_id, []).append(sub)
    if not subscriptions:
        return 0
    off = set(
        Preference.objects.filter(user_id__in=list(subscriptions), push=False).values_list(
            "user_id", "kind"
        )
    )
    quiet = {q.user_id: q for q in QuietHours.objects.filter(user_id__in=list(subscriptions))}
    pairs: list[tuple[PushSubscription, dict[str, Any]]] = []
    pushed: list[int] = []
    for notification in notifications:
        person = notification.recipient
        devices = subscriptions.get(person.pk)
        if (
            not devices
            or (person.pk, notification.kind) in off
            or _in_quiet_hours(quiet.get(person.pk), person, now)
            or not queries.still_visible(notification)
        ):
            continue
        body = payload(notification)
        pairs.extend((device, body) for device in devices)
        pushed.append(notification.pk)
    outcomes = send_all(pairs)
    if pushed:
        Notification.objects.filter(pk__in=pushed).update(pushed_at=now)
    return sum(o.delivered for o in outcomes)


def clear(marked: dict[int, list[int] | None]) -> int:
    """Tell the devices of each person (`marked`: person id → the ids of their notifications read,
    or None for all of them) to close those notifications."""
    if not marked:
        return 0
    pairs: list[tuple[PushSubscription, dict[str, Any]]] = []
    for sub in PushSubscription.objects.filter(person_id__in=list(marked)).order_by("id"):
        ids = marked[sub.person_id]
        tags = None if ids is None else [tag(i) for i in ids]
        pairs.append((sub, {"type": "clear", "tags": tags}))
    return sum(o.delivered for o in send_all(pairs))
