"""The newcomer's checklist: its steps, each one done or not from what the person has really done
(a photo on the profile, skills, a language chosen, a suggested space joined, a colleague
followed), or from what the checklist itself recorded (the welcome page read, the app installed).

All the steps of one person cost a fixed number of queries (`checklist`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Follow, Profile, User, UserSkill
from cercle.core.compiled import InstancesQuery
from cercle.onboarding.models import OnboardingSettings, OnboardingState, SuggestedSpace
from cercle.spaces.models import Membership, Space
from cercle.spaces.queries import can_join

STEP_KEYS = ("photo", "skills", "preferences", "spaces", "colleagues", "welcome", "app")
# Steps the person marks done through the checklist itself (Cercle sees them nowhere else).
SELF_REPORTED = frozenset({"welcome", "app"})
COLLEAGUES_SHOWN = 6


@dataclass(frozen=True)
class Step:
    key: str
    label: str | Promise
    hint: str | Promise
    url: str
    done: bool
    skipped: bool

    @property
    def open(self) -> bool:
        return not self.done and not self.skipped


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]
    state: OnboardingState
    suggested: list[Space]
    colleagues: list[User]
    team_space: Space | None

    @property
    def finished(self) -> int:
        return sum(1 for s in self.steps if not s.open)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.finished == self.total


SETTINGS_CACHE_KEY = "cercle.onboarding.settings"


def onboarding_settings() -> OnboardingSettings:
    found = cache.get(SETTINGS_CACHE_KEY)
    if not isinstance(found, OnboardingSettings):
        found = OnboardingSettings.objects.filter(pk=1).first() or OnboardingSettings(pk=1)
        cache.set(SETTINGS_CACHE_KEY, found, 300)
    return found


def suggestions_for(profile: Profile | None) -> list[SuggestedSpace]:
    """Suggestions that apply to the person: to everyone, to their department, to their site (a
    suggestion naming both applies to people of that department at that site)."""
    department = profile.department_id if profile else None
    site = profile.site_id if profile else None
    return list(
        SuggestedSpace.objects.filter(
            Q(department__isnull=True) | Q(department_id=department),
            Q(site__isnull=True) | Q(site_id=site),
        )
        .select_related("space")
        .filter(space__archived_at__isnull=True)
    )


def suggested_space_for(user: User, space_id: int) -> Space:
    """A space suggested to `user` (what the checklist's Join button may join), else not found."""
    profile = Profile.objects.filter(user=user).first()
    for suggestion in suggestions_for(profile):
        if suggestion.space.pk == space_id:
            return suggestion.space
    raise Http404(_("No such suggested space."))


def all_suggestions() -> QuerySet[SuggestedSpace]:
    """Every suggestion, for the administrators' page."""
    return SuggestedSpace.objects.select_related("space", "department", "site")


def access_suggestion(suggestion_id: int) -> SuggestedSpace:
    suggestion = all_suggestions().filter(pk=suggestion_id).first()
    if suggestion is None:
        raise Http404(_("No such suggested space."))
    return suggestion


def colleague_to_follow(person_id: int) -> User:
    """An active person the checklist's Follow button may follow (the rule itself is
    `follow_person`'s), else not found."""
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise Http404(_("No such person."))
    return person


def colleagues_to_follow(user: User, profile: Profile | None) -> list[User]:
    """Who a newcomer is offered to follow: their manager and the people who share that manager
    (the team) first, then the rest of the department, each by name, those already followed
    left out. Each part is read in its index's order (`profile_reports_by_name`,
    `profile_dept_by_name`) and stops at the few shown: sorting a department of 100,000 people
    by first name cost 18 ms on every home page a newcomer opened."""
    if profile is None:
        return []
    people = (
        User.objects.filter(is_active=True)
        .exclude(pk=user.pk)
        .exclude(followers__follower=user)
        .select_related("profile")
        .order_by("profile__sort_name", "pk")
    )
    found: list[User] = []
    if profile.manager_id is not None:
        found = list(
            people.filter(Q(pk=profile.manager_id) | Q(profile__manager_id=profile.manager_id))[
                :COLLEAGUES_SHOWN
            ]
        )
    if len(found) < COLLEAGUES_SHOWN and profile.department_id is not None:
        seen = {person.pk for person in found}
        found += [
            person
            for person in people.filter(profile__department_id=profile.department_id)[
                : COLLEAGUES_SHOWN + len(found)
            ]
            if person.pk not in seen
        ][: COLLEAGUES_SHOWN - len(found)]
    return found


def team_space(profile: Profile | None, suggestions: list[SuggestedSpace]) -> Space | None:
    """The team's space: the first one suggested for the person's department."""
    if profile is None or profile.department_id is None:
        return None
    for suggestion in suggestions:
        if suggestion.department_id == profile.department_id:
            return suggestion.space
    return None


def is_newcomer(user: User) -> bool:
    days = onboarding_settings().newcomer_days
    return bool(user.date_joined >= timezone.now() - timedelta(days=days))


def checklist(user: User, state: OnboardingState) -> Checklist:
    settings = onboarding_settings()
    profile = Profile.objects.filter(user=user).select_related("department", "site").first()
    suggestions = suggestions_for(profile)
    spaces = {s.space.pk: s.space for s in suggestions}
    roles = dict(
        Membership.objects.filter(user=user, space_id__in=spaces).values_list("space_id", "role")
    )
    member_of = set(roles)
    joinable = [
        space
        for pk, space in spaces.items()
        if pk not in member_of and can_join(user, space, roles)
    ]
    colleagues = colleagues_to_follow(user, profile)
    follows = Follow.objects.filter(follower=user).exists()
    has_skills = UserSkill.objects.filter(user=user).exists()
    skipped, done = set(state.skipped), set(state.done)
    edit = reverse("profile_edit", args=[user.username])

    def step(key: str, label: Promise, hint: Promise, url: str, is_done: bool) -> Step:
        return Step(key, label, hint, url, is_done or key in done, key in skipped)

    steps = [
        step(
            "photo",
            _("Add a photo"),
            _("Colleagues recognise you in the corridor."),
            edit,
            bool(profile and profile.photo),
        ),
        step(
            "skills",
            _("Add your skills"),
            _("So that people who need them find you."),
            edit + "#skills",
            has_skills,
        ),
        step(
            "preferences",
            _("Choose your language and time zone"),
            _("Cercle speaks French and English."),
            reverse("settings"),
            bool(user.language),
        ),
    ]
    if spaces:
        steps.append(
            step(
                "spaces",
                _("Join the spaces suggested for you"),
                _("Your team's and your site's spaces."),
                reverse("onboarding") + "#suggested-spaces",
                bool(member_of),
            )
        )
    if profile is not None and profile.department_id is not None:
        steps.append(
            step(
                "colleagues",
                _("Follow colleagues of your team"),
                _("Their posts reach your home page."),
                reverse("onboarding") + "#colleagues",
                follows,
            )
        )
    if settings.welcome_page_url:
        steps.append(
            step(
                "welcome",
                _("Read the welcome page"),
                _("What everyone should know on their first day."),
                reverse("onboarding") + "#welcome",
                False,
            )
        )
    steps.append(
        step(
            "app",
            _("Put Cercle on your phone's home screen"),
            _("Open it like an app and get notifications."),
            reverse("onboarding") + "#app",
            False,
        )
    )
    return Checklist(
        steps=steps,
        state=state,
        suggested=joinable,
        colleagues=colleagues,
        team_space=team_space(profile, suggestions),
    )


def state_of(user: User) -> OnboardingState | None:
    if user.pk is None:
        return OnboardingState.objects.filter(user=user).first()
    # Asked on every home page: a query built once (`core.compiled.InstancesQuery`).
    found = _STATE.instances([user.pk])
    return found[0] if found else None


_STATE = InstancesQuery(lambda ids: OnboardingState.objects.filter(user_id__in=ids))


def welcome_posts_due(now: datetime | None = None) -> list[OnboardingState]:
    """Newcomers whose welcome post is due: left on, not yet published, joined long enough ago."""
    settings = onboarding_settings()
    if not settings.welcome_posts:
        return []
    now = now or timezone.now()
    due = now - timedelta(hours=settings.welcome_delay_hours)
    return list(
        OnboardingState.objects.filter(
            welcome_post=True,
            welcome_posted_at__isnull=True,
            created_at__lte=due,
            user__is_active=True,
        ).select_related("user")
    )
