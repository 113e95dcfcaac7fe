"""Spaces in the registry of personal data (`cercle.core.personal_data`): the spaces a person
belongs to or follows, their requests to join; all of it goes with an erasure (the spaces stay)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter, IndexRow
from cercle.spaces.models import JoinRequest, Membership, SpaceFollow, SpaceInvitation


def export(person: User, writer: ExportWriter) -> None:
    memberships = list(
        Membership.objects.filter(user=person).select_related("space").order_by("space__name")
    )
    data = {
        "memberships": [
            {"space": item.space.name, "role": item.role, "since": item.created_at}
            for item in memberships
        ],
        "follows": list(
            SpaceFollow.objects.filter(user=person).values_list("space__name", flat=True)
        ),
        "join_requests": list(
            JoinRequest.objects.filter(user=person).values(
                "space__name", "message", "status", "created_at"
            )
        ),
    }
    section = writer.section("spaces", gettext_lazy("Spaces"))
    path = writer.write_json("spaces/spaces.json", data)
    for item in memberships:
        writer.add_row(section, IndexRow(text=item.space.name, link=path, when=item.created_at))


def erase(person: User, rule: ErasureRule) -> None:
    Membership.objects.filter(user=person).delete()
    SpaceFollow.objects.filter(user=person).delete()
    JoinRequest.objects.filter(user=person).delete()
    SpaceInvitation.objects.filter(user=person).delete()


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="spaces",
            label=gettext_lazy("Spaces"),
            export=export,
            erase=erase,
            order=900,
        )
    )
