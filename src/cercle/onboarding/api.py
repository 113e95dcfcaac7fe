"""The newcomer's checklist over the API (`/api/v1/onboarding`): what the home page's panel and
`/welcome/` show, and the same buttons. Joining a suggested space and following a colleague go
through the spaces' and people's own endpoints."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router

from cercle.accounts.models import User
from cercle.core.typing import AuthenticatedRequest
from cercle.onboarding import actions, queries
from cercle.onboarding.models import OnboardingState
from cercle.onboarding.schemas import (
    OnboardingOut,
    OnboardingSpaceOut,
    OnboardingStepOut,
    OnboardingWelcomePostIn,
)
from cercle.spaces.models import Space
from cercle.spaces.schemas import PersonRef

router = Router(tags=["onboarding"])


def _space(space: Space) -> OnboardingSpaceOut:
    return OnboardingSpaceOut(id=space.pk, name=space.name, url=reverse("space", args=[space.slug]))


def _checklist(user: User, state: OnboardingState) -> OnboardingOut:
    checklist = queries.checklist(user, state)
    return OnboardingOut(
        finished=checklist.finished,
        total=checklist.total,
        complete=checklist.complete,
        hidden=state.hidden,
        welcome_post=state.welcome_post,
        welcome_posted_at=state.welcome_posted_at,
        team_space=_space(checklist.team_space) if checklist.team_space else None,
        steps=[
            OnboardingStepOut(
                key=s.key,
                label=str(s.label),
                hint=str(s.hint),
                url=s.url,
                done=s.done,
                skipped=s.skipped,
            )
            for s in checklist.steps
        ],
        suggested_spaces=[_space(space) for space in checklist.suggested],
        colleagues=[
            PersonRef(id=p.pk, username=p.username, display_name=p.display_name)
            for p in checklist.colleagues
        ],
    )


def _member(request: AuthenticatedRequest) -> User:
    if request.auth.is_guest:
        raise PermissionDenied(_("Guests have no onboarding checklist."))
    return request.auth


NO_CHECKLIST = OnboardingOut(
    finished=0,
    total=0,
    complete=True,
    hidden=True,
    welcome_post=False,
    welcome_posted_at=None,
    team_space=None,
    steps=[],
    suggested_spaces=[],
    colleagues=[],
)


@router.get("/onboarding", response=OnboardingOut)
def onboarding(request: AuthenticatedRequest) -> OnboardingOut:
    """My checklist: its steps (done by doing them, or skipped), the spaces suggested to me that I
    may join, colleagues of my department I don't follow yet, and my welcome post's state."""
    if request.auth.is_guest:
        return NO_CHECKLIST  # guests have none: an empty, complete one
    return _checklist(request.auth, actions.ensure_state(request.auth))


@router.post("/onboarding/steps/{step}/skip", response=OnboardingOut)
def skip_step(request: AuthenticatedRequest, step: str) -> OnboardingOut:
    """Skip a step (it counts as finished)."""
    user = _member(request)
    return _checklist(user, actions.skip_step(actor=user, key=step[:40]))


@router.delete("/onboarding/steps/{step}/skip", response=OnboardingOut)
def unskip_step(request: AuthenticatedRequest, step: str) -> OnboardingOut:
    """Take a skipped step back."""
    user = _member(request)
    return _checklist(user, actions.skip_step(actor=user, key=step[:40], skip=False))


@router.post("/onboarding/steps/{step}/done", response=OnboardingOut)
def step_done(request: AuthenticatedRequest, step: str) -> OnboardingOut:
    """Tick a step Cercle cannot see elsewhere: `welcome` (the welcome page read) or `app`
    (Cercle on the home screen); the others tick themselves when done (400)."""
    user = _member(request)
    return _checklist(user, actions.mark_done(actor=user, key=step[:40]))


@router.post("/onboarding/hide", response=OnboardingOut)
def hide(request: AuthenticatedRequest) -> OnboardingOut:
    """Take the checklist off my home page."""
    user = _member(request)
    return _checklist(user, actions.hide(actor=user))


@router.post("/onboarding/show", response=OnboardingOut)
def show(request: AuthenticatedRequest) -> OnboardingOut:
    """Put the checklist back on my home page."""
    user = _member(request)
    return _checklist(user, actions.open_checklist(user))


@router.put("/onboarding/welcome-post", response=OnboardingOut)
def welcome_post(request: AuthenticatedRequest, payload: OnboardingWelcomePostIn) -> OnboardingOut:
    """Turn my welcome post on or off (400 once it is published)."""
    user = _member(request)
    return _checklist(user, actions.set_welcome_post(actor=user, publish=payload.publish))
