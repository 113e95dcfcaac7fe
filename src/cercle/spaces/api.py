"""The spaces part of /api/v1/: list, create, detail, members, join, leave, requests, invitations.

Same rules as the pages: reads through `cercle.spaces.queries`, writes through `actions`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from cercle.accounts.models import Department, User
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.spaces import actions, queries, registry
from cercle.spaces.models import JoinRequest, Membership, Space, SpaceInvitation
from cercle.spaces.schemas import (
    DecisionIn,
    InSchema,
    InvitationListOut,
    InvitationOut,
    InviteIn,
    JoinRequestIn,
    JoinRequestOut,
    MemberListOut,
    MemberOut,
    OkOut,
    PersonRef,
    RoleIn,
    SpaceDetailOut,
    SpaceIn,
    SpaceListOut,
    SpaceModuleListOut,
    SpaceModuleOut,
    SpaceOut,
    SpacePatchIn,
)

router = Router(tags=["spaces"])
MAX_LIST = 200


def person_ref(user: User) -> PersonRef:
    return PersonRef(id=user.pk, username=user.username, display_name=user.display_name)


def space_out(space: Space, role: str | None) -> SpaceOut:
    return SpaceOut(
        id=space.pk,
        slug=space.slug,
        name=space.name,
        description=space.description,
        kind=space.kind,
        modules=space.modules,
        is_organisation=space.is_organisation,
        archived=space.is_archived,
        my_role=role,
        image_url=space.image.url if space.image else None,
    )


def _detail(user: User, space: Space) -> SpaceDetailOut:
    view = queries.space_view(user, space)
    return SpaceDetailOut(
        **space_out(space, view.role).model_dump(),
        member_count=queries.member_count(space),
        can_read=view.can_read,
        can_post=view.can_post,
        can_moderate=view.can_moderate,
        can_administer=view.can_administer,
        can_join=view.can_join,
        can_request=view.can_request,
        has_pending_request=view.has_pending_request,
        pending_invitation_id=view.invitation.pk if view.invitation else None,
        following=view.following,
        favourite=view.favourite,
    )


def _readable(user: User, key: str) -> Space:
    space = queries.access_space(user, key)
    if not queries.can_read_wall(user, space):
        raise queries.NotFound(_("No such space."))
    return space


class SpaceFilters(InSchema):
    q: str = ""
    mine: bool = False


@router.get("/spaces", response=SpaceListOut)
def list_spaces(request: AuthenticatedRequest, filters: Query[SpaceFilters]) -> SpaceListOut:
    user = request.auth
    roles = queries.my_roles(user)
    spaces = queries.browse_spaces(user, query=filters.q[:200], mine_only=filters.mine)[:MAX_LIST]
    return SpaceListOut(
        items=[space_out(s, queries.effective_role(user, s, roles)) for s in spaces]
    )


@router.get("/space-modules", response=SpaceModuleListOut)
def space_modules(request: AuthenticatedRequest) -> SpaceModuleListOut:
    """The modules a space's admins may switch on or off (`modules` of a space), as installed."""
    return SpaceModuleListOut(
        items=[
            SpaceModuleOut(key=m.key, label=str(m.label), default=m.default)
            for m in registry.space_modules()
        ]
    )


@router.post("/spaces", response={201: SpaceDetailOut})
def create_space(request: AuthenticatedRequest, payload: SpaceIn) -> Status[SpaceDetailOut]:
    space = actions.create_space(
        actor=request.auth,
        name=payload.name,
        description=payload.description,
        kind=payload.kind,
        modules=payload.modules,
    )
    return Status(201, _detail(request.auth, space))


@router.get("/space-invitations", response=InvitationListOut)
def my_invitations(request: AuthenticatedRequest) -> InvitationListOut:
    return InvitationListOut(
        items=[_invitation_out(i) for i in queries.pending_invitations_for(request.auth)[:MAX_LIST]]
    )


def _invitation_out(invitation: SpaceInvitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        space=space_out(invitation.space, None),
        user=person_ref(invitation.user),
        invited_by=person_ref(invitation.invited_by) if invitation.invited_by else None,
        status=invitation.status,
        created_at=invitation.created_at,
    )


@router.post("/space-invitations/{invitation_id}/accept", response=InvitationOut)
def accept_invitation(request: AuthenticatedRequest, invitation_id: Id) -> InvitationOut:
    invitation = queries.access_invitation(request.auth, invitation_id)
    return _invitation_out(
        actions.respond_to_invitation(actor=request.auth, invitation=invitation, accept=True)
    )


