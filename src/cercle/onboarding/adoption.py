"""What onboarding counts in the adoption figures (`cercle.adoption.registry`): the newcomers
(people whose account was made on a day) and how many of them finished the checklist (every
step done or skipped, as the checklist itself shows it: `queries.checklist`). Stored on the day
each newcomer arrived; the aggregation computes the last 30 days again (the checklist is shown
for `newcomer_days`, 30 by default). A few queries per newcomer who opened their checklist."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.adoption.registry import Rate, ReachMetric, ReachRow, register_reach
from cercle.onboarding.models import OnboardingState
from cercle.onboarding.queries import checklist

NEWCOMERS, FINISHED = "newcomers", "finished"


def newcomers(start: datetime, end: datetime) -> Iterable[ReachRow]:
    people = list(
        User.objects.filter(is_active=True, date_joined__gte=start, date_joined__lt=end)
        .exclude(role="guest")
        .order_by("pk")
    )
    states = {
        state.user_id: state
        for state in OnboardingState.objects.filter(user_id__in=[p.pk for p in people])
    }
    rows = []
    for person in people:
        state = states.get(person.pk)
        finished = state is not None and checklist(person, state).complete
        rows.append(
            ReachRow(
                user_id=person.pk,
                day=timezone.localdate(person.date_joined),
                counts={NEWCOMERS: 1, FINISHED: int(finished)},
            )
        )
    return rows


def register() -> None:
    register_reach(
        ReachMetric(
            key="onboarding",
            label=_("Newcomers who arrived in the period"),
            figures=((NEWCOMERS, _("Newcomers")), (FINISHED, _("Finished the checklist"))),
            rates=(Rate(label=_("Finished the checklist"), part=FINISHED, whole=NEWCOMERS),),
            rows=newcomers,
            settles_in=30,
            order=20,
        )
    )
