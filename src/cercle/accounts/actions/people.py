"""Writes about people that admins and the communication/HR team make: invitations, CSV imports,
roles, deactivation, and the departments and sites people belong to.

Every function checks the actor's rights (`accounts.queries.may_manage_people`; an administrator's
account and the administrator role are for administrators only), writes in a transaction and
records an audit entry. Refusals are `PermissionDenied` (not allowed) or `ValidationError` with a
message meant for the admin (a duplicate email, the last admin, a department that still has people).
"""

from __future__ import annotations

import importlib
import logging
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cercle.accounts import hooks, importer
from cercle.accounts.models import (
    Department,
    Invitation,
    Profile,
    Role,
    Site,
    User,
)
from cercle.accounts.queries import (
    assignable_roles,
    get_organisation,
    may_manage_people,
    may_manage_person,
)
from cercle.accounts.search import build_search_text, build_sort_name
from cercle.accounts.tokens import hash_token
from cercle.audit.actions import log_event, log_events
from cercle.core.events import AccountDeactivated
from cercle.core.hooks import emit
from cercle.core.mail import absolute_url, site_url
from cercle.core.realtime import publish_on_commit
from cercle.core.text import normalize

logger = logging.getLogger(__name__)

INVITATION_VALIDITY = timedelta(days=14)
IMPORT_BATCH_SIZE = 500
_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


def _require_people_manager(actor: User | None) -> User:
    """Administrators and the communication/HR team manage people (`queries.may_manage_people`)."""
    if actor is None or not may_manage_people(actor):
        raise PermissionDenied(_("Only administrators and the communication/HR team may do this."))
    return actor


def _require_manages(actor: User | None, person: User) -> User:
    """The person's account may be changed by this actor (an administrator's: admins only)."""
    actor = _require_people_manager(actor)
    if not may_manage_person(actor, person):
        raise PermissionDenied(_("Only administrators may change an administrator's account."))
    return actor


def _require_assignable(actor: User, role: str) -> None:
    if role in Role.values and role not in assignable_roles(actor):
        raise PermissionDenied(_("Only administrators may give the administrator role."))


def _email_language(actor: User | None) -> str:
    """Invitees have no preference yet: the inviter's language, else the organisation's."""
    if actor is not None and actor.language:
        return actor.language
    return settings.LANGUAGE_CODE


# --- Usernames and search columns -------------------------------------------------------------


def _username_base(email: str) -> str:
    local = email.split("@", 1)[0].lower()
    return (_USERNAME_UNSAFE.sub("", local) or "person")[:140]


def _unique_username(email: str, taken: set[str]) -> str:
    base = _username_base(email)
    candidate, n = base, 1
    reserved = settings.ACCOUNT_USERNAME_BLACKLIST
    while candidate in taken or candidate in reserved:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate


def _taken_usernames(email: str) -> set[str]:
    base = _username_base(email)
    return set(User.objects.filter(username__startswith=base).values_list("username", flat=True))


def _profile_columns(
    user: User, *, job_title: str, team: str, department: str, site: str
) -> dict[str, str]:
    return {
        "search_text": build_search_text(
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            job_title=job_title,
            team=team,
            department=department,
            site=site,
        ),
        "sort_name": build_sort_name(
            first_name=user.first_name, last_name=user.last_name, username=user.username
        ),
    }


def refresh_search_text(profiles: Iterable[Profile]) -> None:
    """Recompute the search column of these profiles (after a department or site is renamed)."""
    batch: list[Profile] = []
    for profile in profiles:
        user = profile.user
        skills = [user_skill.skill.name for user_skill in user.skills.all()]
        profile.search_text = build_search_text(
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            job_title=profile.job_title,
            team=profile.team,
            department=profile.department.name if profile.department else "",
            site=profile.site.name if profile.site else "",
            skills=skills,
            topics=[str(topic) for topic in profile.ask_me_about or []],
            languages=profile.languages or [],
        )
        batch.append(profile)
        if len(batch) >= IMPORT_BATCH_SIZE:
            Profile.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Profile.objects.bulk_update(batch, ["search_text"])


def _profiles_for_refresh(condition: Q) -> Any:
    return (
        Profile.objects.filter(condition)
        .select_related("user", "department", "site")
        .prefetch_related("user__skills__skill")
    )


