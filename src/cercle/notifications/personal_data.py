"""Notifications in the registry of personal data (`cercle.core.personal_data`): what a person
was notified of, their notification settings; all of it goes with an erasure."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from cercle.accounts.models import User
from cercle.accounts.personal_data import erased_username
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter, IndexRow, rewritten_mentions
from cercle.notifications.models import (
    Notification,
    Preference,
    PushSubscription,
    QuietHours,
    SpaceSetting,
)


def export(person: User, writer: ExportWriter) -> None:
    notifications = list(
        Notification.objects.filter(recipient=person)
        .order_by("created_at", "id")
        .values("kind", "subject_type", "subject_id", "detail_text", "created_at", "read_at")
    )
    preferences = list(
        Preference.objects.filter(user=person).values("kind", "email", "digest", "push")
    )
    section = writer.section("notifications", gettext_lazy("Notifications"))
    path = writer.write_json(
        "notifications/notifications.json",
        {"notifications": notifications, "preferences": preferences},
    )
    writer.add_row(
        section,
        IndexRow(
            text=gettext("%(count)s notifications") % {"count": len(notifications)}, link=path
        ),
    )


def erase(person: User, rule: ErasureRule) -> None:
    Notification.objects.filter(recipient=person).delete()
    Preference.objects.filter(user=person).delete()
    SpaceSetting.objects.filter(user=person).delete()
    QuietHours.objects.filter(user=person).delete()
    PushSubscription.objects.filter(person=person).delete()
    # Others' notifications of what they did stay, naming the anonymised person; the subjects'
    # titles they quote (a post's first words) name the anonymised account where they mentioned
    # the person, as the posts themselves do (feed's erasure).
    old, new = person.username, erased_username(person)
    fields = ["subject_title", "detail_text"]
    for batch in rewritten_mentions(
        Notification.objects.all(),
        fields,
        old,
        new,
        limits={"subject_title": 120, "detail_text": 500},
    ):
        Notification.objects.bulk_update(batch, fields)


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="notifications",
            label=gettext_lazy("Notifications"),
            export=export,
            erase=erase,
        )
    )
