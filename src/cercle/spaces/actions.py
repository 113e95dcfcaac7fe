"""Every write about spaces: one function per use case, in a transaction, checking permission.

Errors: `PermissionDenied` when the actor may see the space but not do this, `ValidationError`
(with a message for people) when the request makes no sense in the current state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cercle.accounts.images import SPACE_IMAGE, process_photo
from cercle.accounts.models import Department, User
from cercle.audit.actions import log_event, log_events
from cercle.core.hooks import emit
from cercle.core.text import normalize
from cercle.spaces import hooks, listeners, queries, registry
from cercle.spaces.models import (
    ROLE_RANK,
    JoinRequest,
    Membership,
    RequestStatus,
    Space,
    SpaceFollow,
    SpaceInvitation,
    SpaceKind,
    SpaceRole,
)
from cercle.spaces.registry import space_modules

MAX_NAME = 120


def _search_text(space: Space) -> str:
    return normalize(f"{space.name} {space.description}")


def _refuse_same_name(actor: User, name: str) -> None:
    """Refuse a new space whose name, ignoring case and accents, is one the actor can already see
    (a secret space they cannot see is not revealed: its name stays free for them)."""
    wanted = normalize(name)
    if not wanted:
        return
    candidates = queries.visible_spaces(actor).filter(search_text__startswith=wanted)
    for existing in candidates.only("name", "slug"):
        if normalize(existing.name) == wanted:
            raise ValidationError(
                {
                    "name": [
                        _(
                            "A space named “%(name)s” already exists: join it, or choose "
                            "another name."
                        )
                        % {"name": existing.name}
                    ]
                }
            )


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:120] or "space"
    slug = base
    n = 2
    taken = Space.objects.filter(slug=slug)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    while taken.exists():
        slug = f"{base}-{n}"
        n += 1
        taken = Space.objects.filter(slug=slug)
    return slug


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the space a name.")]})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": [_("The name is too long (120 characters at most).")]})
    return name


def _check_kind(kind: str) -> str:
    if kind not in SpaceKind.values:
        raise ValidationError({"kind": [_("Choose a kind of space.")]})
    return kind


def _check_modules(modules: Iterable[str] | None) -> set[str]:
    """The modules chosen, or the registered defaults for `None`; unknown keys refused."""
    if modules is None:
        return {m.key for m in space_modules() if m.default}
    chosen = set(modules)
    unknown = chosen - set(registry.MODULES)
    if unknown:
        raise ValidationError({"modules": [_("Unknown module: %s") % ", ".join(sorted(unknown))]})
    return chosen


def _module_settings(stored: dict[str, object], chosen: set[str]) -> dict[str, object]:
    """Each registered module on or off as chosen; the stored state of modules not installed
    now is kept (their admins' choice holds if they come back)."""
    return {**stored, **{m.key: m.key in chosen for m in space_modules()}}


def _set_image(space: Space, image: IO[bytes] | None) -> None:
    """A square image without metadata (as profile photos), under an unguessable name."""
    if not image:  # None, or False from a cleared file input
        return
    try:
        content = process_photo(image, purpose=SPACE_IMAGE)
    except ValidationError as error:
        raise ValidationError({"image": error.messages}) from error
    extension = ".png" if (content.name or "").endswith(".png") else ".jpg"
    space.image.save(f"{uuid.uuid4().hex}{extension}", content, save=False)


def _require_active(actor: User) -> None:
    if not actor.is_active:
        raise PermissionDenied(_("Your account is deactivated."))


def _require_not_archived(space: Space) -> None:
    if space.is_archived:
        raise ValidationError(_("This space is archived: it is read-only."))


@transaction.atomic
def create_space(
    *,
    actor: User,
    name: str,
    description: str = "",
    kind: str = SpaceKind.OPEN,
    modules: Sequence[str] | None = None,
    image: IO[bytes] | None = None,
) -> Space:
    _require_active(actor)
    if not queries.may_create_space(actor):
        raise PermissionDenied(_("Guests cannot create spaces."))
    name = _check_name(name)
    _refuse_same_name(actor, name)
    chosen = _check_modules(modules)
    space = Space(
        name=name,
        slug=_unique_slug(name),
        description=(description or "").strip(),
        kind=_check_kind(kind),
        created_by=actor,
        module_settings=_module_settings({}, chosen),
    )
    space.search_text = _search_text(space)
    _set_image(space, image)
    space.save()
    Membership.objects.create(space=space, user=actor, role=SpaceRole.OWNER)
    emit(hooks.SpaceCreated(space=space, actor=actor))
    log_event(
        actor=actor,
        action="spaces.created",
        target=space,
        new={"name": space.name, "kind": space.kind, "modules": space.modules},
    )
    return space


@transaction.atomic
def update_space(
    *,
    actor: User,
    space: Space,
    name: str,
    description: str,
    kind: str,
    modules: Sequence[str],
    image: IO[bytes] | None = None,
) -> Space:
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can change it."))
    _require_not_archived(space)
    name = _check_name(name)
    chosen = _check_modules(modules)
    kind = _check_kind(kind)
    if space.is_organisation and kind != space.kind:
        raise ValidationError({"kind": [_("The organisation space's kind cannot change.")]})
    old = {
        "name": space.name,
        "description": space.description,
        "kind": space.kind,
        "modules": space.modules,
    }
    space.name = name
    space.description = (description or "").strip()
    space.kind = kind
    space.module_settings = _module_settings(space.module_settings, chosen)
    space.search_text = _search_text(space)
    _set_image(space, image)
    space.save()
    new: dict[str, object] = {
        "name": space.name,
        "description": space.description,
        "kind": space.kind,
        "modules": space.modules,
    }
    if image:
        new["image"] = space.image.name
    emit(
        hooks.SpaceChanged(
            space=space,
            old_name=str(old["name"]),
            old_kind=str(old["kind"]),
            old_modules=tuple(old["modules"]),
        )
    )
    if old != new:
        log_event(actor=actor, action="spaces.updated", target=space, old=old, new=new)
    return space


def _add_member(space: Space, user: User, role: str = SpaceRole.MEMBER) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        space=space, user=user, defaults={"role": role}
    )
    # Joining settles any pending request or invitation.
    now = timezone.now()
    JoinRequest.objects.filter(space=space, user=user, status=RequestStatus.PENDING).update(
        status=RequestStatus.ACCEPTED, decided_at=now
    )
    SpaceInvitation.objects.filter(space=space, user=user, status=RequestStatus.PENDING).update(
        status=RequestStatus.ACCEPTED, decided_at=now
    )
    emit(hooks.MemberAdded(space=space, user=user))
    return membership


