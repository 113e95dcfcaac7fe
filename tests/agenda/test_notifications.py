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
    # Cancelled: the event is gone, and so are its notifications from every list; what is left
    # is the notice of its cancellation.
    actions.cancel_event(actor=organiser, event=event)
    assert [n.kind for n in notification_queries.visible_notifications(yes)] == ["event_cancelled"]


def test_a_whole_event_cancelled_tells_each_invitee_who_had_not_declined_once() -> None:
    organiser = make_user(first_name="Anne", last_name="Martin")
    yes, maybe, no, pending = make_user(), make_user(), make_user(), make_user()
    gone = make_user()
    event = make_event(organiser=organiser, title="Point projet", visibility="private")
    actions.invite(actor=organiser, event=event, people=[yes, maybe, no, pending, gone])
    actions.respond(actor=yes, event=event, answer="yes")
    actions.respond(actor=maybe, event=event, answer="maybe")
    actions.respond(actor=no, event=event, answer="no")
    gone.is_active = False
    gone.save()
    actions.cancel_event(actor=organiser, event=event)
    told = Notification.objects.filter(kind="event_cancelled")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [yes.pk, maybe.pk, pending.pk]
    )
    notice = notification_queries.visible_notifications(yes).get(kind="event_cancelled")
    registered = kind("event_cancelled")
    assert registered is not None
    with translation.override("en"):
        assert (
            describe(notice) == "Anne Martin cancelled an event you were invited to “Point projet”"
        )
    with translation.override("fr"):
        assert describe(notice).startswith("Anne Martin a annulé un événement")
    assert registered.link(notice) == "/agenda/"
    assert registered.email is False  # the CANCEL mail is the mail
    # Nobody else sees it; the organiser is not told of their own act.
    assert not Notification.objects.filter(recipient=organiser).exists()
    assert notification_queries.visible_notifications(make_user()).count() == 0


def test_cancelled_occurrences_tell_the_invitees_once_grouped() -> None:
    organiser = make_user(first_name="Anne", last_name="Martin")
    yes, no = make_user(), make_user()
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=5")
    actions.invite(actor=organiser, event=event, people=[yes, no])
    actions.respond(actor=no, event=event, answer="no")
    paris = ZoneInfo("Europe/Paris")
    for day in (9, 16):
        actions.cancel_event(
            actor=organiser,
            event=event,
            scope="this",
            occurrence=dt.datetime(2026, 3, day, 9, tzinfo=paris),
        )
    actions.cancel_event(
        actor=organiser,
        event=event,
        scope="following",
        occurrence=dt.datetime(2026, 3, 23, 9, tzinfo=paris),
    )
    (notice,) = Notification.objects.filter(kind="event_cancelled")
    assert notice.recipient_id == yes.pk
    registered = kind("event_cancelled")
    assert registered is not None
    with translation.override("en"):
        assert describe(notice).startswith(
            "Anne Martin cancelled occurrences of an event you are invited to"
        )
    assert registered.link(notice) == f"/agenda/events/{event.pk}/"
    # A preference like any other kind's: listed in the person's settings.
    assert "event_cancelled" in notification_queries.preferences(yes)
