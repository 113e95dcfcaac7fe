"""Every write of provisioning: SCIM tokens (issued and revoked by administrators) and what an
identity provider does through SCIM, applied with the accounts' own actions — a provisioned
person is invited (without a mail), their profile and department set, deactivated and
reactivated exactly as an administrator would, in the name of the administrator who issued the
token. Refusals are scim2-models' exceptions, which the SCIM views turn into SCIM errors.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from scim2_models import (
    EnterpriseUser,
    ForbiddenException,
    Group,
    InvalidValueException,
    UniquenessException,
)

from cercle.accounts.actions import identity as identity_actions
from cercle.accounts.actions import people as people_actions
from cercle.accounts.actions import profiles as profile_actions
from cercle.accounts.models import Department, Profile, User
from cercle.accounts.queries import may_manage_settings
from cercle.accounts.tokens import hash_token
from cercle.audit.actions import log_event
from cercle.provisioning import queries
from cercle.provisioning.models import (
    GrantedRole,
    MatchBy,
    ScimGroup,
    ScimGroupRule,
    ScimIdentity,
    ScimMembership,
    ScimSpaceGrant,
    ScimToken,
)
from cercle.provisioning.scim.resources import kept_attributes
from cercle.provisioning.tokens import generate_scim_secret
from cercle.spaces import actions as space_actions
from cercle.spaces.models import ROLE_RANK, Membership, Space, SpaceRole

# Cercle's own limits, checked before anything is written (a longer value is a SCIM 400).
LIMITS = {
    "userName": 255,
    "externalId": 255,
    "name.givenName": 150,
    "name.familyName": 150,
    "emails": 254,
    "title": 150,
    "phoneNumbers": 40,
    "department": 120,
    "displayName": 120,
}
MAX_KEPT_BYTES = 64_000
LAST_USED_PRECISION = timedelta(minutes=1)
# People added to (removed from) a mapped space per call of the spaces' bulk actions.
MEMBERSHIP_BATCH = 500

logger = logging.getLogger(__name__)


# --- Tokens -----------------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not may_manage_settings(actor):
        raise PermissionDenied(_("Only administrators manage provisioning tokens."))


def create_token(
    *, actor: User, name: str, request: HttpRequest | None = None
) -> tuple[ScimToken, str]:
    """Issue a token; the secret is returned once and only its hash is kept."""
    _require_admin(actor)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Give the token a name of at most 100 characters.")})
    secret = generate_scim_secret()
    with transaction.atomic():
        token = ScimToken.objects.create(
            name=name, key_hash=hash_token(secret), prefix=secret[:12], created_by=actor
        )
        log_event(
            actor=actor,
            action="provisioning.token_created",
            target=token,
            new={"name": name, "prefix": token.prefix},
            request=request,
        )
    return token, secret


def revoke_token(*, actor: User, token: ScimToken, request: HttpRequest | None = None) -> None:
    _require_admin(actor)
    with transaction.atomic():
        token = ScimToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log_event(
            actor=actor,
            action="provisioning.token_revoked",
            target=token,
            old={"name": token.name, "prefix": token.prefix},
            request=request,
        )


def authenticate(secret: str) -> ScimToken | None:
    """The live token with this secret, whose issuer is still an active administrator."""
    token = (
        ScimToken.objects.select_related("created_by")
        .filter(key_hash=hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not may_manage_settings(token.created_by):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- People -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _as_scim_errors() -> Iterator[None]:
    """The accounts' refusals (a duplicate email, the last admin…) as SCIM errors."""
    try:
        yield
    except ValidationError as error:
        raise InvalidValueException(detail=" ".join(error.messages)) from error
    except PermissionDenied as error:
        raise ForbiddenException(detail=str(error) or "Not allowed") from error


def _check_length(label: str, value: str | None) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidValueException(detail=f"{label}: forbidden character")
    if len(value) > LIMITS[label]:
        raise InvalidValueException(detail=f"{label}: at most {LIMITS[label]} characters")
    return value


@dataclass
class PersonValues:
    """What Cercle keeps of a SCIM user. `None`: not said (left as it is)."""

    user_name: str
    external_id: str
    first_name: str
    last_name: str
    email: str
    job_title: str
    phone: str
    active: bool | None
    department: str | None
    manager_id: int | bool | None  # False: not said; None: no manager
    attributes: dict[str, Any]


