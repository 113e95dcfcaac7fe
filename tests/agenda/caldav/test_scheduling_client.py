"""RFC 6638 scheduling with a real client, the `caldav` library, over HTTP on loopback
(pytest-django's live server): the organiser's client saves an event with invitations, the
invitee's client finds it in her own calendar and accepts it, the organiser asks when she is
busy through the outbox, drops an attendee, and deletes the event."""

from __future__ import annotations

import datetime as dt
from typing import Any

import caldav
import pytest
from django.core import mail

from cercle.accounts.actions.auth import create_api_token
from cercle.agenda.models import Event, Invitation
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

MEETING = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:comite-client@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Paris:20260310T090000
DTEND;TZID=Europe/Paris:20260310T100000
SUMMARY:Comité de pilotage
END:VEVENT
END:VCALENDAR
"""


def connect(live_server: Any, user: Any) -> caldav.DAVClient:
    _, secret = create_api_token(user=user, name="Client")
    return caldav.DAVClient(
        url=f"{live_server.url}/.well-known/caldav", username=user.username, password=secret
    )


def own_calendar(client: caldav.DAVClient) -> Any:
    return next(c for c in client.principal().get_calendars() if str(c.url).endswith("/personal/"))


def test_scheduling_with_the_caldav_library(live_server: Any) -> None:
    orga = make_user(username="orga", email="orga@example.org", first_name="Odile")
    lea = make_user(username="lea", email="lea@example.org", first_name="Léa")
    max_ = make_user(username="max", email="max@example.org", first_name="Max")
    with connect(live_server, orga) as organiser, connect(live_server, lea) as invitee:
        principal = organiser.principal()
        address = principal.get_vcal_address()
        assert str(address) == "mailto:orga@example.org"
        assert str(principal.schedule_inbox().url).endswith(f"/principals/{orga.pk}/inbox/")
        assert str(principal.schedule_outbox().url).endswith(f"/principals/{orga.pk}/outbox/")
        assert list(principal.schedule_inbox().get_objects()) == []  # delivered into calendars

        calendar = own_calendar(organiser)
        calendar.save_with_invites(
            MEETING, [("Léa", "lea@example.org"), "max@example.org", "someone@elsewhere.example"]
        )
        event = Event.objects.get(uid="comite-client@test")
        assert sorted(event.invitations.values_list("person__username", flat=True)) == [
            "lea",
            "max",
        ]
        assert {m.to[0] for m in mail.outbox} == {"lea@example.org", "max@example.org"}

        # Léa's client: the invitation is in her own calendar; she accepts it there.
        hers = own_calendar(invitee)
        found = hers.get_event_by_uid("comite-client@test")
        found.change_attendee_status(partstat="ACCEPTED")
        found.save()
        assert Invitation.objects.get(event=event, person=lea).answer == "yes"

        # Free/busy through the outbox: Léa is busy at the meeting (she accepted).
        busy = principal.freebusy_request(
            dt.datetime(2026, 3, 10, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 11, tzinfo=dt.UTC),
            [invitee.principal().get_vcal_address()],
        )
        reply = busy["mailto:lea@example.org"].icalendar_instance
        periods = reply.walk("VFREEBUSY")[0].get("freebusy")
        periods = periods if isinstance(periods, list) else [periods]
        assert [p.dt for p in periods] == [
            (
                dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC),
                dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC),
            )
        ]

        # The organiser drops Max: he is un-invited (and mailed the cancellation).
        mail.outbox.clear()
        mine = calendar.get_event_by_uid("comite-client@test")
        component = mine.icalendar_component
        kept = [a for a in component.get("attendee") if "max@" not in str(a).lower()]
        component.pop("attendee")
        for attendee in kept:
            component.add("attendee", attendee)
        mine.save()
        assert not Invitation.objects.filter(event=event, person=max_).exists()
        assert [m.to for m in mail.outbox] == [["max@example.org"]]

        # Deleting it cancels it for everyone.
        mail.outbox.clear()
        calendar.get_event_by_uid("comite-client@test").delete()
        assert not Event.objects.filter(uid="comite-client@test").exists()
        assert [m.to for m in mail.outbox] == [["lea@example.org"]]
        assert list(hers.get_objects()) == []