@transaction.atomic
def join_space(*, actor: User, space: Space) -> Membership:
    _require_active(actor)
    _require_not_archived(space)
    if queries.effective_role(actor, space) is not None:
        raise ValidationError(_("You are already a member of this space."))
    if not queries.can_join(actor, space):
        raise PermissionDenied(_("This space is not open: ask to join or wait for an invitation."))
    membership = _add_member(space, actor)
    log_event(actor=actor, action="spaces.joined", target=space)
    return membership


@transaction.atomic
def request_to_join(*, actor: User, space: Space, message: str = "") -> JoinRequest:
    _require_active(actor)
    _require_not_archived(space)
    if queries.effective_role(actor, space) is not None:
        raise ValidationError(_("You are already a member of this space."))
    if not queries.can_request(actor, space):
        raise PermissionDenied(_("This space does not take requests to join."))
    if queries.has_pending_request(actor, space):
        raise ValidationError(_("You have already asked to join this space."))
    join_request = JoinRequest.objects.create(
        space=space, user=actor, message=(message or "").strip()[:2000]
    )
    log_event(actor=actor, action="spaces.join_requested", target=space)
    emit(hooks.JoinRequested(actor=actor, join_request=join_request))
    return join_request


@transaction.atomic
def decide_join_request(*, actor: User, join_request: JoinRequest, accept: bool) -> JoinRequest:
    space = join_request.space
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can answer requests."))
    _require_not_archived(space)
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != RequestStatus.PENDING:
        raise ValidationError(_("This request has already been answered."))
    join_request.status = RequestStatus.ACCEPTED if accept else RequestStatus.REFUSED
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    if accept and join_request.user.is_active:
        _add_member(space, join_request.user)
    log_event(
        actor=actor,
        action="spaces.join_request_accepted" if accept else "spaces.join_request_refused",
        target=space,
        extra={"user_id": join_request.user_id},
    )
    return join_request


