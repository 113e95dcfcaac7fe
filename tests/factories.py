"""Test data builders. Tests use these rather than Model.objects.create."""

from __future__ import annotations

import itertools
from typing import Any

from allauth.account.models import EmailAddress

from cercle.accounts.models import Department, Profile, Role, Site, Skill, User, UserSkill
from cercle.accounts.search import build_search_text, build_sort_name, sync_spoken_languages
from cercle.core.text import normalize

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(
    *,
    username: str | None = None,
    email: str | None = None,
    first_name: str = "Test",
    last_name: str | None = None,
    role: str = Role.MEMBER,
    password: str = PASSWORD,
    is_active: bool = True,
    **profile_fields: Any,
) -> User:
    n = next(_counter)
    username = username or f"person{n}"
    user = User.objects.create_user(
        username=username,
        email=email or f"{username}@example.org",
        password=password,
        first_name=first_name,
        last_name=last_name if last_name is not None else f"Person{n}",
        role=role,
        is_active=is_active,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    profile = Profile(user=user, **profile_fields)
    profile.sort_name = build_sort_name(
        first_name=user.first_name, last_name=user.last_name, username=user.username
    )
    profile.search_text = build_search_text(
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        job_title=profile.job_title,
        team=profile.team,
        department=profile.department.name if profile.department else "",
        site=profile.site.name if profile.site else "",
        languages=profile.languages or [],
    )
    profile.save()
    if profile.languages:
        sync_spoken_languages({user.pk: profile.languages})
    return user


def make_admin(**kwargs: Any) -> User:
    return make_user(role=Role.ADMIN, **kwargs)


def make_guest(**kwargs: Any) -> User:
    return make_user(role=Role.GUEST, **kwargs)


def make_department(name: str | None = None) -> Department:
    n = next(_counter)
    name = name or f"Department {n}"
    return Department.objects.create(name=name, slug=f"dept-{n}")


def make_site(name: str | None = None) -> Site:
    n = next(_counter)
    name = name or f"Site {n}"
    return Site.objects.create(name=name, slug=f"site-{n}")


def make_skill(name: str) -> Skill:
    skill, _ = Skill.objects.get_or_create(normalized_name=normalize(name), defaults={"name": name})
    return skill


def give_skill(user: User, name: str, level: int = 2) -> UserSkill:
    return UserSkill.objects.create(user=user, skill=make_skill(name), level=level)


# --- Chat (issue 4) ----------------------------------------------------------------------------


def make_direct(first: User, second: User) -> Any:
    from cercle.chat.actions import start_direct_conversation

    return start_direct_conversation(actor=first, other=second)


def make_group(creator: User, members: list[User], name: str = "Équipe projet") -> Any:
    from cercle.chat.actions import create_group_conversation

    return create_group_conversation(actor=creator, name=name, members=members)


def make_message(sender: User, conversation: Any, body: str = "Bonjour", **kwargs: Any) -> Any:
    from cercle.chat.actions import send_message

    client_id = kwargs.pop("client_id", f"c{next(_counter)}")
    message, _created = send_message(
        actor=sender, conversation_id=conversation.pk, body=body, client_id=client_id, **kwargs
    )
    return message


# --- Spaces and the wall (issue 3) --------------------------------------------------------------


def make_space(
    *,
    owner: User | None = None,
    name: str | None = None,
    kind: str = "open",
    members: tuple[User, ...] = (),
    **fields: Any,
) -> Any:
    """A space with `owner` as owner (a new person if none) and `members` as plain members."""
    from cercle.core.text import normalize as _normalize
    from cercle.spaces.models import Membership, Space

    n = next(_counter)
    name = name or f"Space {n}"
    owner = owner or make_user()
    space = Space.objects.create(
        name=name,
        slug=f"space-{n}",
        kind=kind,
        created_by=owner,
        search_text=_normalize(f"{name} {fields.get('description', '')}"),
        **fields,
    )
    Membership.objects.create(space=space, user=owner, role="owner")
    for member in members:
        Membership.objects.create(space=space, user=member, role="member")
    return space


def add_member(space: Any, user: User, role: str = "member") -> Any:
    from cercle.spaces.models import Membership

    return Membership.objects.create(space=space, user=user, role=role)


def make_post(*, author: User | None = None, space: Any = None, body: str = "Hello") -> Any:
    """A post written through the real action (so counters, mentions and hashtags are right)."""
    from cercle.feed.actions import create_post

    author = author or make_user()
    if space is not None:
        from cercle.spaces.models import Membership

        if (
            not space.is_organisation
            and not Membership.objects.filter(space=space, user=author).exists()
        ):
            add_member(space, author)
    return create_post(actor=author, body=body, space=space)


def make_invitation(
    user: User | None = None,
    *,
    invited_by: User | None = None,
    expires_in_days: float = 7,
    accepted: bool = False,
) -> tuple[Any, str]:
    """An invitation for a person with no usable password yet; returns it with its link secret."""
    from datetime import timedelta

    from django.utils import timezone

    from cercle.accounts.models import Invitation
    from cercle.accounts.tokens import generate_token_secret, hash_token

    if user is None:
        user = make_user()
        user.set_unusable_password()
        user.save(update_fields=["password"])
    secret = generate_token_secret()
    invitation = Invitation.objects.create(
        user=user,
        invited_by=invited_by,
        token_hash=hash_token(secret),
        expires_at=timezone.now() + timedelta(days=expires_in_days),
        accepted_at=timezone.now() if accepted else None,
    )
    return invitation, secret


# --- The agenda (issue 11) ---------------------------------------------------------------------


def make_event(
    *,
    organiser: User | None = None,
    space: Any = None,
    title: str = "Réunion d'équipe",
    start: Any = None,
    minutes: int = 60,
    zone: str = "Europe/Paris",
    rule: str = "",
    visibility: str = "public",
    all_day: bool = False,
    days: int = 1,
    **details: Any,
) -> Any:
    """An event written through the real action: in `space`'s calendar (the organiser made a
    member if needed), else in the organiser's own; `start` a naive wall-clock time in `zone`
    (a date for an all-day event)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from cercle.agenda import actions
    from cercle.agenda.recurrence import Timing

    organiser = organiser or make_user()
    if space is not None:
        from cercle.spaces.models import Membership

        if (
            not space.is_organisation
            and not Membership.objects.filter(space=space, user=organiser).exists()
        ):
            add_member(space, organiser)
        calendar = actions.space_calendar(space)
    else:
        calendar = actions.personal_calendar(organiser)
    if all_day:
        day = start or dt.date(2026, 3, 2)
        timing = Timing.dates(day, day + dt.timedelta(days=days), zone)
    else:
        local = start or dt.datetime(2026, 3, 2, 9, 0)
        begin = local.replace(tzinfo=ZoneInfo(zone))
        timing = Timing.timed(begin, begin + dt.timedelta(minutes=minutes), zone)
    return actions.create_event(
        actor=organiser,
        calendar=calendar,
        details=actions.Details(title=title, **details),
        timing=timing,
        rule=rule,
        visibility=visibility,
    )