def _email_of(resource: Any, user_name: str) -> str:
    emails = list(resource.emails or [])
    chosen = next((entry for entry in emails if entry.primary), None) or next(
        (entry for entry in emails if entry.value), None
    )
    email = str(chosen.value) if chosen is not None and chosen.value else ""
    if not email:
        try:
            validate_email(user_name)
        except ValidationError:
            raise InvalidValueException(
                detail="emails: a person needs an email address (or a userName that is one)"
            ) from None
        email = user_name
    return _check_length("emails", email).lower()


def person_values(resource: Any) -> PersonValues:
    user_name = _check_length("userName", resource.user_name)
    if not user_name:
        raise InvalidValueException(detail="userName is required")
    name = resource.name
    display = _check_length("displayName", resource.display_name) if resource.display_name else ""
    given = _check_length("name.givenName", name.given_name if name else "")
    family = _check_length("name.familyName", name.family_name if name else "")
    if display and not (given and family):
        first, _space, rest = display.partition(" ")
        given, family = given or first, family or rest
    fallback = user_name.split("@", 1)[0][:150]
    phones = list(resource.phone_numbers or [])
    phone = next((entry for entry in phones if entry.primary), None) or next(
        (entry for entry in phones if entry.value), None
    )
    enterprise = resource[EnterpriseUser]
    department: str | None = None
    manager_id: int | bool | None = False
    if enterprise is not None:
        department = _check_length("department", enterprise.department) or None
        manager_value = enterprise.manager.value if enterprise.manager else None
        if manager_value:
            try:
                manager_id = int(manager_value)
            except ValueError:
                raise InvalidValueException(detail="manager: unknown person") from None
        else:
            manager_id = None
    attributes = kept_attributes(resource)
    if len(repr(attributes)) > MAX_KEPT_BYTES:
        raise InvalidValueException(detail="The user's attributes are too large")
    return PersonValues(
        user_name=user_name,
        external_id=_check_length("externalId", resource.external_id),
        first_name=given or fallback,
        last_name=family or given or fallback,
        email=_email_of(resource, user_name),
        job_title=_check_length("title", resource.title),
        phone=_check_length("phoneNumbers", phone.value if phone is not None else ""),
        active=resource.active,
        department=department,
        manager_id=manager_id,
        attributes=attributes,
    )


def _department_named(actor: User, name: str) -> Department:
    department = Department.objects.filter(name__iexact=name).first()
    if department is None:
        try:
            department = people_actions.create_department(actor=actor, name=name)
        except ValidationError:
            # Created meanwhile by a request for another new person of that department (the
            # production configuration's two workers): that one is theirs too.
            department = Department.objects.filter(name__iexact=name).first()
            if department is None:
                raise
    return department


def _taken_user_name(values: PersonValues, person: User | None) -> bool:
    key = values.user_name.casefold()
    identities = ScimIdentity.objects.filter(user_name_key=key)
    people = User.objects.filter(email__iexact=values.user_name, scim_identity__isnull=True)
    if person is not None:
        identities = identities.exclude(user=person)
        people = people.exclude(pk=person.pk)
    return identities.exists() or people.exists()


def _apply(actor: User, person: User, values: PersonValues) -> User:
    """Set what the provider says of an existing person, with the accounts' actions."""
    changes: dict[str, Any] = {
        "first_name": values.first_name,
        "last_name": values.last_name,
        "job_title": values.job_title,
        "phone": values.phone,
    }
    if values.department is not None:
        changes["department"] = _department_named(actor, values.department)
    if values.manager_id is not False:
        manager = None
        if values.manager_id is not None:
            manager = User.objects.filter(pk=values.manager_id).first()
            if manager is None:
                raise InvalidValueException(detail="manager: unknown person")
        changes["manager"] = manager
    if person.email.lower() != values.email:
        person = identity_actions.set_email(actor=actor, person=person, email=values.email)
    profile_actions.update_profile(actor=actor, person=person, changes=changes)
    if values.active is False and person.is_active:
        person = people_actions.deactivate_person(actor=actor, person=person)
    elif values.active is True and not person.is_active:
        person = people_actions.reactivate_person(actor=actor, person=person)
    return person


def _keep_identity(person: User, values: PersonValues, *, new: bool = False) -> None:
    """The provider's names for the person (`new`: a person created just now, who has none)."""
    fields = {
        "user_name": values.user_name,
        "user_name_key": values.user_name.casefold(),
        "external_id": values.external_id,
        "attributes": values.attributes,
        "deleted_at": None,
    }
    if new:
        ScimIdentity.objects.create(user=person, **fields)
    else:
        ScimIdentity.objects.update_or_create(user=person, defaults=fields)