@transaction.atomic
def invite(
    *,
    actor: User,
    space: Space,
    users: Sequence[User] = (),
    department: Department | None = None,
) -> list[SpaceInvitation]:
    """Invite people, or every active person of a department, who are not yet members."""
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can invite people."))
    _require_not_archived(space)
    if space.is_organisation:
        raise ValidationError(_("Everyone already belongs to the organisation space."))
    if not users and department is None:
        raise ValidationError({"users": [_("Choose people or a department to invite.")]})
    candidates: dict[int, User] = {u.pk: u for u in users if u.is_active}
    if department is not None:
        for person in User.objects.filter(is_active=True, profile__department=department):
            candidates.setdefault(person.pk, person)
    members = set(Membership.objects.filter(space=space).values_list("user_id", flat=True))
    pending = set(
        SpaceInvitation.objects.filter(space=space, status=RequestStatus.PENDING).values_list(
            "user_id", flat=True
        )
    )
    invitations = [
        SpaceInvitation(space=space, user=person, invited_by=actor, department=department)
        for pk, person in sorted(candidates.items())
        if pk not in members and pk not in pending
    ]
    SpaceInvitation.objects.bulk_create(invitations)
    for invitation in invitations:
        emit(hooks.PersonInvited(actor=actor, invitation=invitation))
    if invitations:
        log_event(
            actor=actor,
            action="spaces.invited",
            target=space,
            new={"user_ids": [i.user_id for i in invitations]},
            extra={"department_id": department.pk if department else None},
        )
    return invitations


@transaction.atomic
def respond_to_invitation(
    *, actor: User, invitation: SpaceInvitation, accept: bool
) -> SpaceInvitation:
    _require_active(actor)
    if invitation.user_id != actor.pk:
        raise queries.NotFound(_("No such invitation."))
    invitation = SpaceInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != RequestStatus.PENDING:
        raise ValidationError(_("This invitation has already been answered."))
    _require_not_archived(invitation.space)
    invitation.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    if accept:
        _add_member(invitation.space, actor)
    log_event(
        actor=actor,
        action="spaces.invitation_accepted" if accept else "spaces.invitation_declined",
        target=invitation.space,
    )
    return invitation


@transaction.atomic
def cancel_invitation(*, actor: User, invitation: SpaceInvitation) -> SpaceInvitation:
    """Withdraw a pending invitation (the space's admins): the invitee's notification of it is
    marked read, and the withdrawal is in the audit log."""
    space = invitation.space
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can cancel invitations."))
    _require_not_archived(space)
    invitation = SpaceInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != RequestStatus.PENDING:
        raise ValidationError(_("This invitation has already been answered."))
    invitation.status = RequestStatus.CANCELLED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    emit(hooks.InvitationCancelled(invitation=invitation))
    log_event(
        actor=actor,
        action="spaces.invitation_cancelled",
        target=space,
        extra={"user_id": invitation.user_id, "invitation_id": invitation.pk},
    )
    return invitation


def _membership_for_update(space: Space, user: User) -> Membership:
    membership = Membership.objects.select_for_update().filter(space=space, user=user).first()
    if membership is None:
        raise ValidationError(_("This person is not a member of the space."))
    return membership