# --- Invitations ------------------------------------------------------------------------------


def email_taken(email: str) -> bool:
    email = email.strip().lower()
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


def invite_person(
    *,
    actor: User,
    email: str,
    first_name: str,
    last_name: str,
    role: str = Role.MEMBER,
    department: Department | None = None,
    site: Site | None = None,
    job_title: str = "",
    manager: User | None = None,
    team: str = "",
    phone: str = "",
    send: bool = True,
    request: HttpRequest | None = None,
) -> User:
    """Create the person (active, no usable password) and their invitation; mail the link."""
    _require_people_manager(actor)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": _("Enter a valid email address.")}) from error
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _require_assignable(actor, role)
    if not first_name.strip() or not last_name.strip():
        raise ValidationError(_("First and last name are required."))
    with transaction.atomic():
        if email_taken(email):
            raise ValidationError({"email": _("A person with this email address already exists.")})
        # The same writes as a bulk import's, for one person (`create_people`).
        try:
            with transaction.atomic():
                [user], invitation_ids = create_people(
                    actor=actor,
                    people=[
                        NewPerson(
                            email=email,
                            first_name=first_name.strip(),
                            last_name=last_name.strip(),
                            role=role,
                            job_title=job_title.strip(),
                            team=team.strip(),
                            phone=phone.strip(),
                            department_id=department.pk if department else None,
                            site_id=site.pk if site else None,
                            manager_id=manager.pk if manager else None,
                        )
                    ],
                    taken_usernames=_taken_usernames(email),
                    place_names=(
                        {department.pk: department.name} if department else {},
                        {site.pk: site.name} if site else {},
                    ),
                )
        except IntegrityError as error:
            raise ValidationError(
                {"email": _("A person with this email address already exists.")}
            ) from error
        log_event(
            actor=actor,
            action="accounts.invited",
            target=user,
            new={"email": email, "role": role},
            request=request,
        )
        if send:
            _queue_invitations(invitation_ids, language=_email_language(actor))
    return user


def resend_invitation(*, actor: User, person: User, request: HttpRequest | None = None) -> None:
    """Send a fresh link (the previous one stops working) valid for another 14 days."""
    _require_manages(actor, person)
    with transaction.atomic():
        invitation = Invitation.objects.filter(user=person, accepted_at__isnull=True).first()
        if invitation is None:
            raise ValidationError(_("This person has no pending invitation."))
        if not person.is_active:
            raise ValidationError(_("Reactivate this person before inviting them again."))
        invitation.expires_at = timezone.now() + INVITATION_VALIDITY
        invitation.save(update_fields=["expires_at"])
        log_event(actor=actor, action="accounts.invitation_resent", target=person, request=request)
        _queue_invitations([invitation.pk], language=_email_language(actor))


def _queue_invitations(invitation_ids: Sequence[int], *, language: str) -> None:
    from cercle.accounts.tasks import send_invitations

    ids = list(invitation_ids)
    # The address this request reached the server at (or SITE_URL): the task has no request.
    base = site_url()

    def enqueue(chunk: list[int]) -> None:
        send_invitations.enqueue(invitation_ids=chunk, language=language, site_url=base)

    for start in range(0, len(ids), 200):
        transaction.on_commit(partial(enqueue, ids[start : start + 200]))


def invitation_link(secret: str, *, base: str = "") -> str:
    try:
        path = reverse("accept_invitation", kwargs={"token": secret})
    except NoReverseMatch:
        path = f"/invitation/{secret}/"
    return absolute_url(path, base=base)


