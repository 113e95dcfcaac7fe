"""Reads of the IT department's pages: people with their status, import jobs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models import BooleanField, Count, ExpressionWrapper, Min, Q, QuerySet
from django.db.models.functions import Now
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cercle.accounts.models import Department, Role, Site, User
from cercle.accounts.queries import (
    may_administer,
    may_manage_people,
    may_manage_person,
    may_manage_settings,
)
from cercle.administration.models import ImportJob
from cercle.core.mail import LastMail, last_mail
from cercle.core.text import search_terms
from cercle.spaces.models import Space

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _require_admin(viewer: User) -> None:
    """People, departments, sites and imports: administrators and communication/HR."""
    if not may_manage_people(viewer):
        raise PermissionDenied


class PersonStatus:
    ACTIVE = "active"
    INVITED = "invited"
    DEACTIVATED = "deactivated"
    CHOICES = (
        (ACTIVE, _("Active")),
        (INVITED, _("Invitation sent, not yet accepted")),
        (DEACTIVATED, _("Deactivated")),
    )


def people_for_admin(
    viewer: User,
    *,
    q: str = "",
    role: str = "",
    status: str = "",
    department: int | None = None,
) -> QuerySet[User]:
    """Everyone, deactivated people included, with what the admin list shows in one query."""
    _require_admin(viewer)
    people = (
        User.objects.select_related("profile", "profile__department", "profile__site", "invitation")
        .annotate(
            invitation_expired=ExpressionWrapper(
                Q(invitation__expires_at__lt=Now()), output_field=BooleanField()
            )
        )
        .order_by("profile__sort_name", "pk")
    )
    for term in search_terms(q):
        people = people.filter(Q(profile__search_text__contains=term) | Q(email__icontains=term))
    if role:
        people = people.filter(role=role)
    if status == PersonStatus.ACTIVE:
        people = people.filter(is_active=True).filter(
            Q(invitation__isnull=True) | Q(invitation__accepted_at__isnull=False)
        )
    elif status == PersonStatus.INVITED:
        people = people.filter(
            is_active=True, invitation__isnull=False, invitation__accepted_at__isnull=True
        )
    elif status == PersonStatus.DEACTIVATED:
        people = people.filter(is_active=False)
    if department:
        people = people.filter(profile__department_id=department)
    return people


def access_person_for_admin(viewer: User, person_id: int) -> User:
    _require_admin(viewer)
    person = User.objects.filter(pk=person_id).select_related("invitation").first()
    if person is None:
        raise Http404
    return person


def departments_for_admin(viewer: User) -> QuerySet[Department]:
    _require_admin(viewer)
    return Department.objects.annotate(people_count=Count("profiles")).order_by("name")


def sites_for_admin(viewer: User) -> QuerySet[Site]:
    _require_admin(viewer)
    return Site.objects.annotate(people_count=Count("profiles")).order_by("name")


def access_department(viewer: User, department_id: int) -> Department:
    _require_admin(viewer)
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise Http404
    return department


def access_site(viewer: User, site_id: int) -> Site:
    _require_admin(viewer)
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise Http404
    return site


def import_jobs(viewer: User) -> QuerySet[ImportJob]:
    _require_admin(viewer)
    return ImportJob.objects.select_related("created_by").defer("content")


@dataclass(frozen=True)
class ReportError:
    """One problem of an import's report, its column named as the file named it."""

    row: int
    column: str
    message: str


def import_report_errors(job: ImportJob) -> list[ReportError]:
    report = job.report or {}
    written: dict[str, str] = report.get("columns") or {}
    return [
        ReportError(
            row=int(error.get("row", 0)),
            column=written.get(error.get("field", ""), error.get("field", "")),
            message=str(error.get("message", "")),
        )
        for error in report.get("errors", [])
    ]


def access_import_job(viewer: User, job_id: int) -> ImportJob:
    job = import_jobs(viewer).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


@dataclass(frozen=True)
class PersonRow:
    """One person of the admin list, with what this viewer may do to them."""

    person: User
    manageable: bool  # change their role, deactivate or reactivate, resend the invitation


def person_rows(viewer: User, people: Iterable[User]) -> list[PersonRow]:
    return [PersonRow(person, may_manage_person(viewer, person)) for person in people]


@dataclass(frozen=True)
class RightRow:
    """One thing people may do, and for each role (in `Role`'s order) whether it may."""

    label: str
    allowed: list[bool]

    @property
    def by_role(self) -> list[tuple[Role, bool]]:
        return list(zip(Role, self.allowed, strict=True))