def provision_person(*, token: ScimToken, resource: Any) -> User:
    """POST /Users: a whole new person (invited without a mail: they sign in with single
    sign-on, or an administrator sends the invitation). A userName the provider deleted
    before comes back as the same person, reactivated."""
    actor = token.created_by
    values = person_values(resource)
    with _as_scim_errors(), transaction.atomic():
        # One read says both: the provider's name taken by a live person, or one it deleted.
        known = (
            ScimIdentity.objects.select_for_update()
            .filter(user_name_key=values.user_name.casefold())
            .select_related("user")
            .first()
        )
        revived = known if known is not None and known.deleted_at is not None else None
        if revived is not None:
            person = revived.user
            if values.active is None:
                values.active = True
        else:
            if known is not None or (
                # A person Cercle had before the provider, found by a userName that is their
                # address: `email_taken` below asks it already when it is this one's address.
                values.user_name.lower() != values.email
                and User.objects.filter(
                    email__iexact=values.user_name, scim_identity__isnull=True
                ).exists()
            ):
                raise UniquenessException(detail="userName is already taken")
            if people_actions.email_taken(values.email):
                raise UniquenessException(detail="A person with this email address already exists")
            # What the invitation itself sets (profile, department, directory entry) is given
            # to it: a new person then needs no second write of their profile.
            person = people_actions.invite_person(
                actor=actor,
                email=values.email,
                first_name=values.first_name,
                last_name=values.last_name,
                job_title=values.job_title,
                phone=values.phone,
                department=(
                    _department_named(actor, values.department) if values.department else None
                ),
                send=False,
            )
        _keep_identity(person, values, new=revived is None)
        if revived is not None or values.manager_id not in (False, None) or values.active is False:
            person = _apply(actor, person, values)
        log_event(
            actor=actor,
            action="provisioning.person_provisioned",
            target=person,
            new={"userName": values.user_name},
            extra={"token": token.prefix},
        )
    return person


def replace_person(*, token: ScimToken, person: User, resource: Any) -> User:
    """PUT /Users/{id} (and PATCH, once applied): the provider's whole view of the person."""
    actor = token.created_by
    values = person_values(resource)
    with _as_scim_errors(), transaction.atomic():
        if _taken_user_name(values, person):
            raise UniquenessException(detail="userName is already taken")
        _keep_identity(person, values)
        person = _apply(actor, person, values)
    return person


def delete_person(*, token: ScimToken, person: User) -> None:
    """DELETE /Users/{id}: the person is deactivated (their sessions and sockets end at once)
    and leaves SCIM; what they wrote stays, and their account can come back."""
    actor = token.created_by
    with _as_scim_errors(), transaction.atomic():
        if person.is_active:
            person = people_actions.deactivate_person(actor=actor, person=person)
        identity, _created = ScimIdentity.objects.get_or_create(
            user=person,
            defaults={"user_name": person.email, "user_name_key": person.email.casefold()},
        )
        identity.deleted_at = timezone.now()
        identity.save(update_fields=["deleted_at"])
        _leave_mapped_spaces(actor, person, token.prefix)
        log_event(
            actor=actor,
            action="provisioning.person_deleted",
            target=person,
            extra={"token": token.prefix},
        )


# --- Groups (departments) ---------------------------------------------------------------------