def send_invitation_email(
    *,
    invitation_id: int,
    language: str,
    connection: BaseEmailBackend | None = None,
    site_url: str = "",
) -> bool:
    """Give the invitation a new secret and mail its link. Called by the background task.

    Only the secret's hash is stored, so each sending makes a new secret: the latest mail's link
    is the one that works. The mail is sent outside the transaction (no database lock is held
    while the mail server answers); `sent_at` is set once it has gone. Returns False when there
    is nothing to send any more (accepted, deactivated, deleted).
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("user", "invited_by")
            .filter(pk=invitation_id, accepted_at__isnull=True, user__is_active=True)
            .first()
        )
        if invitation is None:
            return False
        secret = secrets.token_urlsafe(32)
        invitation.token_hash = hash_token(secret)
        invitation.save(update_fields=["token_hash"])
    user = invitation.user
    organisation = get_organisation()
    context = {
        "person": user,
        "inviter": invitation.invited_by,
        "organisation": organisation,
        "link": invitation_link(secret, base=site_url),
        "expires_at": invitation.expires_at,
        "site_url": absolute_url("", base=site_url),
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _("You are invited to join %(organisation)s on Cercle") % {
            "organisation": organisation.name
        }
        text = render_to_string("accounts/email/invitation_message.txt", context)
        html = render_to_string("accounts/email/invitation_message.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    message.send()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return True


# --- Roles, deactivation ----------------------------------------------------------------------


def _lock_admins_and(person: User) -> tuple[User, bool]:
    """Lock the active admins then the person, always in id order (so two admins demoting
    each other at once queue instead of deadlocking); say whether another active admin exists.
    """
    admins = list(
        User.objects.select_for_update()
        .filter(role=Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    locked = User.objects.select_for_update().get(pk=person.pk)
    return locked, any(pk != person.pk for pk in admins)


def set_role(*, actor: User, person: User, role: str, request: HttpRequest | None = None) -> User:
    _require_manages(actor, person)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _require_assignable(actor, role)
    with transaction.atomic():
        person, others = _lock_admins_and(person)
        old = person.role
        if old == role:
            return person
        if old == Role.ADMIN and person.is_active and not others:
            raise ValidationError(
                _(
                    "%(name)s is the last active administrator: "
                    "make someone else an administrator first."
                )
                % {"name": person.display_name}
            )
        person.role = role
        # The Django admin (/django-admin/) is for Cercle's administrators only.
        person.is_staff = person.is_superuser = role == Role.ADMIN
        person.save(update_fields=["role", "is_staff", "is_superuser"])
        emit(hooks.RoleChanged(person=person, old_role=old))
        log_event(
            actor=actor,
            action="accounts.role_changed",
            target=person,
            old={"role": old},
            new={"role": role},
            request=request,
        )
    return person


def end_sessions(user: User) -> None:
    """End every session of this person, through the auth module when it offers it."""
    try:
        auth_actions = importlib.import_module("cercle.accounts.actions.auth")
    except ImportError:
        auth_actions = None
    end_all = getattr(auth_actions, "end_all_sessions", None)
    if end_all is not None:
        end_all(user)
        return
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user=user):
        session.end()


def deactivate_person(*, actor: User, person: User, request: HttpRequest | None = None) -> User:
    """Block their login and hide them from pickers; everything they wrote stays."""
    _require_manages(actor, person)
    if person.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    with transaction.atomic():
        person, others = _lock_admins_and(person)
        if not person.is_active:
            return person
        if person.role == Role.ADMIN and not others:
            raise ValidationError(
                _("%(name)s is the last active administrator and cannot be deactivated.")
                % {"name": person.display_name}
            )
        person.is_active = False
        person.deactivated_at = timezone.now()
        person.save(update_fields=["is_active", "deactivated_at"])
        # Their sockets already open (chat, bell, feeds) close, in every tab and process.
        publish_on_commit(AccountDeactivated(), user_ids=[person.pk])
        log_event(
            actor=actor,
            action="accounts.deactivated",
            target=person,
            old={"is_active": True},
            new={"is_active": False},
            request=request,
        )
        end_sessions(person)
    return person


def deactivate_people(
    *, actor: User, people: Iterable[User], request: HttpRequest | None = None
) -> tuple[list[User], dict[int, ValidationError | PermissionDenied]]:
    """`deactivate_person` for many people at once, with the same checks and effects: their
    login blocked (one UPDATE), their open sockets closed (one event to all of them after
    commit), their sessions ended, one audit entry each (one INSERT), `PeopleChanged` for the
    search index. Returns those deactivated now, and the refused (person id → why): an
    administrator's account for a non-administrator, the actor themselves, the last active
    administrator. People already inactive are neither."""
    actor = _require_people_manager(actor)
    refused: dict[int, ValidationError | PermissionDenied] = {}
    ids = sorted({person.pk for person in people})
    with transaction.atomic():
        # Admins first then the people, in id order, as `_lock_admins_and` does.
        admins = set(
            User.objects.select_for_update()
            .filter(role=Role.ADMIN, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        done: list[User] = []
        for person in (
            User.objects.select_for_update().filter(pk__in=ids, is_active=True).order_by("pk")
        ):
            if not may_manage_person(actor, person):
                refused[person.pk] = PermissionDenied(
                    _("Only administrators may change an administrator's account.")
                )
            elif person.pk == actor.pk:
                refused[person.pk] = ValidationError(_("You cannot deactivate yourself."))
            elif person.role == Role.ADMIN and not admins - {person.pk}:
                refused[person.pk] = ValidationError(
                    _("%(name)s is the last active administrator and cannot be deactivated.")
                    % {"name": person.display_name}
                )
            else:
                admins.discard(person.pk)
                done.append(person)
        if not done:
            return done, refused
        now = timezone.now()
        done_ids = [person.pk for person in done]
        User.objects.filter(pk__in=done_ids).update(is_active=False, deactivated_at=now)
        for person in done:
            person.is_active, person.deactivated_at = False, now
        publish_on_commit(AccountDeactivated(), user_ids=done_ids)
        log_events(
            {
                "actor": actor,
                "action": "accounts.deactivated",
                "target": person,
                "old": {"is_active": True},
                "new": {"is_active": False},
                "request": request,
            }
            for person in done
        )
        end_sessions_many(done_ids)
        emit(
            hooks.PeopleChanged(
                tuple(done_ids), user_fields=frozenset({"is_active", "deactivated_at"})
            )
        )
    return done, refused


def end_sessions_many(user_ids: Sequence[int]) -> None:
    """`end_sessions` for many people: one pass over the open sessions."""
    auth_actions = importlib.import_module("cercle.accounts.actions.auth")
    auth_actions.end_all_sessions_many(user_ids)


def reactivate_person(*, actor: User, person: User, request: HttpRequest | None = None) -> User:
    _require_manages(actor, person)
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.is_active:
            return person
        person.is_active = True
        person.deactivated_at = None
        person.save(update_fields=["is_active", "deactivated_at"])
        log_event(
            actor=actor,
            action="accounts.reactivated",
            target=person,
            old={"is_active": False},
            new={"is_active": True},
            request=request,
        )
    return person


def reactivate_people(
    *, actor: User, people: Iterable[User], request: HttpRequest | None = None
) -> tuple[list[User], dict[int, PermissionDenied]]:
    """`reactivate_person` for many people at once (the company directory's returning people),
    with the same checks and effects: their login allowed again (one UPDATE), one
    `accounts.reactivated` audit entry each (one INSERT), `PeopleChanged` for the search index
    (they are found again). Returns those reactivated now, and the refused (person id → why: an
    administrator's account for a non-administrator). People already active are neither."""
    actor = _require_people_manager(actor)
    refused: dict[int, PermissionDenied] = {}
    ids = sorted({person.pk for person in people})
    with transaction.atomic():
        done: list[User] = []
        for person in (
            User.objects.select_for_update().filter(pk__in=ids, is_active=False).order_by("pk")
        ):
            if may_manage_person(actor, person):
                done.append(person)
            else:
                refused[person.pk] = PermissionDenied(
                    _("Only administrators may change an administrator's account.")
                )
        if not done:
            return done, refused
        done_ids = [person.pk for person in done]
        User.objects.filter(pk__in=done_ids).update(is_active=True, deactivated_at=None)
        for person in done:
            person.is_active, person.deactivated_at = True, None
        log_events(
            {
                "actor": actor,
                "action": "accounts.reactivated",
                "target": person,
                "old": {"is_active": False},
                "new": {"is_active": True},
                "request": request,
            }
            for person in done
        )
        emit(
            hooks.PeopleChanged(
                tuple(done_ids), user_fields=frozenset({"is_active", "deactivated_at"})
            )
        )
    return done, refused


# --- Departments and sites --------------------------------------------------------------------


def _unique_slug(
    model: type[Department] | type[Site], name: str, exclude: int | None = None
) -> str:
    base = slugify(name)[:120] or ("department" if model is Department else "site")
    others = model.objects.filter(slug__startswith=base)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _clean_place_name(model: type[Department] | type[Site], name: str, exclude: int | None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > 120:
        raise ValidationError({"name": _("At most 120 characters.")})
    others = model.objects.exclude(pk=exclude) if exclude else model.objects.all()
    if any(normalize(other) == normalize(name) for other in others.values_list("name", flat=True)):
        raise ValidationError({"name": _("This name is already used.")})
    return name


@contextmanager
def _name_taken_meanwhile() -> Iterator[None]:
    """A department or site whose name (or slug) another request created between our check and
    our insert (two SCIM requests for new people of one new department, on two workers): the
    form's "already used", not a server error; the savepoint keeps the caller's transaction."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ValidationError({"name": _("This name is already used.")}) from exc


def create_department(
    *, actor: User, name: str, description: str = "", request: HttpRequest | None = None
) -> Department:
    _require_people_manager(actor)
    with transaction.atomic():
        name = _clean_place_name(Department, name, None)
        with _name_taken_meanwhile():
            department = Department.objects.create(
                name=name, slug=_unique_slug(Department, name), description=description.strip()
            )
        log_event(
            actor=actor,
            action="accounts.department_created",
            target=department,
            new={"name": name},
            request=request,
        )
    return department


def create_site(
    *, actor: User, name: str, city: str = "", request: HttpRequest | None = None
) -> Site:
    _require_people_manager(actor)
    with transaction.atomic():
        name = _clean_place_name(Site, name, None)
        with _name_taken_meanwhile():
            site = Site.objects.create(name=name, slug=_unique_slug(Site, name), city=city.strip())
        log_event(
            actor=actor,
            action="accounts.site_created",
            target=site,
            new={"name": name},
            request=request,
        )
    return site


def rename_department(
    *, actor: User, department: Department, name: str, request: HttpRequest | None = None
) -> Department:
    """Rename (the slug, used in links, stays); members' search columns follow the new name."""
    return _rename_place(
        actor=actor,
        place=department,
        name=name,
        members=Q(department=department),
        action="accounts.department_renamed",
        request=request,
    )


def rename_site(*, actor: User, site: Site, name: str, request: HttpRequest | None = None) -> Site:
    """Rename (the slug, used in links, stays); members' search columns follow the new name."""
    return _rename_place(
        actor=actor,
        place=site,
        name=name,
        members=Q(site=site),
        action="accounts.site_renamed",
        request=request,
    )


PlaceT = TypeVar("PlaceT", Department, Site)


def _rename_place(
    *,
    actor: User,
    place: PlaceT,
    name: str,
    members: Q,
    action: str,
    request: HttpRequest | None,
) -> PlaceT:
    _require_people_manager(actor)
    with transaction.atomic():
        name = _clean_place_name(type(place), name, place.pk)
        old = place.name
        if old == name:
            return place
        place.name = name
        place.save(update_fields=["name", "updated_at"])
        refresh_search_text(_profiles_for_refresh(members))
        log_event(
            actor=actor,
            action=action,
            target=place,
            old={"name": old},
            new={"name": name},
            request=request,
        )
    return place


def delete_department(
    *, actor: User, department: Department, request: HttpRequest | None = None
) -> None:
    """Refused while people belong to it: an admin moves them first (nobody loses a place)."""
    _delete_place(
        actor=actor,
        place=department,
        members=Q(department=department),
        action="accounts.department_deleted",
        request=request,
        still_used=_("%(name)s still has %(count)d people: move them to another department first."),
    )


def delete_site(*, actor: User, site: Site, request: HttpRequest | None = None) -> None:
    """Refused while people belong to it: an admin moves them first (nobody loses a place)."""
    _delete_place(
        actor=actor,
        place=site,
        members=Q(site=site),
        action="accounts.site_deleted",
        request=request,
        still_used=_("%(name)s still has %(count)d people: move them to another site first."),
    )


def _delete_place(
    *,
    actor: User,
    place: Department | Site,
    members: Q,
    action: str,
    still_used: str,
    request: HttpRequest | None,
) -> None:
    _require_people_manager(actor)
    with transaction.atomic():
        count = Profile.objects.filter(members).count()
        if count:
            raise ValidationError(still_used % {"name": place.name, "count": count})
        log_event(
            actor=actor, action=action, target=place, old={"name": place.name}, request=request
        )
        place.delete()


# --- Many people at once (CSV import, directory synchronisation) ------------------------------


@dataclass
class NewPerson:
    """One person for `create_people`: the invitation's fields, places and manager by id."""

    email: str
    first_name: str
    last_name: str
    role: str = Role.MEMBER
    job_title: str = ""
    team: str = ""
    phone: str = ""
    language: str = ""
    department_id: int | None = None
    site_id: int | None = None
    manager_id: int | None = None


def create_people(
    *,
    actor: User,
    people: Sequence[NewPerson],
    taken_usernames: set[str],
    place_names: tuple[dict[int, str], dict[int, str]],
) -> tuple[list[User], list[int]]:
    """Create whole people in a fixed number of queries, whatever their number: what
    `invite_person` gives one person (an active account without a usable password, the profile
    with its directory columns, a verified primary address, an invitation not sent), then
    `PeopleCreated` for the modules that follow accounts (the search index). Returns the people
    and their invitations' ids.

    For bulk writers that checked their rows already (valid and unused addresses, non-empty
    names, roles the actor may give) and call it in their transaction, one per batch;
    `taken_usernames` (updated) and `place_names` ({department id: name}, {site id: name}) are
    read once for all batches."""
    unusable = make_password(None)
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                username=_unique_username(row.email, taken_usernames),
                email=row.email,
                first_name=row.first_name,
                last_name=row.last_name,
                role=row.role,
                language=row.language,
                is_active=True,
                is_staff=row.role == Role.ADMIN,
                is_superuser=row.role == Role.ADMIN,
                password=unusable,
                date_joined=now,
            )
            for row in people
        ]
    )
    departments, sites = place_names
    Profile.objects.bulk_create(
        [
            Profile(
                user=user,
                job_title=row.job_title,
                department_id=row.department_id,
                site_id=row.site_id,
                manager_id=row.manager_id,
                team=row.team,
                phone=row.phone,
                **_profile_columns(
                    user,
                    job_title=row.job_title,
                    team=row.team,
                    department=departments.get(row.department_id, "") if row.department_id else "",
                    site=sites.get(row.site_id, "") if row.site_id else "",
                ),
            )
            for user, row in zip(users, people, strict=True)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users]
    )
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                user=user,
                invited_by=actor,
                token_hash=hash_token(secrets.token_urlsafe(32)),
                expires_at=now + INVITATION_VALIDITY,
            )
            for user in users
        ]
    )
    emit(hooks.PeopleCreated(tuple(user.pk for user in users)))
    return users, [invitation.pk for invitation in invitations]