def roles_and_rights(viewer: User) -> list[RightRow]:
    """The roles page's table: what each role may do, read from the rules themselves."""
    if not may_administer(viewer):
        raise PermissionDenied
    probes = [User(role=role, is_active=True) for role in Role]
    rules: list[tuple[StrOrPromise, Callable[[User], bool]]] = [
        (_("Read the directory, profiles and the spaces open to them"), lambda p: True),
        (_("Post, comment, message colleagues, create spaces"), lambda p: not p.is_guest),
        (_("Publish announcements to the whole organisation"), lambda p: p.is_org_staff),
        (_("Invite, import, deactivate and reactivate people"), may_manage_people),
        (_("Edit departments and sites"), may_manage_people),
        (_("Give the roles below administrator"), may_manage_people),
        (_("Give the administrator role; change an administrator's account"), may_manage_settings),
        (_("Sign-in and branding settings, messaging policy, audit log"), may_manage_settings),
    ]
    return [RightRow(str(label), [bool(rule(p)) for p in probes]) for label, rule in rules]


# --- The overview (the administration's first page) -------------------------------------------

STORAGE_CACHE_KEY = "cercle:admin:storage:v1"
STORAGE_CACHE_SECONDS = 600


@dataclass(frozen=True)
class PeopleCounts:
    active: int
    invited: int
    deactivated: int


@dataclass(frozen=True)
class SpaceCounts:
    active: int
    archived: int


@dataclass(frozen=True)
class TaskQueue:
    """django-tasks' database backend, as the worker sees it."""

    uses_database: bool  # False: another backend (immediate, RQ): nothing to count here
    queued: int
    running: int
    failed: int
    oldest_queued: datetime | None


@dataclass(frozen=True)
class Storage:
    bytes: int
    files: int
    measured_at: datetime


@dataclass(frozen=True)
class Overview:
    people: PeopleCounts
    last_import: ImportJob | None
    # The IT department's part (None for the communication/HR team).
    spaces: SpaceCounts | None
    storage: Storage | None
    tasks: TaskQueue | None
    last_mail: LastMail | None


def _people_counts() -> PeopleCounts:
    pending = Q(invitation__isnull=False, invitation__accepted_at__isnull=True)
    counts = User.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True) & ~pending),
        invited=Count("pk", filter=Q(is_active=True) & pending),
        deactivated=Count("pk", filter=Q(is_active=False)),
    )
    return PeopleCounts(**counts)


def _space_counts() -> SpaceCounts:
    counts = Space.objects.aggregate(
        active=Count("pk", filter=Q(archived_at__isnull=True)),
        archived=Count("pk", filter=Q(archived_at__isnull=False)),
    )
    return SpaceCounts(**counts)


def _task_queue() -> TaskQueue:
    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    if not backend.startswith("django_tasks_db"):
        return TaskQueue(False, 0, 0, 0, None)
    counts = DBTaskResult.objects.aggregate(
        queued=Count("pk", filter=Q(status=TaskResultStatus.READY)),
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        failed=Count("pk", filter=Q(status=TaskResultStatus.FAILED)),
        oldest_queued=Min("enqueued_at", filter=Q(status=TaskResultStatus.READY)),
    )
    return TaskQueue(True, **counts)


def measure_storage() -> Storage | None:
    """Walk the media directory once (os.scandir, no stat of directories twice) and keep the
    figure in the cache for 10 minutes. None when files are not on this machine (S3)."""
    if not isinstance(default_storage, FileSystemStorage):
        return None
    total = files = 0
    pending = [str(default_storage.location)]
    while pending:
        try:
            entries = os.scandir(pending.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
                        files += 1
                except OSError:
                    continue
    storage = Storage(total, files, timezone.now())
    cache.set(STORAGE_CACHE_KEY, storage, STORAGE_CACHE_SECONDS)
    return storage


def storage_used() -> Storage | None:
    cached: Storage | None = cache.get(STORAGE_CACHE_KEY)
    return cached if cached is not None else measure_storage()


def overview(viewer: User) -> Overview:
    """The figures of the first page: a fixed number of queries, whatever the data's size."""
    if not may_administer(viewer):
        raise PermissionDenied
    people_rights = may_manage_people(viewer)
    it = may_manage_settings(viewer)
    return Overview(
        people=_people_counts(),
        last_import=(
            ImportJob.objects.select_related("created_by").defer("content").first()
            if people_rights
            else None
        ),
        spaces=_space_counts() if it else None,
        storage=storage_used() if it else None,
        tasks=_task_queue() if it else None,
        last_mail=last_mail() if it else None,
    )
