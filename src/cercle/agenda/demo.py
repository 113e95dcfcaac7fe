"""The demo organisation's agenda (`seed_demo`), written through the agenda's actions.

Listens to `cercle.accounts.hooks.DemoContentWanted` (after the feed's listener made the spaces):
- a weekly team meeting (Camille Martin's, Mondays 09:30 from three weeks ago), one occurrence
  moved to the afternoon and next week's cancelled, three colleagues invited;
- an all-hands in the whole organisation's calendar next week, eight people invited, six answers
  (yes, no with a comment, maybe);
- a two-day safety training, all day, at the Nantes plant;
- a Saturday ride in the Club vélo space's calendar.
Invitation mails are not sent (nobody reads the demo's mailboxes); notifications are, as in use.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from cercle.accounts.hooks import DemoContentWanted
from cercle.accounts.models import User
from cercle.agenda import actions, mail
from cercle.agenda.recurrence import Timing
from cercle.core.demo import backdated, demo_time
from cercle.spaces.models import Membership, Space, SpaceRole
from cercle.spaces.queries import organisation_space

PARIS = ZoneInfo("Europe/Paris")


def _people(*usernames: str) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    return [found[name] for name in usernames if name in found]


def _monday(now: dt.datetime, weeks: int) -> dt.date:
    today = now.astimezone(PARIS).date()
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def seed_demo_agenda(happening: DemoContentWanted) -> None:
    now = happening.now
    counts = happening.counts
    with mail.quiet():
        events, invitations = _seed(now)
    counts["events"] = counts.get("events", 0) + events
    counts["event invitations"] = counts.get("event invitations", 0) + invitations


def _seed(now: dt.datetime) -> tuple[int, int]:
    people = _people(
        "camille.martin",
        "helene.rousseau",
        "zoe.bonnet",
        "laure.dumas",
        "julie.fournier",
        "maxime.dupont",
        "sylvie.lucas",
        "olivier.dubois",
        "chloe.lemoine",
        "nicolas.brunet",
        "fatima.bouzid",
    )
    by_name = {p.username: p for p in people}
    if "camille.martin" not in by_name or "julie.fournier" not in by_name:
        return 0, 0
    events = invitations = 0

    # A weekly team meeting, with a moved and a cancelled occurrence.
    camille = by_name["camille.martin"]
    first = _monday(now, -3)
    with backdated(demo_time(now, 24, 9, 0)):
        meeting = actions.create_event(
            actor=camille,
            calendar=actions.personal_calendar(camille),
            details=actions.Details(
                title="Point d'équipe communication",
                description="Tour de table, **priorités de la semaine**, points bloquants.",
                place="Siège, salle Lumière",
            ),
            timing=Timing.timed(_at(first, 9, 30), _at(first, 10, 15), "Europe/Paris"),
            rule="FREQ=WEEKLY;BYDAY=MO",
        )
        team = _people("helene.rousseau", "zoe.bonnet", "laure.dumas")
        invitations += len(actions.invite(actor=camille, event=meeting, people=team))
    events += 1
    with backdated(demo_time(now, 9, 8, 40)):
        moved = _monday(now, -1)
        actions.change_event(
            actor=camille,
            event=meeting,
            scope=actions.THIS,
            occurrence=_at(moved, 9, 30),
            timing=Timing.timed(_at(moved, 14), _at(moved, 14, 45), "Europe/Paris"),
        )
    with backdated(demo_time(now, 1, 17, 0)):
        actions.cancel_event(
            actor=camille,
            event=meeting,
            scope=actions.THIS,
            occurrence=_at(_monday(now, 1), 9, 30),
        )

    # The all-hands, next week, in the organisation's calendar, with answers.
    julie = by_name["julie.fournier"]
    thursday = _monday(now, 1) + dt.timedelta(days=3)
    with backdated(demo_time(now, 6, 11, 0)):
        all_hands = actions.create_event(
            actor=julie,
            calendar=actions.space_calendar(organisation_space()),
            details=actions.Details(
                title="Réunion générale de printemps",
                description="Résultats du trimestre, projet Aurora, questions de la salle.",
                place="Siège, auditorium",
                meeting_url="https://visio.atelier-lumen.example/reunion-generale",
            ),
            timing=Timing.timed(_at(thursday, 16), _at(thursday, 17, 30), "Europe/Paris"),
        )
        invited = [
            p
            for p in people
            if p.username not in ("julie.fournier", "fatima.bouzid", "camille.martin")
        ]
        invitations += len(actions.invite(actor=julie, event=all_hands, people=invited))
    events += 1
    answers = (
        ("helene.rousseau", "yes", ""),
        ("zoe.bonnet", "yes", ""),
        ("laure.dumas", "no", "En déplacement à Nantes ce jour-là."),
        ("maxime.dupont", "maybe", "Je confirme lundi."),
        ("sylvie.lucas", "yes", ""),
        ("olivier.dubois", "yes", "Je viendrai avec l'équipe R&D."),
    )
    for days_ago, (username, answer, comment) in zip((5, 5, 4, 3, 2, 1), answers, strict=True):
        if username in by_name:
            with backdated(demo_time(now, days_ago, 10, 15)):
                actions.respond(
                    actor=by_name[username], event=all_hands, answer=answer, comment=comment
                )

    # A two-day training, all day, at the Nantes plant.
    if "fatima.bouzid" in by_name:
        fatima = by_name["fatima.bouzid"]
        training = _monday(now, 2) + dt.timedelta(days=1)
        with backdated(demo_time(now, 4, 14, 0)):
            actions.create_event(
                actor=fatima,
                calendar=actions.personal_calendar(fatima),
                details=actions.Details(
                    title="Formation sécurité machines",
                    place="Usine de Nantes, salle de formation",
                ),
                timing=Timing.dates(training, training + dt.timedelta(days=2), "Europe/Paris"),
            )
        events += 1

    # A ride in the Club vélo space.
    club = Space.objects.filter(name="Club vélo").first()
    owning = (
        Membership.objects.filter(space=club, role=SpaceRole.OWNER).select_related("user").first()
        if club is not None
        else None
    )
    if club is not None and owning is not None:
        owner = owning.user
        saturday = _monday(now, 1) + dt.timedelta(days=5)
        with backdated(demo_time(now, 2, 12, 30)):
            actions.create_event(
                actor=owner,
                calendar=actions.space_calendar(club),
                details=actions.Details(
                    title="Sortie vélo : les bords du Rhône",
                    description="45 km, rythme tranquille. Départ devant le siège.",
                    place="Parvis du siège",
                ),
                timing=Timing.timed(_at(saturday, 9), _at(saturday, 12), "Europe/Paris"),
            )
        events += 1
    return events, invitations
