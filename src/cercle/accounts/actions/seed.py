"""Bulk writes for the demo organisation (`seed_demo`) and for benchmark data (`seed_demo --scale`).

Why bulk writes here instead of calling the per-person actions (`people.invite_person`,
`profiles.update_profile`, `profiles.add_skill`, `profiles.endorse_skill`)? Those actions check an
acting user's permission, audit each change and recompute one person's search columns with several
queries each: right for a person clicking, but about 15 queries and one Argon2 hash per person.
Seeding 100,000 people that way would take hours, and `make run` would wait on 60 Argon2 hashes.
So these functions, run only by the system (management commands, no acting user, hence no
permission check), write rows with `bulk_create` in transactions, hash the demo password once for
everyone, and compute the derived columns the actions otherwise maintain — `Profile.search_text`
and `sort_name` through `cercle.accounts.search`, `bio_html` through `render_markdown`,
`UserSkill.endorsement_count` from the endorsements written — so that the rows are exactly what the
actions would have produced. The full-text index follows by itself (triggers on SQLite, an
expression index on PostgreSQL); `rebuild_search_index` is still called after a `--scale` run.

Both are idempotent: people are keyed by username (`helene.rousseau`, `scale-000042`), departments
and sites by slug, skills by normalised name; what exists is left alone.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from cercle.accounts import demo_data
from cercle.accounts.demo_data import DemoDepartment, DemoPerson, DemoSite
from cercle.accounts.hooks import DemoContentWanted, DemoContentWritten
from cercle.accounts.languages import language_keys
from cercle.accounts.models import (
    Department,
    Endorsement,
    Organisation,
    Profile,
    Role,
    Site,
    Skill,
    SpokenLanguage,
    User,
    UserSkill,
)
from cercle.accounts.queries import forget_organisation
from cercle.accounts.search import build_search_text, build_sort_name, rebuild_search_index
from cercle.audit.actions import log_event
from cercle.audit.models import AuditEntry
from cercle.core.hooks import emit
from cercle.core.markdown import render_markdown
from cercle.core.text import normalize

DEMO_PASSWORD = "cercle-demo"  # noqa: S105  (the demo organisation's documented password)
SCALE_PREFIX = "scale-"
SCALE_EMAIL_DOMAIN = "scale.atelier-lumen.fr"
# Each manager in the generated hierarchy has at most this many direct reports.
SCALE_SPAN = 7


@dataclass
class SeedReport:
    """What one run created (zeros when everything existed already)."""

    people: int = 0
    departments: int = 0
    sites: int = 0
    skills: int = 0
    user_skills: int = 0
    endorsements: int = 0
    organisation_named: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def created_anything(self) -> bool:
        return any(
            (
                self.people,
                self.departments,
                self.sites,
                self.skills,
                self.user_skills,
                self.endorsements,
                self.organisation_named,
            )
        )

    def add(self, other: SeedReport) -> None:
        self.people += other.people
        self.departments += other.departments
        self.sites += other.sites
        self.skills += other.skills
        self.user_skills += other.user_skills
        self.endorsements += other.endorsements
        self.organisation_named = self.organisation_named or other.organisation_named


def demo_username(first_name: str, last_name: str) -> str:
    """`Hélène Rousseau` → `helene.rousseau`, `Loïc Le Gall` → `loic.le-gall`."""
    return f"{normalize(first_name).replace(' ', '-')}.{normalize(last_name).replace(' ', '-')}"


def scale_username(index: int) -> str:
    return f"{SCALE_PREFIX}{index:06d}"


# --- Reference rows: departments, sites, skills.


def _ensure_departments(report: SeedReport) -> dict[str, Department]:
    """The demo departments by key, created when their slug is missing."""
    existing = {d.slug: d for d in Department.objects.filter(slug__in=_dept_slugs())}
    missing = [
        Department(name=d.name, slug=d.slug, description=d.description)
        for d in demo_data.DEPARTMENTS
        if d.slug not in existing and not Department.objects.filter(name=d.name).exists()
    ]
    if missing:
        Department.objects.bulk_create(missing)
        report.departments += len(missing)
    by_slug = {d.slug: d for d in Department.objects.filter(slug__in=_dept_slugs())}
    by_name = {d.name: d for d in Department.objects.filter(name__in=_dept_names())}
    return {
        d.key: by_slug.get(d.slug) or by_name[d.name]
        for d in demo_data.DEPARTMENTS
        if d.slug in by_slug or d.name in by_name
    }


def _dept_slugs() -> list[str]:
    return [d.slug for d in demo_data.DEPARTMENTS]


def _dept_names() -> list[str]:
    return [d.name for d in demo_data.DEPARTMENTS]


def _ensure_sites(report: SeedReport) -> dict[str, Site]:
    slugs = [s.slug for s in demo_data.SITES]
    names = [s.name for s in demo_data.SITES]
    existing = set(Site.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    taken_names = set(Site.objects.filter(name__in=names).values_list("name", flat=True))
    missing = [
        Site(name=s.name, slug=s.slug, city=s.city, address=s.address)
        for s in demo_data.SITES
        if s.slug not in existing and s.name not in taken_names
    ]
    if missing:
        Site.objects.bulk_create(missing)
        report.sites += len(missing)
    by_slug = {s.slug: s for s in Site.objects.filter(slug__in=slugs)}
    by_name = {s.name: s for s in Site.objects.filter(name__in=names)}
    return {
        s.key: by_slug.get(s.slug) or by_name[s.name]
        for s in demo_data.SITES
        if s.slug in by_slug or s.name in by_name
    }


def _ensure_skills(names: Iterable[str], report: SeedReport) -> dict[str, Skill]:
    """Skills by their display name, created (keyed by normalised name) when missing."""
    wanted = {normalize(name): name for name in names}
    existing = {s.normalized_name: s for s in Skill.objects.filter(normalized_name__in=wanted)}
    missing = [
        Skill(name=name, normalized_name=key) for key, name in wanted.items() if key not in existing
    ]
    if missing:
        Skill.objects.bulk_create(missing, batch_size=500)
        report.skills += len(missing)
        existing = {s.normalized_name: s for s in Skill.objects.filter(normalized_name__in=wanted)}
    return {name: existing[key] for key, name in wanted.items()}


# --- The demo organisation.


def _phone(site: DemoSite | None, index: int) -> str:
    if site is None:
        return ""
    return f"{site.phone_prefix} {10 + index % 90:02d} {(index * 37) % 100:02d}"


def seed_demo_organisation(*, password: str = DEMO_PASSWORD) -> SeedReport:
    """Create Atelier Lumen — 8 departments, 3 sites, 60 people and the `admin` account — unless
    present. Every demo person's password is `password` (one hash for all)."""
    report = SeedReport()
    people: list[DemoPerson] = [demo_data.ADMIN, *demo_data.PEOPLE]
    usernames = [demo_data.ADMIN_USERNAME] + [
        demo_username(p.first_name, p.last_name) for p in demo_data.PEOPLE
    ]
    sites_by_key = {s.key: s for s in demo_data.SITES}
    with transaction.atomic():
        departments = _ensure_departments(report)
        sites = _ensure_sites(report)
        skill_names = [name for person in people for name, _level in person.skills]
        skills = _ensure_skills(skill_names, report)
        existing = set(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        new = [
            (index, username, person)
            for index, (username, person) in enumerate(zip(usernames, people, strict=True))
            if username not in existing
        ]
        if new:
            password_hash = make_password(password)
            users = User.objects.bulk_create(
                [_demo_user(username, person, password_hash) for _i, username, person in new]
            )
            pk_by_username = dict(
                User.objects.filter(username__in=usernames).values_list("username", "pk")
            )
            EmailAddress.objects.bulk_create(
                [
                    EmailAddress(
                        user_id=pk_by_username[u.username],
                        email=u.email,
                        verified=True,
                        primary=True,
                    )
                    for u in users
                ]
            )
            profiles = []
            user_skills: list[UserSkill] = []
            for index, username, person in new:
                user_id = pk_by_username[username]
                department = departments.get(person.department)
                site = sites.get(person.site)
                profiles.append(
                    Profile(
                        user_id=user_id,
                        job_title=person.job_title,
                        department=department,
                        team=person.team,
                        site=site,
                        phone=_phone(sites_by_key.get(person.site), index),
                        manager_id=pk_by_username.get(person.manager),
                        languages=list(person.languages),
                        bio=person.bio,
                        bio_html=render_markdown(person.bio),
                        ask_me_about=list(person.ask_me_about),
                        search_text=build_search_text(
                            first_name=person.first_name,
                            last_name=person.last_name,
                            username=username,
                            job_title=person.job_title,
                            team=person.team,
                            department=department.name if department else "",
                            site=site.name if site else "",
                            skills=sorted(skills[name].name for name, _level in person.skills),
                            topics=person.ask_me_about,
                            languages=person.languages,
                        ),
                        sort_name=build_sort_name(
                            first_name=person.first_name,
                            last_name=person.last_name,
                            username=username,
                        ),
                    )
                )
                user_skills.extend(
                    UserSkill(user_id=user_id, skill=skills[name], level=level)
                    for name, level in person.skills
                )
            Profile.objects.bulk_create(profiles)
            SpokenLanguage.objects.bulk_create(_spoken(profiles))
            endorsements = _demo_endorsements(
                user_skills, people_by_pk=_people_by_pk(new, pk_by_username)
            )
            UserSkill.objects.bulk_create(user_skills)
            Endorsement.objects.bulk_create(
                [Endorsement(user_skill=us, endorser_id=e) for us, e in endorsements]
            )
            report.people += len(users)
            report.user_skills += len(user_skills)
            report.endorsements += len(endorsements)
        report.organisation_named = _name_organisation()
        if report.created_anything:
            log_event(
                actor=None,
                action="accounts.demo_seeded",
                extra={"people": report.people, "skills": report.skills},
            )
    return report


def _spoken(profiles: Iterable[Profile]) -> list[SpokenLanguage]:
    """The SpokenLanguage rows `refresh_search_columns` would derive from these profiles."""
    return [
        SpokenLanguage(user_id=profile.user_id, key=key)
        for profile in profiles
        for key in language_keys(profile.languages or [])
    ]


def _demo_user(username: str, person: DemoPerson, password_hash: str) -> User:
    is_admin = person.role == Role.ADMIN
    return User(
        username=username,
        email=f"{username}@{demo_data.EMAIL_DOMAIN}",
        first_name=person.first_name,
        last_name=person.last_name,
        password=password_hash,
        role=person.role,
        is_staff=is_admin,
        is_superuser=is_admin,
        is_active=True,
    )


def _people_by_pk(
    new: Sequence[tuple[int, str, DemoPerson]], pk_by_username: dict[str, int]
) -> dict[int, tuple[DemoPerson, int | None]]:
    return {
        pk_by_username[username]: (person, pk_by_username.get(person.manager))
        for _index, username, person in new
    }


def _demo_endorsements(
    user_skills: list[UserSkill], *, people_by_pk: dict[int, tuple[DemoPerson, int | None]]
) -> list[tuple[UserSkill, int]]:
    """Colleagues (same department first, then the manager, then anyone) endorse skills: more
    endorsements for higher levels. Deterministic, and sets each `endorsement_count`."""
    rng = random.Random(2026)
    by_department: dict[str, list[int]] = {}
    for pk, (person, _manager) in people_by_pk.items():
        if person.role != Role.GUEST:
            by_department.setdefault(person.department, []).append(pk)
    everyone = [pk for pks in by_department.values() for pk in pks]
    result: list[tuple[UserSkill, int]] = []
    for user_skill in user_skills:
        person, manager = people_by_pk[user_skill.user_id]
        if person.role == Role.GUEST:
            user_skill.endorsement_count = 0
            continue
        colleagues = [
            pk for pk in by_department.get(person.department, []) if pk != user_skill.user_id
        ]
        rng.shuffle(colleagues)
        others = [pk for pk in everyone if pk != user_skill.user_id and pk not in colleagues]
        rng.shuffle(others)
        pool = ([manager] if manager else []) + colleagues + others
        pool = list(dict.fromkeys(pk for pk in pool if pk is not None))
        wanted = rng.randint(max(0, user_skill.level - 2), user_skill.level * 2 + 1)
        endorsers = pool[:wanted]
        user_skill.endorsement_count = len(endorsers)
        result.extend((user_skill, endorser) for endorser in endorsers)
    return result


def _name_organisation() -> bool:
    """Name the organisation Atelier Lumen unless an admin already named it."""
    organisation = Organisation.objects.filter(pk=1).first() or Organisation(pk=1)
    if organisation.name != Organisation._meta.get_field("name").get_default():
        return False
    actor = User.objects.filter(username=demo_data.ADMIN_USERNAME, role=Role.ADMIN).first()
    if actor is None or not actor.is_admin:
        return False
    old_name = organisation.name
    organisation.name = demo_data.ORGANISATION_NAME
    organisation.save()
    forget_organisation()
    log_event(
        actor=actor,
        action="administration.organisation_changed",
        target=organisation,
        old={"name": old_name},
        new={"name": organisation.name},
    )
    return True


# --- The demo's month of activity, written by the modules above.

DEMO_CONTENT_ACTION = "accounts.demo_content_seeded"


def seed_demo_content(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Ask each module for its part of the demo organisation's past month (spaces and their walls,
    an announcement, conversations…) through the `DemoContentWanted` hook, once per database:
    returns what was written by kind ("posts": 36…), {} when it was there already or when the
    demo people are missing. The modules write through their actions (audit entries,
    notifications and counters as in real use), each step dated with `core.demo.backdated`."""
    if AuditEntry.objects.filter(action=DEMO_CONTENT_ACTION).exists():
        return {}
    if not User.objects.filter(username=demo_data.ADMIN_USERNAME).exists():
        return {}
    now = now or timezone.now()
    counts: dict[str, int] = {}
    with transaction.atomic():
        emit(DemoContentWanted(now=now, counts=counts))
        emit(DemoContentWritten(now=now, counts=counts))
        log_event(actor=None, action=DEMO_CONTENT_ACTION, extra=dict(counts))
    return counts


# --- People at scale, for benchmarks.


@dataclass
class _Plan:
    """Where each generated person goes: department, position in its hierarchy, manager."""

    department: list[int]  # index into demo_data.DEPARTMENTS, by person index (1-based; 0 unused)
    members: list[list[int]]  # person indexes of each department, in order
    position: list[int]  # the person's position inside its department's list

    def manager_index(self, index: int) -> int | None:
        position = self.position[index]
        if position == 0:
            return None
        return self.members[self.department[index]][(position - 1) // SCALE_SPAN]

    def has_reports(self, index: int) -> bool:
        position = self.position[index]
        return position * SCALE_SPAN + 1 < len(self.members[self.department[index]])


def _plan(count: int) -> _Plan:
    rng = random.Random(7)
    weights = [d.weight for d in demo_data.DEPARTMENTS]
    choices = rng.choices(range(len(weights)), weights=weights, k=count)
    department = [0, *choices]
    members: list[list[int]] = [[] for _ in weights]
    position = [0] * (count + 1)
    for index in range(1, count + 1):
        bucket = members[department[index]]
        position[index] = len(bucket)
        bucket.append(index)
    return _Plan(department=department, members=members, position=position)


@dataclass
class _ScalePerson:
    index: int
    first_name: str
    last_name: str
    department: DemoDepartment
    site: DemoSite
    job_title: str
    team: str
    skills: list[tuple[str, int]]
    languages: list[str]
    topics: list[str]


def _scale_person(index: int, plan: _Plan, sites: dict[str, DemoSite]) -> _ScalePerson:
    rng = random.Random(index * 7919 + 104_729)
    department = demo_data.DEPARTMENTS[plan.department[index]]
    site_keys = [key for key, _weight in department.sites]
    site_weights = [weight for _key, weight in department.sites]
    site = sites[rng.choices(site_keys, weights=site_weights)[0]]
    titles = department.manager_titles if plan.has_reports(index) else department.titles
    own = [name for domain in department.domains[:1] for name in demo_data.SKILL_DOMAINS[domain]]
    count = rng.randint(3, 8)
    # Mostly skills of the department's domain, some transverse, now and then any skill.
    picked: dict[str, int] = {}
    while len(picked) < count:
        roll = rng.random()
        if roll < 0.65:
            name = rng.choice(own)
        elif roll < 0.9:
            name = rng.choice(demo_data.SKILL_DOMAINS["general"])
        else:
            name = rng.choice(demo_data.SKILL_VOCABULARY)
        picked.setdefault(name, rng.choices((1, 2, 3, 4), weights=(2, 4, 3, 1))[0])
    skills = list(picked.items())
    languages = ["Français"] + (["Anglais"] if rng.random() < 0.6 else [])
    if rng.random() < 0.15:
        languages.append(rng.choice(("Allemand", "Espagnol", "Italien", "Arabe", "Portugais")))
    return _ScalePerson(
        index=index,
        first_name=rng.choice(demo_data.SCALE_FIRST_NAMES),
        last_name=rng.choice(demo_data.SCALE_LAST_NAMES),
        department=department,
        site=site,
        job_title=rng.choice(titles),
        team=rng.choice(department.teams),
        skills=skills,
        languages=languages,
        topics=[name for name, level in skills if level >= 3][:2],
    )


def seed_scale_people(
    *,
    count: int,
    batch_size: int = 2000,
    password: str = DEMO_PASSWORD,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Make sure people `scale-000001` … `scale-<count>` exist, creating the missing ones.

    They are spread over the demo departments (weighted: Production is the largest) and their
    sites, form one management tree per department (at most SCALE_SPAN reports each, the root
    reporting to the department's demo head when there is one), hold 3–8 skills of ~200 with
    levels, and get a few endorsements each from their manager and earlier colleagues. Person
    `scale-000042` is the same whatever the batch size or how many runs made the set.
    `progress(done, count)` is called after each batch.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    report = SeedReport()
    with transaction.atomic():
        departments = _ensure_departments(report)
        sites = _ensure_sites(report)
        skills = _ensure_skills(demo_data.SKILL_VOCABULARY, report)
    site_rows = {key: sites[key] for key in sites}
    demo_sites = {s.key: s for s in demo_data.SITES}
    heads = _department_heads()
    plan = _plan(count)
    pk_by_index: dict[int, int] = {}
    for username, pk in User.objects.filter(username__startswith=SCALE_PREFIX).values_list(
        "username", "pk"
    ):
        suffix = username[len(SCALE_PREFIX) :]
        if suffix.isdigit():
            pk_by_index[int(suffix)] = pk
    password_hash = make_password(password) if len(pk_by_index) < count else ""
    done = 0
    for start in range(1, count + 1, batch_size):
        indexes = [
            i for i in range(start, min(start + batch_size, count + 1)) if i not in pk_by_index
        ]
        if indexes:
            batch = [_scale_person(i, plan, demo_sites) for i in indexes]
            with transaction.atomic():
                _write_scale_batch(
                    batch,
                    plan=plan,
                    pk_by_index=pk_by_index,
                    departments=departments,
                    sites=site_rows,
                    skills=skills,
                    heads=heads,
                    password_hash=password_hash,
                    report=report,
                )
        done = min(start + batch_size - 1, count)
        if progress is not None:
            progress(done, count)
    if report.people:
        rebuild_search_index()
        log_event(
            actor=None,
            action="accounts.scale_seeded",
            extra={"people": report.people, "count": count},
        )
    return report


def _department_heads() -> dict[str, int]:
    """The demo head of each department (the person reporting to the CEO), by department key."""
    ceo = demo_username(demo_data.PEOPLE[0].first_name, demo_data.PEOPLE[0].last_name)
    heads = {
        p.department: demo_username(p.first_name, p.last_name)
        for p in demo_data.PEOPLE
        if p.manager == ceo and p.department and p.department != "dg"
    }
    heads["dg"] = ceo
    pks = dict(User.objects.filter(username__in=heads.values()).values_list("username", "pk"))
    return {key: pks[username] for key, username in heads.items() if username in pks}


def _write_scale_batch(
    batch: list[_ScalePerson],
    *,
    plan: _Plan,
    pk_by_index: dict[int, int],
    departments: dict[str, Department],
    sites: dict[str, Site],
    skills: dict[str, Skill],
    heads: dict[str, int],
    password_hash: str,
    report: SeedReport,
) -> None:
    users = [
        User(
            username=scale_username(p.index),
            email=f"{scale_username(p.index)}@{SCALE_EMAIL_DOMAIN}",
            first_name=p.first_name,
            last_name=p.last_name,
            password=password_hash,
            role=Role.MEMBER,
            is_active=True,
        )
        for p in batch
    ]
    User.objects.bulk_create(users)
    if any(u.pk is None for u in users):  # a database that does not return ids
        found = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        for u in users:
            u.pk = found[u.username]
    for person, user in zip(batch, users, strict=True):
        pk_by_index[person.index] = user.pk
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=u.pk, email=u.email, verified=True, primary=True) for u in users]
    )
    profiles = []
    user_skills: list[UserSkill] = []
    owners: list[_ScalePerson] = []
    for person, user in zip(batch, users, strict=True):
        manager_index = plan.manager_index(person.index)
        manager_id = (
            pk_by_index.get(manager_index)
            if manager_index is not None
            else heads.get(person.department.key)
        )
        department = departments[person.department.key]
        site = sites[person.site.key]
        profiles.append(
            Profile(
                user_id=user.pk,
                job_title=person.job_title,
                department=department,
                team=person.team,
                site=site,
                phone=f"{person.site.phone_prefix} {person.index // 100 % 100:02d} "
                f"{person.index % 100:02d}",
                manager_id=manager_id,
                languages=person.languages,
                ask_me_about=person.topics,
                search_text=build_search_text(
                    first_name=person.first_name,
                    last_name=person.last_name,
                    username=user.username,
                    job_title=person.job_title,
                    team=person.team,
                    department=department.name,
                    site=site.name,
                    skills=sorted(skills[name].name for name, _level in person.skills),
                    topics=person.topics,
                    languages=person.languages,
                ),
                sort_name=build_sort_name(
                    first_name=person.first_name,
                    last_name=person.last_name,
                    username=user.username,
                ),
            )
        )
        for name, level in person.skills:
            user_skills.append(UserSkill(user_id=user.pk, skill=skills[name], level=level))
            owners.append(person)
    Profile.objects.bulk_create(profiles, batch_size=1000)
    SpokenLanguage.objects.bulk_create(_spoken(profiles), batch_size=2000)
    endorsements = _scale_endorsements(user_skills, owners, plan=plan, pk_by_index=pk_by_index)
    UserSkill.objects.bulk_create(user_skills, batch_size=2000)
    Endorsement.objects.bulk_create(
        [Endorsement(user_skill=us, endorser_id=endorser) for us, endorser in endorsements],
        batch_size=2000,
    )
    report.people += len(users)
    report.user_skills += len(user_skills)
    report.endorsements += len(endorsements)


def _scale_endorsements(
    user_skills: list[UserSkill],
    owners: list[_ScalePerson],
    *,
    plan: _Plan,
    pk_by_index: dict[int, int],
) -> list[tuple[UserSkill, int]]:
    """A few endorsements per person, from the manager and the previous colleagues of the same
    department (who exist already); sets each `endorsement_count`."""
    result: list[tuple[UserSkill, int]] = []
    for user_skill, person in zip(user_skills, owners, strict=True):
        rng = random.Random(person.index * 31 + user_skill.skill_id)
        members = plan.members[plan.department[person.index]]
        position = plan.position[person.index]
        candidates = [plan.manager_index(person.index)] + [
            members[position - k] for k in range(1, 6) if position - k >= 0
        ]
        endorsers = list(dict.fromkeys(pk_by_index[c] for c in candidates if c in pk_by_index))
        # Better skills draw more endorsements: 0–1 for a beginner, up to 4 for an expert.
        wanted = min(len(endorsers), rng.randint(0, user_skill.level))
        rng.shuffle(endorsers)
        chosen = endorsers[:wanted]
        user_skill.endorsement_count = len(chosen)
        result.extend((user_skill, endorser) for endorser in chosen)
    return result
