"""Announcements in the registry of personal data (`cercle.core.personal_data`): which
announcements a person confirmed reading; the receipts go with an erasure."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.announcements.models import AnnouncementReceipt
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter


def export(person: User, writer: ExportWriter) -> None:
    receipts = list(
        AnnouncementReceipt.objects.filter(user=person)
        .order_by("id")
        .values("announcement__post_id", "dismissed_at", "acknowledged_at")
    )
    writer.write_json("announcements/read-confirmations.json", receipts)


def erase(person: User, rule: ErasureRule) -> None:
    AnnouncementReceipt.objects.filter(user=person).delete()


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="announcements",
            label=gettext_lazy("Announcements"),
            export=export,
            erase=erase,
        )
    )
