"""The demo organisation's agenda: what the README describes, written through the actions, with
no invitation mailed."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core import mail as django_mail
from django.core.management import call_command

from cercle.agenda.models import Event, Invitation, Occurrence

pytestmark = pytest.mark.django_db


def test_the_demo_month_has_a_weekly_meeting_an_all_hands_a_training_and_a_ride(
    mailoutbox: Any,
) -> None:
    call_command("seed_demo", stdout=StringIO())
    meeting = Event.objects.get(title="Point d'équipe communication")
    assert meeting.rule.startswith("FREQ=WEEKLY")
    exceptions = list(Occurrence.objects.filter(event=meeting))
    assert sorted(o.cancelled for o in exceptions) == [False, True]
    all_hands = Event.objects.get(title="Réunion générale de printemps")
    assert all_hands.calendar.space is not None and all_hands.calendar.space.is_organisation
    answers = sorted(Invitation.objects.filter(event=all_hands).values_list("answer", flat=True))
    assert answers.count("yes") == 4 and "no" in answers and "maybe" in answers
    assert answers.count("pending") == 2
    assert Event.objects.get(title="Formation sécurité machines").all_day
    ride = Event.objects.get(title__startswith="Sortie vélo")
    assert ride.calendar.space is not None and ride.calendar.space.name == "Club vélo"
    assert not [m for m in django_mail.outbox if "Invitation" in m.subject]