@transaction.atomic
def change_role(*, actor: User, space: Space, user: User, role: str) -> Membership:
    if role not in SpaceRole.values:
        raise ValidationError({"role": [_("Choose a role.")]})
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can change roles."))
    _require_not_archived(space)
    # Lock the space's owners so two concurrent demotions cannot both pass the last-owner check.
    list(Membership.objects.select_for_update().filter(space=space, role=SpaceRole.OWNER))
    membership = _membership_for_update(space, user)
    old = membership.role
    if old == role:
        return membership
    actor_owner = queries.is_owner_like(actor, space)
    if SpaceRole.OWNER in (old, role) and not actor_owner:
        raise PermissionDenied(_("Only owners can make or unmake owners."))
    if not actor_owner and ROLE_RANK[old] >= ROLE_RANK[SpaceRole.ADMIN] and user.pk != actor.pk:
        raise PermissionDenied(_("Only owners can change another admin's role."))
    if queries.is_last_owner(membership):
        raise ValidationError(_("A space cannot lose its last owner: name another owner first."))
    membership.role = role
    membership.save(update_fields=["role"])
    log_event(
        actor=actor,
        action="spaces.role_changed",
        target=space,
        old=old,
        new=role,
        extra={"user_id": user.pk},
    )
    return membership


@transaction.atomic
def add_member(*, actor: User, space: Space, user: User) -> Membership:
    """An administrator of the space (or a rule of the company directory, in an admin's name)
    makes this active person a member, without invitation; nothing changes for a member."""
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can add members."))
    _require_not_archived(space)
    if not user.is_active:
        raise ValidationError(_("This person's account is deactivated."))
    existing = Membership.objects.filter(space=space, user=user).first()
    if existing is not None:
        return existing
    membership = _add_member(space, user)
    log_event(actor=actor, action="spaces.member_added", target=space, extra={"user_id": user.pk})
    return membership


@transaction.atomic
def add_members(
    *, actor: User, space: Space, users: Sequence[User]
) -> tuple[list[User], dict[int, ValidationError]]:
    """`add_member` for many people at once (a group rule of the company directory), with its
    checks and effects in a fixed number of queries: the memberships in one INSERT, their
    pending requests and invitations settled in one UPDATE each, one `spaces.member_added` audit
    entry each (one INSERT), `MembersAdded` for the modules that follow memberships (the space's
    chat channel, the feed's open pages). Returns the people added now and the refused (person
    id → why: a deactivated account); members already there are neither. The whole call is
    refused as `add_member` is: an actor who may not administer the space, an archived space."""
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can add members."))
    _require_not_archived(space)
    refused: dict[int, ValidationError] = {}
    candidates: dict[int, User] = {}
    for user in users:
        if user.is_active:
            candidates[user.pk] = user
        else:
            refused[user.pk] = ValidationError(_("This person's account is deactivated."))
    members = set(
        Membership.objects.filter(space=space, user_id__in=list(candidates)).values_list(
            "user_id", flat=True
        )
    )
    added = [candidates[pk] for pk in sorted(candidates) if pk not in members]
    if not added:
        return added, refused
    ids = [user.pk for user in added]
    Membership.objects.bulk_create(
        [Membership(space=space, user=user, role=SpaceRole.MEMBER) for user in added]
    )
    listeners.memberships_written(ids)
    # Joining settles any pending request or invitation (`_add_member`).
    now = timezone.now()
    JoinRequest.objects.filter(space=space, user_id__in=ids, status=RequestStatus.PENDING).update(
        status=RequestStatus.ACCEPTED, decided_at=now
    )
    SpaceInvitation.objects.filter(
        space=space, user_id__in=ids, status=RequestStatus.PENDING
    ).update(status=RequestStatus.ACCEPTED, decided_at=now)
    emit(hooks.MembersAdded(space=space, users=tuple(added)))
    log_events(
        {
            "actor": actor,
            "action": "spaces.member_added",
            "target": space,
            "extra": {"user_id": user.pk},
        }
        for user in added
    )
    return added, refused