# --- CSV import -------------------------------------------------------------------------------


def existing_people_data() -> importer.ExistingData:
    """What an import is checked against: emails, people by email, departments and sites."""
    data = importer.ExistingData()
    for pk, email in User.objects.annotate(lower_email=Lower("email")).values_list(
        "pk", "lower_email"
    ):
        data.people[email] = pk
        data.emails.add(email)
    data.emails.update(
        EmailAddress.objects.annotate(lower_email=Lower("email")).values_list(
            "lower_email", flat=True
        )
    )
    departments = list(Department.objects.values_list("pk", "name"))
    sites = list(Site.objects.values_list("pk", "name"))
    data.departments = {normalize(name): pk for pk, name in departments}
    data.sites = {normalize(name): pk for pk, name in sites}
    data.names = {
        "department": [name for _pk, name in departments],
        "site": [name for _pk, name in sites],
    }
    return data


def check_import(
    text: str, *, create_missing: bool, actor: User | None = None
) -> importer.CheckedFile:
    """Parse and check a whole file (raises importer.ImportFileError for an unreadable one).

    With an actor, a row giving a role this actor may not give is an error of that row."""
    rows, errors = importer.parse(text)
    return importer.check(
        rows,
        errors,
        existing=existing_people_data(),
        create_missing=create_missing,
        allowed_roles=None if actor is None else {role.value for role in assignable_roles(actor)},
        headers=importer.headers_as_written(text),
    )


