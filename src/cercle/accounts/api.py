"""The people part of /api/v1/: me, profile, people, endorsements, follows, experts.

Endorsement paths take the skill by id (all digits) or by name, matched accent- and
case-insensitively ("comptabilite" is the skill "Comptabilité").
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from cercle.accounts import queries
from cercle.accounts.actions import profiles as profile_actions
from cercle.accounts.models import Department, Profile, Site, Skill, User, UserSkill
from cercle.accounts.schemas import (
    EndorsementOut,
    ExpertOut,
    ExpertsPageOut,
    FollowOut,
    MeOut,
    PeoplePageOut,
    PersonOut,
    PersonRef,
    PersonSummaryOut,
    ProfilePatchIn,
    RecordRef,
    SkillBrief,
    SkillOut,
    SkillRef,
)
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest

router = Router(tags=["people"])

MAX_TEXT_PARAM = 200


# --- Serialisers -------------------------------------------------------------------------------


def _record(record: Department | Site | None) -> RecordRef | None:
    if record is None:
        return None
    return RecordRef(id=record.pk, slug=record.slug, name=record.name)


def _photo_url(profile: Profile) -> str | None:
    return profile.photo.url if profile.photo else None


def _skill_brief(user_skill: UserSkill) -> SkillBrief:
    return SkillBrief(
        skill_id=user_skill.skill_id,
        name=user_skill.skill.name,
        level=user_skill.level,
        level_label=queries.level_labels()[user_skill.level],
        endorsement_count=user_skill.endorsement_count,
    )


def _top_skill(top: queries.TopSkill) -> SkillBrief:
    return SkillBrief(
        skill_id=top.skill_id,
        name=top.name,
        level=top.level,
        level_label=top.level_label,
        endorsement_count=top.endorsement_count,
    )


def _record_card(record: queries.RecordCard | None) -> RecordRef | None:
    return None if record is None else RecordRef(id=record.id, slug=record.slug, name=record.name)


def _card_summary(card: queries.PersonCard) -> PersonSummaryOut:
    return PersonSummaryOut(
        id=card.user_id,
        username=card.username,
        display_name=card.display_name,
        job_title=card.job_title,
        department=_record_card(card.department),
        site=_record_card(card.site),
        photo_url=card.photo_url,
        is_guest=card.is_guest,
        top_skills=[_top_skill(s) for s in card.top_skills],
    )


def _ref(user: User) -> PersonRef:
    return PersonRef(id=user.pk, username=user.username, display_name=user.display_name)


def _person(viewer: User, profile: Profile) -> PersonOut:
    person = profile.user
    skills = queries.profile_skills(person, viewer)
    return PersonOut(
        id=person.pk,
        username=person.username,
        display_name=person.display_name,
        first_name=person.first_name,
        last_name=person.last_name,
        job_title=profile.job_title,
        department=_record(profile.department),
        team=profile.team,
        site=_record(profile.site),
        phone=profile.phone,
        manager=_ref(profile.manager) if profile.manager else None,
        languages=[str(x) for x in profile.languages or []],
        bio=profile.bio,
        bio_html=profile.bio_html,
        ask_me_about=[str(x) for x in profile.ask_me_about or []],
        photo_url=_photo_url(profile),
        is_guest=person.is_guest,
        deactivated=not person.is_active,
        skills=[
            SkillOut(
                **_skill_brief(card.user_skill).model_dump(),
                endorsed_by_me=card.endorsed_by_viewer,
            )
            for card in skills
        ],
        followers_count=queries.follower_count(person),
        following=queries.is_following(viewer, person),
        direct_reports=[_ref(p.user) for p in queries.direct_reports(viewer, person)],
    )


def _text(value: str | None) -> str:
    return (value or "")[:MAX_TEXT_PARAM]


# --- Me ----------------------------------------------------------------------------------------


@router.get("/me", response=MeOut)
def me(request: AuthenticatedRequest) -> MeOut:
    user = request.auth
    return MeOut(
        id=user.pk,
        username=user.username,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
    )


def _resolve_record(model: type[Department] | type[Site], field: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    found = (
        model.objects.filter(pk=value).first()
        if isinstance(value, int)
        else queries.find_record(model, str(value))
    )
    if found is None:
        raise ValidationError({field: _("No such record.")})
    return found


def _resolve_manager(viewer: User, value: Any) -> User | None:
    if value is None or value == "":
        return None
    manager: User | None
    if isinstance(value, int):
        manager = (
            User.objects.filter(pk=value, is_active=True).first() if 0 < value < 2**63 else None
        )
    else:
        manager = queries.pickable_person(viewer, str(value))
    if manager is None:
        raise ValidationError({"manager": _("Choose an active person.")})
    return manager


@router.patch("/me/profile", response=PersonOut)
def patch_my_profile(request: AuthenticatedRequest, payload: ProfilePatchIn) -> PersonOut:
    viewer = request.auth
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    if "department" in changes:
        changes["department"] = _resolve_record(Department, "department", changes["department"])
    if "site" in changes:
        changes["site"] = _resolve_record(Site, "site", changes["site"])
    if "manager" in changes:
        changes["manager"] = _resolve_manager(viewer, changes["manager"])
    profile_actions.update_profile(actor=viewer, person=viewer, changes=changes, request=request)
    return _person(viewer, queries.access_profile_by_id(viewer, viewer.pk))


# --- People ------------------------------------------------------------------------------------


class PeopleFilters(Schema):
    q: str = ""
    skill: str = ""
    department: str = ""
    site: str = ""
    sort: str = "name"
    cursor: str | None = None
    limit: int = queries.PAGE_SIZE


@router.get("/people", response=PeoplePageOut)
def people(request: AuthenticatedRequest, filters: Query[PeopleFilters]) -> PeoplePageOut:
    page = queries.directory_cards(
        request.auth,
        queries.DirectoryFilters(
            q=_text(filters.q),
            department=_text(filters.department),
            site=_text(filters.site),
            skill=_text(filters.skill),
            sort=filters.sort,
        ),
        cursor=(filters.cursor or "")[:1000] or None,
        limit=filters.limit,
    )
    return PeoplePageOut(
        items=[_card_summary(card) for card in page.items],
        next_cursor=page.next_cursor,
        sort=page.sort,
    )


@router.get("/people/{person_id}", response=PersonOut)
def person_detail(request: AuthenticatedRequest, person_id: Id) -> PersonOut:
    return _person(request.auth, queries.access_profile_by_id(request.auth, person_id))


def _user_skill(viewer: User, person_id: Id, skill: str) -> UserSkill:
    profile = queries.access_profile_by_id(viewer, person_id)
    found: Skill | None = queries.find_skill(_text(skill))
    user_skill = (
        UserSkill.objects.select_related("user", "skill")
        .filter(user_id=profile.user_id, skill=found)
        .first()
        if found is not None
        else None
    )
    if user_skill is None:
        raise Http404
    return user_skill


def _endorsement(user_skill: UserSkill, endorsed: bool) -> EndorsementOut:
    return EndorsementOut(
        person_id=user_skill.user_id,
        skill_id=user_skill.skill_id,
        skill=user_skill.skill.name,
        endorsed=endorsed,
        endorsement_count=user_skill.endorsement_count,
    )


@router.put("/people/{person_id}/endorsements/{skill}", response=EndorsementOut)
def endorse(request: AuthenticatedRequest, person_id: Id, skill: str) -> EndorsementOut:
    user_skill = _user_skill(request.auth, person_id, skill)
    profile_actions.endorse_skill(actor=request.auth, user_skill=user_skill)
    return _endorsement(user_skill, True)


@router.delete("/people/{person_id}/endorsements/{skill}", response=EndorsementOut)
def withdraw(request: AuthenticatedRequest, person_id: Id, skill: str) -> EndorsementOut:
    user_skill = _user_skill(request.auth, person_id, skill)
    profile_actions.withdraw_endorsement(actor=request.auth, user_skill=user_skill)
    return _endorsement(user_skill, False)


@router.post("/people/{person_id}/follow", response=FollowOut)
def follow(request: AuthenticatedRequest, person_id: Id) -> FollowOut:
    person = queries.access_profile_by_id(request.auth, person_id).user
    profile_actions.follow_person(actor=request.auth, person=person)
    return FollowOut(
        person_id=person.pk, following=True, followers_count=queries.follower_count(person)
    )


@router.delete("/people/{person_id}/follow", response=FollowOut)
def unfollow(request: AuthenticatedRequest, person_id: Id) -> FollowOut:
    person = queries.access_profile_by_id(request.auth, person_id).user
    profile_actions.unfollow_person(actor=request.auth, person=person)
    return FollowOut(
        person_id=person.pk, following=False, followers_count=queries.follower_count(person)
    )


# --- Experts -----------------------------------------------------------------------------------


@router.get("/experts", response=ExpertsPageOut)
def experts(
    request: AuthenticatedRequest,
    skill: str = "",
    cursor: str | None = None,
    limit: int = queries.PAGE_SIZE,
) -> ExpertsPageOut:
    """Who knows X? The expert finder's page's search (`queries.expert_search_for`): skills whose
    name holds the words ("SAP" finds "SAP FI"), or a skill's id, and spoken languages; exact
    matches first, then by level and endorsements, with the reason."""
    wanted = _text(skill)
    found = queries.expert_search_for(wanted) if wanted else None
    if found is None or not found.matched:
        suggestions = queries.skill_suggestions(wanted) if wanted else []
        return ExpertsPageOut(
            skill=None,
            skills=[],
            languages=[],
            items=[],
            next_cursor=None,
            suggestions=[SkillRef(id=s.pk, name=s.name) for s in suggestions],
        )
    page = queries.find_experts(
        request.auth, found, cursor=(cursor or "")[:1000] or None, limit=limit
    )
    items = []
    for expert in page.items:
        # An expert's card shows the skill they were found for, as their only "top skill".
        person = _profile_summary(expert.profile)
        brief = None
        if expert.skill_id is not None:
            brief = SkillBrief(
                skill_id=expert.skill_id,
                name=expert.skill_name,
                level=expert.level,
                level_label=queries.level_labels()[expert.level],
                endorsement_count=expert.endorsement_count,
            )
            person.top_skills = [brief]
        items.append(
            ExpertOut(
                person=person,
                level=expert.level,
                level_label=brief.level_label if brief else "",
                endorsement_count=expert.endorsement_count,
                reason=expert.reason,
                skill=SkillRef(id=brief.skill_id, name=brief.name) if brief else None,
                language=expert.language,
                exact=expert.exact,
            )
        )
    first = found.skills[0] if found.skills else None
    return ExpertsPageOut(
        skill=SkillRef(id=first.pk, name=first.name) if first else None,
        skills=[SkillRef(id=s.pk, name=s.name) for s in found.skills],
        languages=found.language_names,
        items=items,
        next_cursor=page.next_cursor,
        suggestions=[],
    )


def _profile_summary(profile: Profile) -> PersonSummaryOut:
    person = profile.user
    return PersonSummaryOut(
        id=person.pk,
        username=person.username,
        display_name=person.display_name,
        job_title=profile.job_title,
        department=_record(profile.department),
        site=_record(profile.site),
        photo_url=_photo_url(profile),
        is_guest=person.is_guest,
        top_skills=[],
    )