@transaction.atomic
def remove_members(
    *, actor: User, space: Space, users: Sequence[User]
) -> tuple[list[User], dict[int, ValidationError | PermissionDenied]]:
    """`remove_member` for many people at once, with its checks and effects in a fixed number
    of queries: the space's owners locked, then the memberships; an admin or an owner removed
    by an owner (or an organisation admin) only; never the last active owner; the memberships
    deleted in one DELETE, one `spaces.member_removed` audit entry each (one INSERT),
    `MembersRemoved` for the modules that follow. Returns the people removed and the refused
    (person id → why, as `remove_member` would say it: not a member included)."""
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can remove members."))
    list(Membership.objects.select_for_update().filter(space=space, role=SpaceRole.OWNER))
    people = {user.pk: user for user in users}
    memberships = {
        membership.user_id: membership
        for membership in Membership.objects.select_for_update()
        .filter(space=space, user_id__in=list(people))
        .order_by("user_id")
    }
    actor_owner = queries.is_owner_like(actor, space)
    owners = Membership.objects.filter(
        space=space, role=SpaceRole.OWNER, user__is_active=True
    ).count()
    refused: dict[int, ValidationError | PermissionDenied] = {}
    removed: list[Membership] = []
    for pk in sorted(people):
        membership = memberships.get(pk)
        if membership is None:
            refused[pk] = ValidationError(_("This person is not a member of the space."))
        elif ROLE_RANK[membership.role] >= ROLE_RANK[SpaceRole.ADMIN] and not actor_owner:
            refused[pk] = PermissionDenied(_("Only owners can remove an admin or an owner."))
        elif queries.is_last_owner(membership, owners=owners):
            refused[pk] = ValidationError(
                _("A space cannot lose its last owner: name another owner first.")
            )
        else:
            if membership.role == SpaceRole.OWNER and people[pk].is_active:
                owners -= 1
            removed.append(membership)
    if not removed:
        return [], refused
    # One DELETE; the memberships' signals move their people's roles versions.
    Membership.objects.filter(pk__in=[membership.pk for membership in removed]).delete()
    gone = [people[membership.user_id] for membership in removed]
    emit(hooks.MembersRemoved(space=space, users=tuple(gone)))
    log_events(
        {
            "actor": actor,
            "action": "spaces.member_removed",
            "target": space,
            "old": membership.role,
            "extra": {"user_id": membership.user_id},
        }
        for membership in removed
    )
    return gone, refused


Refusals = dict[int, ValidationError | PermissionDenied]


def members_in_batches(
    *, actor: User, space: Space, people: Sequence[User], add: bool, batch_size: int
) -> Iterator[tuple[Sequence[User], list[User], Refusals]]:
    """`add_members` (or `remove_members`) for many people, `batch_size` at a time, each batch
    in its own transaction: for each, the batch, the people added (removed) and the refused
    (person id → why; the whole batch when the space refuses the call: archived, the actor no
    longer its administrator). For the company directory's and provisioning's group rules."""
    for start in range(0, len(people), batch_size):
        batch = people[start : start + batch_size]
        refused: Refusals
        try:
            if add:
                changed, added_refused = add_members(actor=actor, space=space, users=batch)
                refused = dict(added_refused)
            else:
                changed, refused = remove_members(actor=actor, space=space, users=batch)
        except (ValidationError, PermissionDenied) as error:
            yield batch, [], dict.fromkeys((person.pk for person in batch), error)
            continue
        yield batch, changed, refused


@transaction.atomic
def remove_member(*, actor: User, space: Space, user: User) -> None:
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can remove members."))
    list(Membership.objects.select_for_update().filter(space=space, role=SpaceRole.OWNER))
    membership = _membership_for_update(space, user)
    actor_owner = queries.is_owner_like(actor, space)
    if ROLE_RANK[membership.role] >= ROLE_RANK[SpaceRole.ADMIN] and not actor_owner:
        raise PermissionDenied(_("Only owners can remove an admin or an owner."))
    if queries.is_last_owner(membership):
        raise ValidationError(_("A space cannot lose its last owner: name another owner first."))
    membership.delete()
    emit(hooks.MemberRemoved(space=space, user=user))
    log_event(
        actor=actor,
        action="spaces.member_removed",
        target=space,
        old=membership.role,
        extra={"user_id": user.pk},
    )