@router.post("/space-invitations/{invitation_id}/decline", response=InvitationOut)
def decline_invitation(request: AuthenticatedRequest, invitation_id: Id) -> InvitationOut:
    invitation = queries.access_invitation(request.auth, invitation_id)
    return _invitation_out(
        actions.respond_to_invitation(actor=request.auth, invitation=invitation, accept=False)
    )


@router.post("/space-requests/{request_id}/decide", response=JoinRequestOut)
def decide_request(
    request: AuthenticatedRequest, request_id: Id, payload: DecisionIn
) -> JoinRequestOut:
    join_request = queries.access_join_request(request.auth, request_id)
    return _request_out(
        actions.decide_join_request(
            actor=request.auth, join_request=join_request, accept=payload.accept
        )
    )


def _request_out(join_request: JoinRequest) -> JoinRequestOut:
    return JoinRequestOut(
        id=join_request.pk,
        space_id=join_request.space_id,
        user=person_ref(join_request.user),
        message=join_request.message,
        status=join_request.status,
        created_at=join_request.created_at,
    )


@router.get("/spaces/{space_key}", response=SpaceDetailOut)
def space_detail(request: AuthenticatedRequest, space_key: str) -> SpaceDetailOut:
    return _detail(request.auth, queries.access_space(request.auth, space_key))


@router.patch("/spaces/{space_key}", response=SpaceDetailOut)
def update_space(
    request: AuthenticatedRequest, space_key: str, payload: SpacePatchIn
) -> SpaceDetailOut:
    space = queries.access_space(request.auth, space_key)
    actions.update_space(
        actor=request.auth,
        space=space,
        name=payload.name if payload.name is not None else space.name,
        description=payload.description if payload.description is not None else space.description,
        kind=payload.kind or space.kind,
        modules=payload.modules if payload.modules is not None else space.modules,
    )
    return _detail(request.auth, space)


@router.get("/spaces/{space_key}/members", response=MemberListOut)
def members(request: AuthenticatedRequest, space_key: str) -> MemberListOut:
    space = _readable(request.auth, space_key)
    return MemberListOut(
        items=[
            MemberOut(user=person_ref(m.user), role=m.role, joined_at=m.created_at)
            for m in queries.space_members(space)[:1000]
        ],
        count=queries.member_count(space),
    )


def _member(space: Space, user_id: Id) -> User:
    if not 0 < user_id < 2**63:  # beyond what the database stores: no such member
        raise queries.NotFound(_("No such member."))
    membership = (
        Membership.objects.filter(space=space, user_id=user_id).select_related("user").first()
    )
    if membership is None:
        raise queries.NotFound(_("No such member."))
    return membership.user


@router.put("/spaces/{space_key}/members/{user_id}", response=MemberOut)
def change_role(
    request: AuthenticatedRequest, space_key: str, user_id: Id, payload: RoleIn
) -> MemberOut:
    space = _readable(request.auth, space_key)
    membership = actions.change_role(
        actor=request.auth, space=space, user=_member(space, user_id), role=payload.role
    )
    return MemberOut(
        user=person_ref(membership.user), role=membership.role, joined_at=membership.created_at
    )


@router.delete("/spaces/{space_key}/members/{user_id}", response={204: None})
def remove_member(request: AuthenticatedRequest, space_key: str, user_id: Id) -> Status[None]:
    space = _readable(request.auth, space_key)
    actions.remove_member(actor=request.auth, space=space, user=_member(space, user_id))
    return Status(204, None)


@router.post("/spaces/{space_key}/join", response=SpaceDetailOut)
def join(request: AuthenticatedRequest, space_key: str) -> SpaceDetailOut:
    space = queries.access_space(request.auth, space_key)
    actions.join_space(actor=request.auth, space=space)
    return _detail(request.auth, space)


@router.post("/spaces/{space_key}/leave", response=SpaceDetailOut)
def leave(request: AuthenticatedRequest, space_key: str) -> SpaceDetailOut:
    space = queries.access_space(request.auth, space_key)
    actions.leave_space(actor=request.auth, space=space)
    return _detail(request.auth, space)


@router.post("/spaces/{space_key}/requests", response={201: JoinRequestOut})
def ask_to_join(
    request: AuthenticatedRequest, space_key: str, payload: JoinRequestIn
) -> Status[JoinRequestOut]:
    space = queries.access_space(request.auth, space_key)
    return Status(
        201,
        _request_out(
            actions.request_to_join(actor=request.auth, space=space, message=payload.message)
        ),
    )