def _member_ids(resource: Group) -> set[int]:
    ids: set[int] = set()
    for member in resource.members or []:
        try:
            ids.add(int(str(member.value)))
        except ValueError:
            raise InvalidValueException(detail=f"members: unknown person {member.value}") from None
    found = set(User.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        missing = ", ".join(str(pk) for pk in sorted(ids - found))
        raise InvalidValueException(detail=f"members: unknown person {missing}")
    return ids


def _member_displays(resource: Group) -> dict[str, str]:
    displays: dict[str, str] = {}
    for member in resource.members or []:
        if member.display:
            displays[str(member.value)] = _check_length("displayName", member.display)
    return displays


def _set_members(actor: User, department: Department, wanted: set[int]) -> None:
    """The department's people are now `wanted`: those who left it have none, those who came
    have it, in one batch (`profiles.set_departments`: `update_profile`'s checks, audit entries
    and search columns). A change refused refuses the whole call, as one person's would."""
    current = set(Profile.objects.filter(department=department).values_list("user_id", flat=True))
    changes: dict[int, Department | None] = dict.fromkeys(sorted(current - wanted))
    changes.update(dict.fromkeys(sorted(wanted - current), department))
    refused = profile_actions.set_departments(actor=actor, departments=changes)
    for user_id in changes:
        if user_id in refused:
            raise refused[user_id]


def _group_name(resource: Group) -> str:
    name = _check_length("displayName", resource.display_name)
    if not name:
        raise InvalidValueException(detail="displayName is required")
    return name


def create_group(*, token: ScimToken, resource: Group) -> Department:
    actor = token.created_by
    name = _group_name(resource)
    external_id = _check_length("externalId", resource.external_id)
    with _as_scim_errors(), transaction.atomic():
        if Department.objects.filter(name__iexact=name).exists():
            raise UniquenessException(detail="A group with this displayName already exists")
        wanted = _member_ids(resource)
        try:
            department = people_actions.create_department(actor=actor, name=name)
        except ValidationError:
            # Another request made it meanwhile (two workers): the answer the check above gives.
            if Department.objects.filter(name__iexact=name).exists():
                raise UniquenessException(
                    detail="A group with this displayName already exists"
                ) from None
            raise
        ScimGroup.objects.create(
            department=department,
            external_id=external_id,
            member_displays=_member_displays(resource),
        )
        _set_members(actor, department, wanted)
        _sync_spaces(
            actor,
            department,
            wanted,
            _rules_for(department, external_id),
            token_prefix=token.prefix,
        )
    return department


def replace_group(
    *,
    token: ScimToken,
    department: Department,
    resource: Group,
    previous_members: set[int] | None = None,
) -> Department:
    """PUT /Groups/{id} (and PATCH, once applied). `previous_members`, for a PATCH: the
    members before it and those it removed by name — the mapped spaces then follow the
    change alone (a person moved to another department by another group keeps what this one
    gave); for a PUT, the group's whole list."""
    actor = token.created_by
    name = _group_name(resource)
    external_id = _check_length("externalId", resource.external_id)
    with _as_scim_errors(), transaction.atomic():
        if Department.objects.filter(name__iexact=name).exclude(pk=department.pk).exists():
            raise UniquenessException(detail="A group with this displayName already exists")
        wanted = _member_ids(resource)
        if department.name != name:
            department = people_actions.rename_department(
                actor=actor, department=department, name=name
            )
        ScimGroup.objects.update_or_create(
            department=department,
            defaults={
                "external_id": external_id,
                "member_displays": _member_displays(resource),
            },
        )
        _set_members(actor, department, wanted)
        _sync_spaces(
            actor,
            department,
            wanted,
            _rules_for(department, external_id),
            token_prefix=token.prefix,
            previous=previous_members,
        )
    return department


def delete_group(*, token: ScimToken, department: Department) -> None:
    """The department's people stay, without a department; then the department goes. The
    memberships of spaces the group gave (through a mapping) go with it."""
    actor = token.created_by
    with _as_scim_errors(), transaction.atomic():
        group = ScimGroup.objects.filter(department=department).first()
        rules = _rules_for(department, group.external_id if group is not None else "")
        _sync_spaces(actor, department, set(), rules, token_prefix=token.prefix)
        _set_members(actor, department, set())
        people_actions.delete_department(actor=actor, department=department)


# --- Groups mapped to spaces ------------------------------------------------------------------


def _clean_group_rule(
    match_by: str, value: str, space: Space | None, role: str
) -> tuple[str, Space]:
    value = (value or "").strip()
    if not value or len(value) > 255 or "\x00" in value:
        raise ValidationError(
            {"value": _("Give the group's name or identifier (at most 255 characters).")}
        )
    if match_by not in MatchBy.values:
        raise ValidationError({"match_by": _("Choose how the group is found.")})
    if role not in GrantedRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    if space is None:
        raise ValidationError({"space": _("Choose the space.")})
    if space.is_organisation:
        raise ValidationError(
            {"space": _("Everyone is already in the whole organisation's space.")}
        )
    if space.is_archived:
        raise ValidationError({"space": _("This space is archived: it is read-only.")})
    return value, space


def _departments_matching(rule: ScimGroupRule) -> list[Department]:
    if rule.match_by == MatchBy.EXTERNAL_ID:
        return list(Department.objects.filter(scim_group__external_id=rule.value).order_by("pk"))
    return list(Department.objects.filter(name__iexact=rule.value).order_by("pk"))


def add_group_rule(
    *,
    actor: User,
    match_by: str,
    value: str,
    space: Space | None,
    role: str = GrantedRole.MEMBER,
    request: HttpRequest | None = None,
) -> ScimGroupRule:
    """Map a SCIM group to a space. A group the provider already pushed is applied at once:
    its members become members (or admins) of the space."""
    _require_admin(actor)
    value, space = _clean_group_rule(match_by, value, space, role)
    with transaction.atomic():
        lookup = {"value__iexact": value} if match_by == MatchBy.DISPLAY_NAME else {"value": value}
        if ScimGroupRule.objects.filter(match_by=match_by, space=space, **lookup).exists():
            raise ValidationError({"value": _("This group is already mapped to this space.")})
        rule = ScimGroupRule.objects.create(match_by=match_by, value=value, space=space, role=role)
        log_event(
            actor=actor,
            action="provisioning.group_rule_added",
            target=space,
            new={"match_by": match_by, "group": value, "space": space.name, "role": role},
            request=request,
        )
        for department in _departments_matching(rule):
            wanted = {person.pk for person in queries.members_of([department])[department.pk]}
            _sync_spaces(actor, department, wanted, [rule], token_prefix="")
    return rule


def delete_group_rule(
    *, actor: User, rule: ScimGroupRule, request: HttpRequest | None = None
) -> None:
    """The mapping goes and the group's members stop being synchronised with the space; nobody
    is removed from it: the members it gave become ordinary members."""
    _require_admin(actor)
    with transaction.atomic():
        rule = ScimGroupRule.objects.select_for_update().select_related("space").get(pk=rule.pk)
        given_here = set(rule.grants.values_list("user_id", flat=True))
        still_given = set(
            ScimSpaceGrant.objects.filter(rule__space=rule.space, user_id__in=given_here)
            .exclude(rule=rule)
            .values_list("user_id", flat=True)
        )
        ScimMembership.objects.filter(
            space=rule.space, user_id__in=given_here - still_given
        ).delete()
        old = {
            "match_by": rule.match_by,
            "group": rule.value,
            "space": rule.space.name,
            "role": rule.role,
        }
        space = rule.space
        rule.delete()
        log_event(
            actor=actor,
            action="provisioning.group_rule_deleted",
            target=space,
            old=old,
            request=request,
        )


def _rules_for(department: Department, external_id: str) -> list[ScimGroupRule]:
    condition = Q(match_by=MatchBy.DISPLAY_NAME, value__iexact=department.name)
    if external_id:
        condition |= Q(match_by=MatchBy.EXTERNAL_ID, value=external_id)
    return list(ScimGroupRule.objects.filter(condition).select_related("space").order_by("pk"))


def _sync_spaces(
    actor: User,
    department: Department,
    wanted: set[int],
    rules: list[ScimGroupRule],
    *,
    token_prefix: str,
    previous: set[int] | None = None,
) -> None:
    """The group's members are now `wanted`: each rule's grants follow, then the memberships of
    the people whose grants changed (added, removed, their role) in each mapped space. With
    `previous` (a PATCH), only those who were in it and are no longer lose their grant."""
    touched: dict[int, tuple[Space, set[int]]] = {}
    for rule in rules:
        granted = set(
            ScimSpaceGrant.objects.filter(rule=rule, department=department).values_list(
                "user_id", flat=True
            )
        )
        gone = granted - wanted if previous is None else (previous - wanted) & granted
        new = wanted - granted
        if gone:
            ScimSpaceGrant.objects.filter(
                rule=rule, department=department, user_id__in=gone
            ).delete()
        ScimSpaceGrant.objects.bulk_create(
            [ScimSpaceGrant(rule=rule, department=department, user_id=pk) for pk in sorted(new)],
            ignore_conflicts=True,
        )
        _space, people = touched.setdefault(rule.space_id, (rule.space, set()))
        # Everyone of the group, not only the changes: an admin mapping added next to a
        # member mapping changes the role of people already granted.
        people |= gone | wanted
    for space, people in touched.values():
        _reconcile(actor, space, people, group=department.name, token_prefix=token_prefix)


def _reconcile(
    actor: User, space: Space, user_ids: set[int], *, group: str, token_prefix: str
) -> None:
    """Each person's membership of the space as their grants say: a member (or admin) while a
    mapped group has them; removed when none does, if provisioning made them a member. The
    people added and removed go in batches (the spaces' `add_members` / `remove_members`, with
    `add_member`'s / `remove_member`'s checks, audit entries and events); a role to change (an
    admin mapping, a role changed by hand) goes through `change_role`, person by person."""
    if not user_ids:
        return
    roles: dict[int, str] = {}
    for user_id, granted_role in ScimSpaceGrant.objects.filter(
        rule__space=space, user_id__in=user_ids
    ).values_list("user_id", "rule__role"):
        if user_id not in roles or ROLE_RANK[granted_role] > ROLE_RANK[roles[user_id]]:
            roles[user_id] = granted_role
    memberships = {
        membership.user_id: membership
        for membership in Membership.objects.filter(space=space, user_id__in=user_ids)
    }
    ours = set(
        ScimMembership.objects.filter(space=space, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    people = User.objects.in_bulk(user_ids)
    to_add: list[User] = []
    to_remove: list[User] = []
    forget: set[int] = set()  # their ScimMembership goes (no mapping gives them the space)
    to_change: list[tuple[User, str]] = []
    for user_id in sorted(user_ids):
        person, role, membership = people[user_id], roles.get(user_id), memberships.get(user_id)
        if role is None:
            if membership is not None and user_id in ours:
                to_remove.append(person)
            elif user_id in ours:
                forget.add(user_id)
        elif membership is None:
            if person.is_active:
                to_add.append(person)
        elif (
            membership.role not in (role, SpaceRole.OWNER)
            # A membership provisioning made follows the mappings (up and down); one from
            # before is only raised, never lowered.
            and (user_id in ours or ROLE_RANK[role] > ROLE_RANK[membership.role])
        ):
            to_change.append((person, role))
    refusals: dict[int, ValidationError | PermissionDenied] = {}
    added = _space_batches(actor, space, to_add, True, refusals)
    ScimMembership.objects.bulk_create(
        [ScimMembership(space=space, user_id=user_id) for user_id in added],
        ignore_conflicts=True,
    )
    removed = _space_batches(actor, space, to_remove, False, refusals)
    forget.update(removed)
    if forget:
        ScimMembership.objects.filter(space=space, user_id__in=forget).delete()
    changed: list[int] = []
    for person in to_add:
        role = roles[person.pk]
        if person.pk in added and role != SpaceRole.MEMBER:
            try:
                space_actions.change_role(actor=actor, space=space, user=person, role=role)
            except (ValidationError, PermissionDenied) as error:
                refusals[person.pk] = error
    for person, role in to_change:
        try:
            space_actions.change_role(actor=actor, space=space, user=person, role=role)
        except (ValidationError, PermissionDenied) as error:
            refusals[person.pk] = error
        else:
            changed.append(person.pk)
    refused = [
        f"{people[user_id].username}: {' '.join(_messages_of(refusals[user_id]))}"
        for user_id in sorted(refusals)
    ]
    if added or removed or changed or refused:
        if refused:
            logger.warning("SCIM group %s → space %s refused: %s", group, space.pk, refused)
        log_event(
            actor=actor,
            action="provisioning.group_synced",
            target=space,
            new={
                "group": group,
                "added": added,
                "removed": removed,
                "role_changed": len(changed),
            },
            extra={
                **({"token": token_prefix} if token_prefix else {}),
                **({"refused": refused} if refused else {}),
            },
        )


def _space_batches(
    actor: User,
    space: Space,
    people: list[User],
    add: bool,
    refusals: dict[int, ValidationError | PermissionDenied],
) -> list[int]:
    """Add (or remove) these people to (from) the space, `MEMBERSHIP_BATCH` at a time; the
    refused go to `refusals` (a whole batch when the space refuses the call: archived, the
    actor no longer its administrator). Returns the ids of the people added (removed), in
    order."""
    done: list[int] = []
    for _batch, changed, refused in space_actions.members_in_batches(
        actor=actor, space=space, people=people, add=add, batch_size=MEMBERSHIP_BATCH
    ):
        refusals.update(refused)
        done.extend(sorted(person.pk for person in changed))
    return done


def _messages_of(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]


def _leave_mapped_spaces(actor: User, person: User, token_prefix: str) -> None:
    """A deleted person is in no SCIM group any more: the memberships provisioning gave go."""
    grants = ScimSpaceGrant.objects.filter(user=person).select_related("rule__space")
    spaces = {grant.rule.space_id: grant.rule.space for grant in grants}
    if not spaces:
        return
    ScimSpaceGrant.objects.filter(user=person).delete()
    for space in spaces.values():
        _reconcile(actor, space, {person.pk}, group="", token_prefix=token_prefix)
