"""Invitations and changes notify in the app, through the notifications registry; nothing reaches
someone who declined, nor survives the event's cancellation."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from cercle.agenda import actions
from cercle.notifications import queries as notification_queries
from cercle.notifications.models import Notification
from cercle.notifications.queries import describe
from cercle.notifications.registry import kind
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db


def test_invitations_and_changes_notify_those_who_have_not_declined() -> None:
    organiser = make_user(first_name="Anne", last_name="Martin")
    yes, no = make_user(), make_user()
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=3", visibility="private")
    actions.invite(actor=organiser, event=event, people=[yes, no])
    invited = Notification.objects.get(recipient=yes, kind="event_invitation")
    registered = kind("event_invitation")
    assert registered is not None
    with translation.override("en"):
        assert registered.describe(invited) == "Anne Martin invited you to an event"
        # The whole line names the event (its title, quoted).
        assert describe(invited) == f"Anne Martin invited you to an event “{event.title}”"
    assert registered.link(invited) == f"/agenda/events/{event.pk}/"
    actions.respond(actor=no, event=event, answer="no")
    actions.change_event(
        actor=organiser,
        event=event,
        scope="this",
        occurrence=dt.datetime(2026, 3, 9, 9, tzinfo=ZoneInfo("Europe/Paris")),
        details=actions.Details(title="Déplacé"),
    )
    assert set(
        Notification.objects.filter(kind="event_changed").values_list("recipient_id", flat=True)
    ) == {yes.pk}
    assert notification_queries.visible_notifications(yes).count() == 2
    # Cancelled: the event is gone, and so are its notifications from every list.
    actions.cancel_event(actor=organiser, event=event)
    assert notification_queries.visible_notifications(yes).count() == 0
