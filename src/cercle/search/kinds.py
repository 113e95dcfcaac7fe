"""People and spaces: lower layers than search, so search registers their kinds itself, with
their own modules' rules (`accounts.queries.listed_profiles`, `spaces.queries.visible_spaces`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts import queries as account_queries
from cercle.accounts.models import Profile, User
from cercle.search.registry import Entry, SearchKind, Watch
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space, SpaceKind


def _person(profile: Profile) -> Entry | None:
    user = profile.user
    if not user.is_active:
        return None
    details = [
        profile.job_title,
        profile.team,
        profile.department.name if profile.department else "",
        profile.site.name if profile.site else "",
        user.username,
    ]
    return Entry(
        title=user.display_name,
        body=" · ".join(part for part in details if part),
        url=reverse("profile", args=[user.username]),
        date=user.date_joined,
        language=language_of(user.language),
        author_id=user.pk,
    )


def visible_people(viewer: User) -> QuerySet[Any]:
    return account_queries.listed_profiles(viewer)


def _space(space: Space) -> Entry:
    return Entry(
        title=space.name,
        body=space.description,
        url=reverse("space", args=[space.slug]),
        date=space.created_at,
        space_id=space.pk,
    )


def visible_spaces(viewer: User) -> QuerySet[Space]:
    """The spaces `viewer` may see, less the secret ones they are not a member of (an invitation
    lets them open it, but search never names a secret space to a non-member)."""
    return space_queries.visible_spaces(viewer).filter(
        ~Q(kind=SpaceKind.SECRET) | Q(pk__in=space_queries.member_space_ids(viewer))
    )


def register() -> None:
    register_kind(
        SearchKind(
            key="person",
            label=_("People"),
            model=Profile,
            entry=_person,
            visible=visible_people,
            rows=lambda: Profile.objects.select_related("user", "department", "site"),
            order=10,
            suggest=True,
            fields=frozenset({"job_title", "team", "department", "site"}),
            watch=(
                Watch(
                    model=User,
                    object_ids=lambda user: [user.pk],
                    fields=frozenset(
                        {"first_name", "last_name", "username", "is_active", "language"}
                    ),
                ),
            ),
        )
    )
    register_kind(
        SearchKind(
            key="space",
            label=_("Spaces"),
            model=Space,
            entry=_space,
            visible=visible_spaces,
            rows=lambda: Space.objects.all(),
            order=20,
            suggest=True,
            fields=frozenset({"name", "description", "slug"}),
        )
    )
