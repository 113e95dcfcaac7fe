"""Writes of the onboarding: the checklist's own state, the welcome post, and admins' set-up."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Site, User
from cercle.accounts.queries import may_manage_people
from cercle.audit.actions import log_event
from cercle.core.kept import forget_now_and_at_commit
from cercle.feed import actions as feed_actions
from cercle.onboarding import queries
from cercle.onboarding.models import OnboardingSettings, OnboardingState, SuggestedSpace
from cercle.spaces.models import Space


def start(user: User) -> OnboardingState | None:
    """The newcomer's checklist, made at their first visit (None for people who joined before
    the newcomer period: the checklist is theirs only if they open it themselves)."""
    state = queries.state_of(user)
    if state is None and queries.is_newcomer(user) and not user.is_guest:
        state, _created = OnboardingState.objects.get_or_create(user=user)
    return state


def ensure_state(user: User) -> OnboardingState:
    """The person's checklist state, made if need be (showing it changes nothing else)."""
    state, _created = OnboardingState.objects.get_or_create(user=user)
    return state


def open_checklist(user: User) -> OnboardingState:
    """Back on the person's home page (for anyone: people who joined before it existed too)."""
    state = ensure_state(user)
    if state.hidden:
        state.hidden = False
        state.save(update_fields=["hidden"])
    return state


def _require_step(key: str) -> None:
    if key not in queries.STEP_KEYS:
        raise ValidationError(_("Unknown step."))


def skip_step(*, actor: User, key: str, skip: bool = True) -> OnboardingState:
    _require_step(key)
    state = ensure_state(actor)
    skipped = [k for k in state.skipped if k != key] + ([key] if skip else [])
    state.skipped = skipped
    state.save(update_fields=["skipped"])
    return state


def mark_done(*, actor: User, key: str) -> OnboardingState:
    """A step Cercle cannot see elsewhere (the welcome page read, the app installed)."""
    if key not in queries.SELF_REPORTED:
        raise ValidationError(_("This step is done by doing it."))
    state = ensure_state(actor)
    if key not in state.done:
        state.done = [*state.done, key]
        state.save(update_fields=["done"])
    return state


def hide(*, actor: User) -> OnboardingState:
    state = ensure_state(actor)
    state.hidden = True
    state.save(update_fields=["hidden"])
    return state


def set_welcome_post(*, actor: User, publish: bool) -> OnboardingState:
    state = ensure_state(actor)
    if state.welcome_posted_at is not None:
        raise ValidationError(_("Your welcome post is already published."))
    state.welcome_post = publish
    state.save(update_fields=["welcome_post"])
    return state


def welcome_text(user: User) -> str:
    profile = getattr(user, "profile", None)
    title = profile.job_title if profile is not None else ""
    language = user.language or translation.get_language() or "fr"
    with translation.override(language):
        if title:
            return _("👋 Hello everyone! I am %(name)s and I have just joined as %(title)s.") % {
                "name": user.display_name,
                "title": title,
            }
        return _("👋 Hello everyone! I am %(name)s and I have just joined the team.") % {
            "name": user.display_name
        }


def publish_welcome_posts() -> int:
    """Publishes each due welcome post once, in the newcomer's team's space, in their name; a
    newcomer without a team's space (or no longer able to post in it) gets none."""
    published = 0
    for state in queries.welcome_posts_due():
        with transaction.atomic():
            locked = (
                OnboardingState.objects.select_for_update()
                .filter(pk=state.pk, welcome_posted_at__isnull=True, welcome_post=True)
                .first()
            )
            if locked is None:
                continue
            profile = getattr(state.user, "profile", None)
            space = queries.team_space(profile, queries.suggestions_for(profile))
            locked.welcome_posted_at = timezone.now()
            locked.save(update_fields=["welcome_posted_at"])
            if space is None:
                continue
            try:
                feed_actions.create_post(
                    actor=state.user, space=space, body=welcome_text(state.user)
                )
            except (PermissionDenied, ValidationError):
                continue  # not a member who may post there: no post, and none later
            published += 1
    return published


# --- Admins' set-up ----------------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not may_manage_people(actor):
        raise PermissionDenied(_("Only administrators and HR set up the onboarding."))


def suggest_space(
    *, actor: User, space: Space, department: Department | None, site: Site | None
) -> SuggestedSpace:
    _require_manager(actor)
    if space.archived_at is not None:
        raise ValidationError(_("An archived space cannot be suggested."))
    suggestion, created = SuggestedSpace.objects.get_or_create(
        space=space, department=department, site=site
    )
    if created:
        log_event(
            actor=actor,
            action="onboarding.space_suggested",
            target=space,
            new={
                "department": department.name if department else None,
                "site": site.name if site else None,
            },
        )
    return suggestion


def remove_suggestion(*, actor: User, suggestion: SuggestedSpace) -> None:
    _require_manager(actor)
    log_event(actor=actor, action="onboarding.suggestion_removed", target=suggestion.space)
    suggestion.delete()


def update_settings(
    *,
    actor: User,
    welcome_page_url: str,
    welcome_posts: bool,
    welcome_delay_hours: int,
    newcomer_days: int,
) -> OnboardingSettings:
    _require_manager(actor)
    url = welcome_page_url.strip()
    errors = {}
    if url and (not url.startswith("/") or url.startswith("//") or len(url) > 300):
        errors["welcome_page_url"] = _("Give an address on Cercle, starting with “/”.")
    if not 0 <= welcome_delay_hours <= 24 * 14:
        errors["welcome_delay_hours"] = _("Give between 0 and 336 hours.")
    if not 1 <= newcomer_days <= 365:
        errors["newcomer_days"] = _("Give between 1 and 365 days.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        settings, _created = OnboardingSettings.objects.select_for_update().get_or_create(pk=1)
        old = {
            "welcome_page_url": settings.welcome_page_url,
            "welcome_posts": settings.welcome_posts,
            "welcome_delay_hours": settings.welcome_delay_hours,
            "newcomer_days": settings.newcomer_days,
        }
        settings.welcome_page_url = url
        settings.welcome_posts = welcome_posts
        settings.welcome_delay_hours = welcome_delay_hours
        settings.newcomer_days = newcomer_days
        settings.save()
        new = {
            "welcome_page_url": url,
            "welcome_posts": welcome_posts,
            "welcome_delay_hours": welcome_delay_hours,
            "newcomer_days": newcomer_days,
        }
        if new != old:
            log_event(actor=actor, action="onboarding.settings_changed", old=old, new=new)
        forget_now_and_at_commit(queries.SETTINGS_CACHE_KEY)
    return settings
