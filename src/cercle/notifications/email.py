"""Notification e-mails: one mail per mention or invitation not seen in time, and a daily digest.

Rules: the person is active and has an address; the kind is mailed per their preferences;
nothing is mailed during their quiet hours (the mail waits for the next run); its subject (if
any) is still visible to them. Each mail is sent at most once (`emailed_at`, `digested_at`).
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.core.mail import absolute_url
from cercle.notifications import queries, registry
from cercle.notifications.actions import _email_delay
from cercle.notifications.models import Notification, Preference

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return absolute_url(path)


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def _still_visible(notification: Notification) -> bool:
    return queries.visible_notifications(notification.recipient).filter(pk=notification.pk).exists()


def send_if_still_unread(*, notification_id: int, now: datetime.datetime | None = None) -> bool:
    """Mail one notification if it is still unread after the delay; True if a mail was sent."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "actor", "space")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.read_at or notification.emailed_at:
            return False
        recipient = notification.recipient
        if (
            notification.kind not in registry.email_kinds()
            or not recipient.is_active
            or not recipient.email
            # A reminder waits the delay from when it was sent, not from the first notification.
            or (notification.updated_at if notification.is_reminder else notification.created_at)
            > now - _email_delay()
            or not queries.wants_email(recipient, notification.kind)
            or queries.in_quiet_hours(recipient, now)
            or not _still_visible(notification)
        ):
            return False
        with translation.override(_language(recipient)):
            subject = queries.describe(notification)
            detail = queries.detail(notification)
            body = "\n\n".join(
                [
                    subject,
                    *([detail] if detail else []),
                    _absolute(queries.target_url(notification)),
                    _("You can choose which notifications are mailed to you in your settings: %s")
                    % _absolute("/notifications/settings/"),
                ]
            )
        # Sent inside the transaction: if the SMTP server refuses, nothing is marked and the
        # next sweep tries again.
        EmailMessage(subject=f"[Cercle] {subject}", body=body, to=[recipient.email]).send()
        notification.emailed_at = now
        notification.save(update_fields=["emailed_at"])
    return True


def send_each_if_still_unread(notification_ids: list[int]) -> int:
    """`send_if_still_unread` for each; one refused by the mail server is left to the next
    sweep (`send_due_emails`) and the others are still tried."""
    sent = 0
    for notification_id in notification_ids:
        try:
            sent += send_if_still_unread(notification_id=notification_id)
        except (OSError, smtplib.SMTPException):
            logger.warning("notification %s not mailed: left to the sweep", notification_id)
    return sent


def send_due_emails(*, now: datetime.datetime | None = None) -> int:
    """The periodic sweep: mail every notification whose delay has passed (backup of the task)."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        kind__in=registry.email_kinds(),
        read_at__isnull=True,
        emailed_at__isnull=True,
        created_at__lte=now - _email_delay(),
    ).values_list("pk", flat=True)
    return sum(send_if_still_unread(notification_id=pk, now=now) for pk in list(due[:5000]))


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """One mail per person listing the unread notifications of the last day not yet digested."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=1)
    recipients = (
        Notification.objects.filter(
            read_at__isnull=True, digested_at__isnull=True, created_at__gte=since
        )
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for recipient in User.objects.filter(pk__in=list(recipients), is_active=True):
        if not recipient.email or queries.in_quiet_hours(recipient, now):
            continue
        off = set(
            Preference.objects.filter(user=recipient, digest=False).values_list("kind", flat=True)
        )
        items = [
            n
            for n in queries.visible_notifications(recipient).filter(
                read_at__isnull=True, digested_at__isnull=True, created_at__gte=since
            )[:50]
            if n.kind not in off
        ]
        if not items:
            continue
        with translation.override(_language(recipient)):
            subject = _("What you missed on Cercle")
            lines = [
                f"- {queries.describe(n)}: {_absolute(queries.target_url(n))}"
                + (f"\n  {detail}" if (detail := queries.detail(n)) else "")
                for n in items
            ]
            body = "\n".join([subject, "", *lines])
        with transaction.atomic():
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(digested_at=now)
            EmailMessage(subject=f"[Cercle] {subject}", body=body, to=[recipient.email]).send()
        sent += 1
    return sent