@transaction.atomic
def leave_space(*, actor: User, space: Space) -> None:
    _require_active(actor)
    if space.is_organisation and not Membership.objects.filter(space=space, user=actor).exists():
        raise ValidationError(_("Everyone belongs to the organisation space."))
    list(Membership.objects.select_for_update().filter(space=space, role=SpaceRole.OWNER))
    membership = _membership_for_update(space, actor)
    if queries.is_last_owner(membership):
        raise ValidationError(
            _("You are the last owner: name another owner before leaving the space.")
        )
    membership.delete()
    SpaceFollow.objects.filter(space=space, user=actor).delete()
    emit(hooks.MemberRemoved(space=space, user=actor))
    log_event(actor=actor, action="spaces.left", target=space, old=membership.role)


@transaction.atomic
def archive_space(*, actor: User, space: Space) -> Space:
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can archive it."))
    if space.is_organisation:
        raise ValidationError(_("The organisation space cannot be archived."))
    if space.is_archived:
        raise ValidationError(_("This space is already archived."))
    space.archived_at = timezone.now()
    space.save(update_fields=["archived_at", "updated_at"])
    emit(hooks.SpaceArchived(space=space))
    log_event(actor=actor, action="spaces.archived", target=space)
    return space


@transaction.atomic
def restore_space(*, actor: User, space: Space) -> Space:
    if not queries.can_administer(actor, space):
        raise PermissionDenied(_("Only the space's admins can restore it."))
    if not space.is_archived:
        raise ValidationError(_("This space is not archived."))
    space.archived_at = None
    space.save(update_fields=["archived_at", "updated_at"])
    emit(hooks.SpaceRestored(space=space))
    log_event(actor=actor, action="spaces.restored", target=space)
    return space


@transaction.atomic
def follow_space(*, actor: User, space: Space) -> None:
    _require_active(actor)
    if not queries.can_read_wall(actor, space):
        raise PermissionDenied(_("You cannot follow a space whose wall you cannot read."))
    try:
        with transaction.atomic():
            SpaceFollow.objects.get_or_create(space=space, user=actor)
    except IntegrityError:  # a concurrent identical follow
        pass
    emit(hooks.FollowChanged(space=space, user=actor))


@transaction.atomic
def unfollow_space(*, actor: User, space: Space) -> None:
    SpaceFollow.objects.filter(space=space, user=actor).delete()
    emit(hooks.FollowChanged(space=space, user=actor))


@transaction.atomic
def set_favourite(*, actor: User, space: Space, favourite: bool) -> Membership:
    """Mark one of my spaces as a favourite (first in my side navigation), or unmark it. A
    personal choice, seen by nobody else: no audit entry, no event."""
    _require_active(actor)
    membership = Membership.objects.select_for_update().filter(space=space, user=actor).first()
    if membership is None:
        raise PermissionDenied(_("Only a space's members can make it a favourite."))
    if membership.favourite != favourite:
        membership.favourite = favourite
        membership.save(update_fields=["favourite"])
    return membership


def mark_space_seen(*, actor: User, space: Space) -> None:
    """I opened the space: its new posts are no longer marked as new for me (one UPDATE, none
    when I am not a member)."""
    if actor.is_authenticated:
        Membership.objects.filter(space=space, user=actor).update(last_seen_at=timezone.now())


def note_space_activity(*, actor: User, space: Space) -> None:
    """A post went up on the space's wall (called by the feed's `create_post`): new for the
    other members, seen by its author."""
    now = timezone.now()
    Space.objects.filter(pk=space.pk).update(last_post_at=now)
    Membership.objects.filter(space=space, user=actor).update(last_seen_at=now)
