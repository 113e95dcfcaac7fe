"""Reads of the IT department's pages: people with their status, import jobs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Now
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import Department, Site, User
from cercle.administration.models import ImportJob
from cercle.core.text import search_terms


def _require_admin(viewer: User) -> None:
    if not viewer.is_authenticated or not viewer.is_admin:
        raise PermissionDenied


class PersonStatus:
    ACTIVE = "active"
    INVITED = "invited"
    DEACTIVATED = "deactivated"
    CHOICES = (
        (ACTIVE, _("Active")),
        (INVITED, _("Invited, not yet accepted")),
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


def access_import_job(viewer: User, job_id: int) -> ImportJob:
    job = import_jobs(viewer).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job