@router.get("/spaces/{space_key}/requests", response=list[JoinRequestOut])
def pending_requests(request: AuthenticatedRequest, space_key: str) -> list[JoinRequestOut]:
    """The space's pending requests to join, oldest first: for its admins (403 for others)."""
    space = queries.access_space(request.auth, space_key)
    pending = queries.join_requests_to_decide(request.auth, space)[:MAX_LIST]
    return [_request_out(r) for r in pending]


@router.get("/spaces/{space_key}/invitations", response=InvitationListOut)
def space_invitations(request: AuthenticatedRequest, space_key: str) -> InvitationListOut:
    """The space's pending invitations, newest first: for its admins (403 for others)."""
    space = queries.access_space(request.auth, space_key)
    pending = queries.space_invitations_to_manage(request.auth, space)[:MAX_LIST]
    return InvitationListOut(items=[_invitation_out(i) for i in pending])


@router.post("/spaces/{space_key}/invitations", response={201: InvitationListOut})
def invite(
    request: AuthenticatedRequest, space_key: str, payload: InviteIn
) -> Status[InvitationListOut]:
    space = queries.access_space(request.auth, space_key)
    wanted = {i for i in payload.user_ids if 0 < i < 2**63}
    users = list(User.objects.filter(pk__in=wanted, is_active=True))
    if len(users) != len(set(payload.user_ids)):
        raise queries.NotFound(_("No such person."))
    department = None
    if payload.department_id is not None:
        department = Department.objects.filter(pk=payload.department_id).first()
        if department is None:
            raise queries.NotFound(_("No such department."))
    created = actions.invite(actor=request.auth, space=space, users=users, department=department)
    return Status(201, InvitationListOut(items=[_invitation_out(i) for i in created]))


@router.delete("/spaces/{space_key}/invitations/{invitation_id}", response={204: None})
def cancel_invitation(
    request: AuthenticatedRequest, space_key: str, invitation_id: Id
) -> Status[None]:
    """Withdraw a pending invitation: for the space's admins (403 for others, 400 once answered)."""
    space = queries.access_space(request.auth, space_key)
    invitation = queries.space_invitation_to_manage(request.auth, space, invitation_id)
    actions.cancel_invitation(actor=request.auth, invitation=invitation)
    return Status(204, None)


@router.post("/spaces/{space_key}/archive", response=SpaceDetailOut)
def archive(request: AuthenticatedRequest, space_key: str) -> SpaceDetailOut:
    space = queries.access_space(request.auth, space_key)
    actions.archive_space(actor=request.auth, space=space)
    return _detail(request.auth, space)


@router.post("/spaces/{space_key}/restore", response=SpaceDetailOut)
def restore(request: AuthenticatedRequest, space_key: str) -> SpaceDetailOut:
    space = queries.access_space(request.auth, space_key)
    actions.restore_space(actor=request.auth, space=space)
    return _detail(request.auth, space)


@router.post("/spaces/{space_key}/follow", response=OkOut)
def follow(request: AuthenticatedRequest, space_key: str) -> OkOut:
    space = queries.access_space(request.auth, space_key)
    actions.follow_space(actor=request.auth, space=space)
    return OkOut()


@router.delete("/spaces/{space_key}/follow", response=OkOut)
def unfollow(request: AuthenticatedRequest, space_key: str) -> OkOut:
    space = queries.access_space(request.auth, space_key)
    actions.unfollow_space(actor=request.auth, space=space)
    return OkOut()


@router.put("/spaces/{space_key}/favourite", response=SpaceDetailOut)
def add_favourite(request: AuthenticatedRequest, space_key: str) -> SpaceDetailOut:
    """Make one of my spaces a favourite (first in my navigation). 403 when not a member."""
    space = queries.access_space(request.auth, space_key)
    actions.set_favourite(actor=request.auth, space=space, favourite=True)
    return _detail(request.auth, space)


@router.delete("/spaces/{space_key}/favourite", response=SpaceDetailOut)
def remove_favourite(request: AuthenticatedRequest, space_key: str) -> SpaceDetailOut:
    space = queries.access_space(request.auth, space_key)
    actions.set_favourite(actor=request.auth, space=space, favourite=False)
    return _detail(request.auth, space)


@router.post("/spaces/{space_key}/image", response=SpaceDetailOut)
def set_image(
    request: AuthenticatedRequest, space_key: str, image: File[UploadedFile]
) -> SpaceDetailOut:
    """The space's image (multipart/form-data, field `image`): checked and squared like the
    settings page does; for the space's admins."""
    space = queries.access_space(request.auth, space_key)
    actions.update_space(
        actor=request.auth,
        space=space,
        name=space.name,
        description=space.description,
        kind=space.kind,
        modules=space.modules,
        image=image,
    )
    return _detail(request.auth, space)
