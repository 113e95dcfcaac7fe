"""Admin actions on people: invitations, roles, deactivation, departments and sites."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cercle.accounts.actions import people
from cercle.accounts.models import Department, Invitation, Profile, Role, Site, User
from cercle.accounts.tokens import hash_token
from cercle.audit.models import AuditEntry
from cercle.core.mail import site_url
from tests.factories import (
    PASSWORD,
    give_skill,
    make_admin,
    make_department,
    make_site,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_invite_person_creates_an_invited_person_and_mails_the_link(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    admin = make_admin()
    department = make_department("Comptabilité")
    site = make_site("Lyon")
    manager = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        user = people.invite_person(
            actor=admin,
            email="  Claire.Martin@Example.org ",
            first_name="Claire",
            last_name="Martin",
            role=Role.STAFF,
            department=department,
            site=site,
            job_title="Contrôleuse de gestion",
            manager=manager,
        )
    user.refresh_from_db()
    assert user.email == "claire.martin@example.org"
    assert user.is_active and not user.has_usable_password()
    assert user.role == Role.STAFF and not user.is_staff
    profile = Profile.objects.get(user=user)
    assert profile.department == department and profile.site == site
    assert profile.manager == manager
    assert "comptabilite" in profile.search_text and "lyon" in profile.search_text
    assert profile.sort_name == "martin claire"
    address = EmailAddress.objects.get(user=user)
    assert address.verified and address.primary
    invitation = Invitation.objects.get(user=user)
    assert invitation.invited_by == admin and invitation.accepted_at is None
    assert 13 <= (invitation.expires_at - invitation.created_at).days <= 14
    assert invitation.sent_at is not None
    assert AuditEntry.objects.filter(action="accounts.invited", target_id=str(user.pk)).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["claire.martin@example.org"]
    link = next(w for w in message.body.split() if "/invitation/" in w)
    assert link.startswith(f"{site_url()}/invitation/")
    secret = link.rstrip("/").rsplit("/", 1)[1]
    # Only the hash of the link's secret is stored.
    assert invitation.token_hash == hash_token(secret)
    assert secret not in invitation.token_hash


def test_invitation_mail_is_in_the_inviters_language_else_the_organisations(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "fr"
    admin = make_admin()
    admin.language = "en"
    admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        people.invite_person(actor=admin, email="a@example.org", first_name="A", last_name="B")
    assert "Hello A" in mail.outbox[0].body


def test_duplicate_email_is_refused_whatever_its_case() -> None:
    admin = make_admin()
    make_user(email="taken@example.org")
    with pytest.raises(ValidationError) as error:
        people.invite_person(actor=admin, email="TAKEN@example.org", first_name="X", last_name="Y")
    assert "already exists" in str(error.value)
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1


def test_only_admins_and_hr_invite() -> None:
    for role in (Role.MEMBER, Role.GUEST):
        with pytest.raises(PermissionDenied):
            people.invite_person(
                actor=make_user(role=role), email="x@example.org", first_name="X", last_name="Y"
            )
    assert not User.objects.filter(email="x@example.org").exists()


def test_resend_invitation_makes_a_new_link_and_extends_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = make_admin()
    with django_capture_on_commit_callbacks(execute=True):
        user = people.invite_person(
            actor=admin, email="b@example.org", first_name="B", last_name="C"
        )
    first_hash = Invitation.objects.get(user=user).token_hash
    with django_capture_on_commit_callbacks(execute=True):
        people.resend_invitation(actor=admin, person=user)
    assert len(mail.outbox) == 2
    assert Invitation.objects.get(user=user).token_hash != first_hash
    assert AuditEntry.objects.filter(action="accounts.invitation_resent").count() == 1


def test_resend_refused_once_accepted() -> None:
    admin = make_admin()
    user = people.invite_person(
        actor=admin, email="c@example.org", first_name="C", last_name="D", send=False
    )
    Invitation.objects.filter(user=user).update(accepted_at="2026-01-01T00:00:00Z")
    with pytest.raises(ValidationError):
        people.resend_invitation(actor=admin, person=user)


def test_set_role_syncs_django_admin_flags_and_audits_old_and_new() -> None:
    admin = make_admin()
    person = make_user()
    people.set_role(actor=admin, person=person, role=Role.ADMIN)
    person.refresh_from_db()
    assert person.role == Role.ADMIN and person.is_staff and person.is_superuser
    entry = AuditEntry.objects.get(action="accounts.role_changed")
    assert entry.old_value == {"role": "member"} and entry.new_value == {"role": "admin"}
    assert entry.actor == admin
    people.set_role(actor=admin, person=person, role=Role.GUEST)
    person.refresh_from_db()
    assert not person.is_staff and not person.is_superuser


def test_the_last_active_admin_keeps_the_role() -> None:
    admin = make_admin()
    with pytest.raises(ValidationError) as error:
        people.set_role(actor=admin, person=admin, role=Role.MEMBER)
    assert "last active administrator" in str(error.value)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    # A deactivated admin does not count.
    other = make_admin(is_active=False)
    with pytest.raises(ValidationError):
        people.set_role(actor=admin, person=admin, role=Role.MEMBER)
    people.reactivate_person(actor=admin, person=other)
    people.set_role(actor=admin, person=admin, role=Role.MEMBER)
    admin.refresh_from_db()
    assert admin.role == Role.MEMBER


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ValidationError):
        people.set_role(actor=make_admin(), person=make_user(), role="king")


def test_deactivate_ends_sessions_and_reactivate_reverses_it() -> None:
    admin = make_admin()
    person = make_user(username="leaving")
    client = Client()
    assert client.login(username="leaving", password=PASSWORD)
    people.deactivate_person(actor=admin, person=person)
    person.refresh_from_db()
    assert not person.is_active and person.deactivated_at is not None
    assert not get_user(client).is_authenticated  # type: ignore[arg-type]
    assert not Client().login(username="leaving", password=PASSWORD)
    entry = AuditEntry.objects.get(action="accounts.deactivated")
    assert entry.old_value == {"is_active": True} and entry.new_value == {"is_active": False}
    people.reactivate_person(actor=admin, person=person)
    person.refresh_from_db()
    assert person.is_active and person.deactivated_at is None
    assert AuditEntry.objects.filter(action="accounts.reactivated").count() == 1
    assert Client().login(username="leaving", password=PASSWORD)


def test_an_admin_cannot_deactivate_themself_nor_the_last_admin() -> None:
    admin = make_admin()
    with pytest.raises(ValidationError) as error:
        people.deactivate_person(actor=admin, person=admin)
    assert "yourself" in str(error.value)
    admin.refresh_from_db()
    assert admin.is_active
    # Another admin's account, the last one besides a deactivated actor, cannot happen: an actor
    # must be active. With two admins, one may deactivate the other.
    other = make_admin()
    people.deactivate_person(actor=admin, person=other)
    other.refresh_from_db()
    assert not other.is_active


def test_deactivation_keeps_everything_the_person_wrote() -> None:
    admin = make_admin()
    person = make_user()
    give_skill(person, "Python")
    people.deactivate_person(actor=admin, person=person)
    assert User.objects.filter(pk=person.pk).exists()
    assert Profile.objects.filter(user=person).exists()
    assert person.skills.count() == 1


def test_departments_and_sites_create_rename_delete() -> None:
    admin = make_admin()
    department = people.create_department(actor=admin, name="Ressources humaines")
    assert department.slug == "ressources-humaines"
    with pytest.raises(ValidationError):
        people.create_department(actor=admin, name="ressources HUMAINES")
    member = make_user(department=department)
    people.rename_department(actor=admin, department=department, name="RH et paie")
    assert "rh et paie" in Profile.objects.get(user=member).search_text
    entry = AuditEntry.objects.get(action="accounts.department_renamed")
    assert entry.old_value == {"name": "Ressources humaines"}
    with pytest.raises(ValidationError) as error:
        people.delete_department(actor=admin, department=department)
    assert "still has 1 people" in str(error.value)
    Profile.objects.filter(user=member).update(department=None)
    people.delete_department(actor=admin, department=department)
    assert not Department.objects.filter(pk=department.pk).exists()

    site = people.create_site(actor=admin, name="Nantes")
    people.rename_site(actor=admin, site=site, name="Nantes Atlantique")
    make_user(site=site)
    with pytest.raises(ValidationError):
        people.delete_site(actor=admin, site=site)
    assert Site.objects.filter(pk=site.pk).exists()


def test_places_need_an_admin_or_hr() -> None:
    with pytest.raises(PermissionDenied):
        people.create_department(actor=make_user(role=Role.MEMBER), name="X")
    assert not Department.objects.exists()
