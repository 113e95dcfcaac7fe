"""The onboarding API's bodies (`/api/v1/onboarding`). Names carry the module's: OpenAPI schema
names are global."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

from cercle.spaces.schemas import PersonRef


class OnboardingStepOut(Schema):
    key: str
    label: str
    hint: str
    url: str
    done: bool
    skipped: bool


class OnboardingSpaceOut(Schema):
    id: int
    name: str
    url: str


class OnboardingOut(Schema):
    finished: int
    total: int
    complete: bool
    hidden: bool
    welcome_post: bool
    welcome_posted_at: datetime | None
    team_space: OnboardingSpaceOut | None
    steps: list[OnboardingStepOut]
    suggested_spaces: list[OnboardingSpaceOut]
    colleagues: list[PersonRef]


class OnboardingWelcomePostIn(Schema):
    publish: bool