def import_people(
    *,
    actor: User,
    checked: importer.CheckedFile,
    send_invitations: bool = False,
    language: str = "",
    filename: str = "",
    progress: Any = None,
) -> list[int]:
    """Create the valid rows' people in batches; managers in a second pass; one audit entry.

    Batches are committed one by one so that `progress(done)` can be shown while it runs; if
    anything fails, the people, departments and sites created so far are deleted again, so an
    import is all or nothing. Returns the new people's ids.
    """
    _require_people_manager(actor)
    rows = checked.valid_rows
    for row in rows:
        _require_assignable(actor, row.role)
    created_user_ids: list[int] = []
    created_places: list[Department | Site] = []
    try:
        with transaction.atomic():
            departments = {
                normalize(n): pk for pk, n in Department.objects.values_list("pk", "name")
            }
            sites = {normalize(n): pk for pk, n in Site.objects.values_list("pk", "name")}
            for key, name in checked.missing_departments.items():
                if key not in departments and any(normalize(r.department) == key for r in rows):
                    department = Department.objects.create(
                        name=name, slug=_unique_slug(Department, name)
                    )
                    created_places.append(department)
                    departments[key] = department.pk
            for key, name in checked.missing_sites.items():
                if key not in sites and any(normalize(r.site) == key for r in rows):
                    site = Site.objects.create(name=name, slug=_unique_slug(Site, name))
                    created_places.append(site)
                    sites[key] = site.pk
        department_names = {pk: n for pk, n in Department.objects.values_list("pk", "name")}
        site_names = {pk: n for pk, n in Site.objects.values_list("pk", "name")}
        taken = set(User.objects.values_list("username", flat=True))
        people_by_email = {
            email.lower(): pk for pk, email in User.objects.values_list("pk", "email")
        }
        invitation_ids: list[int] = []
        for start in range(0, len(rows), IMPORT_BATCH_SIZE):
            batch = rows[start : start + IMPORT_BATCH_SIZE]
            with transaction.atomic():
                users, invited = create_people(
                    actor=actor,
                    people=[
                        NewPerson(
                            email=row.email,
                            first_name=row.first_name,
                            last_name=row.last_name,
                            role=row.role,
                            job_title=row.job_title,
                            team=row.team,
                            phone=row.phone,
                            department_id=(
                                departments.get(normalize(row.department))
                                if row.department
                                else None
                            ),
                            site_id=sites.get(normalize(row.site)) if row.site else None,
                        )
                        for row in batch
                    ],
                    taken_usernames=taken,
                    place_names=(department_names, site_names),
                )
                invitation_ids.extend(invited)
                for user, row in zip(users, batch, strict=True):
                    people_by_email[row.email] = user.pk
            # Only once the batch is committed: a rolled-back batch's ids may be reused.
            created_user_ids.extend(user.pk for user in users)
            if progress is not None:
                progress(start + len(batch))
        # Managers, now that everyone exists.
        with_manager = [
            Profile(
                user_id=people_by_email[row.email], manager_id=people_by_email[row.manager_email]
            )
            for row in rows
            if row.manager_email
        ]
        with transaction.atomic():
            Profile.objects.bulk_update(with_manager, ["manager"], batch_size=IMPORT_BATCH_SIZE)
            log_event(
                actor=actor,
                action="accounts.imported",
                new={
                    "created": len(created_user_ids),
                    "invalid_rows": len(checked.invalid_rows),
                    "departments_created": sum(isinstance(p, Department) for p in created_places),
                    "sites_created": sum(isinstance(p, Site) for p in created_places),
                    "invitations_sent": send_invitations,
                },
                extra={"filename": filename},
            )
            if send_invitations:
                _queue_invitations(invitation_ids, language=language or _email_language(actor))
    except Exception:
        logger.exception("Import failed; removing the %d people created", len(created_user_ids))
        with transaction.atomic():
            for start in range(0, len(created_user_ids), IMPORT_BATCH_SIZE):
                User.objects.filter(
                    pk__in=created_user_ids[start : start + IMPORT_BATCH_SIZE]
                ).delete()
            for place in created_places:
                place.delete()
        raise
    return created_user_ids
