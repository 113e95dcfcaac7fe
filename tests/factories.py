"""Test data builders. Tests use these rather than Model.objects.create."""

from __future__ import annotations

import itertools
from typing import Any

from allauth.account.models import EmailAddress

from cercle.accounts.models import Department, Profile, Role, Site, Skill, User, UserSkill
from cercle.accounts.search import build_search_text, build_sort_name
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
    )
    profile.save()
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
