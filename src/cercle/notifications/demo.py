"""The demo organisation's notifications after its month was written (`seed_demo`).

The demo's posts, comments, mentions and invitations notified people as they would in real use,
dated as written. Someone using Cercle for a month has read most of them and was mailed those
that mail: listening to `cercle.accounts.hooks.DemoContentWritten`, the notifications older than
`READ_AFTER` are marked read, and every demo notification is marked mailed and digested, so that
`make run`'s mail sweep does not send a month of mail to the demo's made-up addresses. The bell
still shows the last days' notifications.
"""

from __future__ import annotations

import datetime

from django.db.models import F

from cercle.accounts.hooks import DemoContentWritten
from cercle.notifications.models import Notification

READ_AFTER = datetime.timedelta(days=3)


def settle_demo_notifications(happening: DemoContentWritten) -> None:
    unsent = Notification.objects.filter(created_at__lte=happening.now)
    unsent.filter(emailed_at__isnull=True).update(emailed_at=F("created_at"))
    unsent.filter(digested_at__isnull=True).update(digested_at=F("created_at"))
    unsent.filter(read_at__isnull=True, updated_at__lt=happening.now - READ_AFTER).update(
        read_at=F("updated_at")
    )
    happening.counts["notifications"] = unsent.count()
