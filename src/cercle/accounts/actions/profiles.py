"""Writes about profiles: profile fields and photo, skills, endorsements, follows.

Each action checks permission (rules in `cercle.accounts.queries`), runs in a transaction, keeps
the derived columns (`Profile.search_text`, `sort_name`, `bio_html`,
`UserSkill.endorsement_count`) right, and records an audit entry when an admin changes someone
else's profile.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts import hooks, queries
from cercle.accounts.images import process_photo
from cercle.accounts.models import (
    Department,
    Endorsement,
    Follow,
    Profile,
    Site,
    Skill,
    SkillLevel,
    User,
    UserSkill,
)
from cercle.accounts.search import refresh_search_columns, refresh_search_columns_many
from cercle.audit.actions import log_event, log_events
from cercle.core.hooks import emit
from cercle.core.markdown import render_markdown
from cercle.core.text import normalize

USER_FIELDS = ("first_name", "last_name")
TEXT_LIMITS = {
    "first_name": 150,
    "last_name": 150,
    "job_title": 150,
    "team": 120,
    "phone": 40,
    "bio": 10_000,
}
LIST_LIMITS = {"languages": (12, 40), "ask_me_about": (20, 60)}
HR_FIELDS = ("job_title", "department", "manager")
PROFILE_FIELDS = (
    *USER_FIELDS,
    "job_title",
    "department",
    "team",
    "site",
    "phone",
    "manager",
    "languages",
    "bio",
    "ask_me_about",
)
MAX_SKILL_NAME = 80


def _require_editor(actor: User, person: User) -> None:
    if not queries.can_edit_profile(actor, person):
        raise PermissionDenied(_("You may only edit your own profile."))


def _audit_value(value: Any) -> Any:
    if isinstance(value, User):
        return value.username
    if isinstance(value, Department | Site):
        return value.name
    return value


def _log_admin_change(
    *,
    actor: User,
    person: User,
    old: dict[str, Any],
    new: dict[str, Any],
    request: HttpRequest | None,
) -> None:
    """Admins changing someone else's profile leave an audit entry, old and new per field."""
    if actor.pk == person.pk or not old:
        return
    log_event(
        actor=actor,
        action="accounts.profile_changed",
        target=person,
        old={key: _audit_value(value) for key, value in old.items()},
        new={key: _audit_value(value) for key, value in new.items()},
        request=request,
    )


def _clean_text(field: str, value: Any) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    text: str = value.strip() if field != "bio" else value.replace("\r\n", "\n").strip()
    value = text
    if "\x00" in value:
        raise ValidationError({field: _("This text contains a forbidden character.")})
    limit = TEXT_LIMITS[field]
    if len(value) > limit:
        raise ValidationError(
            {field: _("At most %(limit)d characters, please.") % {"limit": limit}}
        )
    return text


def _clean_list(field: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({field: _("Enter a list of words separated by commas.")})
    max_items, max_length = LIST_LIMITS[field]
    items: list[str] = []
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            raise ValidationError({field: _("Enter a list of words separated by commas.")})
        item = " ".join(item.split())
        if "\x00" in item:
            raise ValidationError({field: _("This text contains a forbidden character.")})
        if not item or normalize(item) in seen:
            continue
        if len(item) > max_length:
            raise ValidationError(
                {field: _("Each item has at most %(limit)d characters.") % {"limit": max_length}}
            )
        seen.add(normalize(item))
        items.append(item)
    if len(items) > max_items:
        raise ValidationError({field: _("At most %(limit)d items.") % {"limit": max_items}})
    return items


def _clean_manager(person: User, manager: Any) -> User | None:
    if manager is None:
        return None
    if not isinstance(manager, User) or not manager.is_active:
        raise ValidationError({"manager": _("Choose an active person.")})
    if manager.pk == person.pk:
        raise ValidationError({"manager": _("A person cannot be their own manager.")})
    if queries.would_create_cycle(person, manager):
        raise ValidationError(
            {"manager": _("%(name)s already reports to this person.") % {"name": manager}}
        )
    return manager


def update_profile(
    *,
    actor: User,
    person: User,
    changes: Mapping[str, Any],
    photo: IO[bytes] | None = None,
    remove_photo: bool = False,
    request: HttpRequest | None = None,
) -> Profile:
    """Change some profile fields (only those in `changes`), and the photo; all or nothing.

    `department`, `site` and `manager` are records (or None); `photo` an uploaded file, checked
    and re-encoded before anything is written. Raises PermissionDenied when the actor may not
    edit this profile or, with the organisation's HR lock on, changes an HR field without being
    an admin; ValidationError (keyed by field) for bad values.
    """
    _require_editor(actor, person)
    photo_content = None
    if photo is not None:
        try:
            photo_content = process_photo(photo)
        except ValidationError as error:
            raise ValidationError({"photo": error.messages}) from error
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        profile = Profile.objects.select_related("department", "site", "manager").get(user=person)
        current: dict[str, Any] = {name: getattr(person, name) for name in USER_FIELDS} | {
            name: getattr(profile, name) for name in PROFILE_FIELDS if name not in USER_FIELDS
        }
        cleaned: dict[str, Any] = {}
        for name, value in changes.items():
            if name in TEXT_LIMITS:
                cleaned[name] = _clean_text(name, value)
            elif name in LIST_LIMITS:
                cleaned[name] = _clean_list(name, value)
            elif name == "department":
                if value is not None and not isinstance(value, Department):
                    raise ValidationError({name: _("Choose a department from the list.")})
                cleaned[name] = value
            elif name == "site":
                if value is not None and not isinstance(value, Site):
                    raise ValidationError({name: _("Choose a site from the list.")})
                cleaned[name] = value
            elif name == "manager":
                if value != current["manager"]:
                    value = _clean_manager(person, value)
                cleaned[name] = value
        changed = {name: value for name, value in cleaned.items() if value != current[name]}
        locked = [name for name in HR_FIELDS if name in changed]
        if locked and not queries.can_edit_hr_fields(actor, person):
            raise PermissionDenied(
                _("Only administrators may change the job title, department and manager.")
            )
        old_photo = profile.photo.name
        if photo_content is not None:
            profile.photo.save(f"{person.pk}-{photo_content.name}", photo_content, save=False)
        elif remove_photo and old_photo:
            profile.photo = ""
        if profile.photo.name != old_photo:
            current["photo"] = old_photo
            changed["photo"] = profile.photo.name
            if old_photo:
                storage = profile.photo.storage
                transaction.on_commit(lambda: storage.delete(old_photo))
        if not changed:
            return profile
        for name, value in changed.items():
            if name != "photo":
                setattr(person if name in USER_FIELDS else profile, name, value)
        if "bio" in changed:
            profile.bio_html = render_markdown(profile.bio)
        if any(name in USER_FIELDS for name in changed):
            person.save(update_fields=[name for name in USER_FIELDS if name in changed])
        profile.save()
        refresh_search_columns(person)
        _log_admin_change(
            actor=actor,
            person=person,
            old={name: current[name] for name in changed},
            new=changed,
            request=request,
        )
    profile.refresh_from_db()
    return profile


BULK_MANAGERS_BATCH = 500


def set_new_people_managers(*, actor: User, managers: Mapping[int, int]) -> set[int]:
    """Give people created just now (no one reports to them yet but others of `managers`) their
    manager, person id → manager id, in a fixed number of queries per 500 people, with the
    audit entry `update_profile` writes. Those whose chain of managers in `managers` comes back
    to them are left out (returned): `update_profile` refuses the change that closes a cycle."""
    on_cycle: set[int] = set()
    settled: set[int] = set()
    for start in managers:
        path: list[int] = []
        seen: set[int] = set()
        node: int | None = start
        while node is not None and node in managers and node not in settled:
            if node in seen:
                on_cycle.update(path[path.index(node) :])
                break
            seen.add(node)
            path.append(node)
            node = managers[node]
        settled.update(path)
    wanted = [(pk, manager) for pk, manager in managers.items() if pk not in on_cycle]
    for start in range(0, len(wanted), BULK_MANAGERS_BATCH):
        chunk = wanted[start : start + BULK_MANAGERS_BATCH]
        people = User.objects.only("pk", "username", "first_name", "last_name").in_bulk(
            {pk for row in chunk for pk in row}
        )
        with transaction.atomic():
            Profile.objects.bulk_update(
                [Profile(user_id=pk, manager_id=manager) for pk, manager in chunk], ["manager"]
            )
            log_events(
                {
                    "actor": actor,
                    "action": "accounts.profile_changed",
                    "target": people[pk],
                    "old": {"manager": None},
                    "new": {"manager": people[manager].username},
                }
                for pk, manager in chunk
                if pk != actor.pk and pk in people and manager in people
            )
    return on_cycle


def set_managers(
    *, actor: User, managers: Mapping[int, int | None]
) -> dict[int, ValidationError | PermissionDenied]:
    """`update_profile(changes={"manager": …})` for many people at once, person id → manager id
    (None: no manager), with its checks and its audit entry (old → new), in a fixed number of
    queries per 500 people plus one per level of the org chart above the new managers. The
    changes are taken in order, as one call each would be: a change that would close a loop of
    managers with the ones before it or with the chart as it is is refused, as are a manager who
    is not an active person and a change the actor may not make (returned: person id → why)."""
    refused: dict[int, ValidationError | PermissionDenied] = {}
    if not managers:
        return refused
    ids = list(managers)
    current: dict[int, int | None] = {}
    for start in range(0, len(ids), BULK_MANAGERS_BATCH):
        current.update(
            Profile.objects.filter(
                user_id__in=ids[start : start + BULK_MANAGERS_BATCH]
            ).values_list("user_id", "manager_id")
        )
    wanted = {pk: mid for pk, mid in managers.items() if pk in current and current[pk] != mid}
    if not wanted:
        return refused
    people = User.objects.only(
        "pk", "username", "first_name", "last_name", "is_active", "role"
    ).in_bulk(
        {
            *wanted,
            *(mid for mid in wanted.values() if mid is not None),
            *(current[pk] for pk in wanted if current[pk] is not None),
        }
    )
    # The chart above the new managers, read one level at a time.
    chart: dict[int, int | None] = dict(current)
    frontier = {mid for mid in wanted.values() if mid is not None} - set(chart)
    for _level in range(queries.MAX_CHAIN_DEPTH * 10):
        if not frontier:
            break
        found = dict(
            Profile.objects.filter(user_id__in=list(frontier)).values_list("user_id", "manager_id")
        )
        chart.update(found)
        chart.update({pk: None for pk in frontier - set(found)})
        frontier = {mid for mid in found.values() if mid is not None} - set(chart)
    lock = queries.can_edit_hr_fields
    accepted: list[tuple[int, int | None]] = []
    for pk, mid in wanted.items():
        person = people.get(pk)
        if person is None:
            continue
        if not queries.can_edit_profile(actor, person) or not lock(actor, person):
            refused[pk] = PermissionDenied(
                _("Only administrators may change the job title, department and manager.")
            )
            continue
        if mid is not None:
            manager = people.get(mid)
            if manager is None or not manager.is_active:
                refused[pk] = ValidationError({"manager": _("Choose an active person.")})
                continue
            if mid == pk:
                refused[pk] = ValidationError(
                    {"manager": _("A person cannot be their own manager.")}
                )
                continue
            node: int | None = mid
            seen: set[int] = set()
            while node is not None and node not in seen and node != pk:
                seen.add(node)
                node = chart.get(node)
            if node == pk:
                refused[pk] = ValidationError(
                    {"manager": _("%(name)s already reports to this person.") % {"name": manager}}
                )
                continue
        chart[pk] = mid
        accepted.append((pk, mid))
    for start in range(0, len(accepted), BULK_MANAGERS_BATCH):
        chunk = accepted[start : start + BULK_MANAGERS_BATCH]
        with transaction.atomic():
            Profile.objects.bulk_update(
                [Profile(user_id=pk, manager_id=mid) for pk, mid in chunk], ["manager"]
            )
            log_events(
                {
                    "actor": actor,
                    "action": "accounts.profile_changed",
                    "target": people[pk],
                    "old": {"manager": _username(people, current[pk])},
                    "new": {"manager": _username(people, mid)},
                }
                for pk, mid in chunk
                if pk != actor.pk
            )
            emit(
                hooks.PeopleChanged(
                    tuple(pk for pk, _mid in chunk), profile_fields=frozenset({"manager"})
                )
            )
    return refused


def set_departments(
    *, actor: User, departments: Mapping[int, Department | None]
) -> dict[int, PermissionDenied]:
    """`update_profile(changes={"department": …})` for many people at once, person id → their
    department (None: none), with its checks and effects in a fixed number of queries per 500
    people: the profiles read (and locked) at once, one UPDATE per department given, the search
    columns recomputed together, one `accounts.profile_changed` audit entry each (old → new, as
    `update_profile` writes it; none for the actor's own profile) in one INSERT, and
    `PeopleChanged` for the search index (what the profile's `post_save` did). People whose
    department is already the one given are left alone. A change the actor may not make is
    refused (returned: person id → why, as `update_profile` says it), the others are made."""
    refused: dict[int, PermissionDenied] = {}
    for value in departments.values():
        if value is not None and not isinstance(value, Department):
            raise ValidationError({"department": _("Choose a department from the list.")})
    ids = list(departments)
    for start in range(0, len(ids), BULK_MANAGERS_BATCH):
        chunk = ids[start : start + BULK_MANAGERS_BATCH]
        with transaction.atomic():
            profiles = {
                profile.user_id: profile
                for profile in Profile.objects.select_related("user", "department")
                .select_for_update(of=("self", "user"))
                .filter(user_id__in=chunk)
                .order_by("user_id")
            }
            moved: dict[int | None, list[int]] = {}
            audit: list[dict[str, Any]] = []
            for pk in chunk:
                profile = profiles.get(pk)
                if profile is None:
                    continue
                person, department = profile.user, departments[pk]
                if not queries.can_edit_profile(actor, person):
                    refused[pk] = PermissionDenied(_("You may only edit your own profile."))
                    continue
                if profile.department_id == (department.pk if department else None):
                    continue
                if not queries.can_edit_hr_fields(actor, person):
                    refused[pk] = PermissionDenied(
                        _("Only administrators may change the job title, department and manager.")
                    )
                    continue
                moved.setdefault(department.pk if department else None, []).append(pk)
                if pk != actor.pk:
                    audit.append(
                        {
                            "actor": actor,
                            "action": "accounts.profile_changed",
                            "target": person,
                            "old": {"department": _audit_value(profile.department)},
                            "new": {"department": _audit_value(department)},
                        }
                    )
            if not moved:
                continue
            now = timezone.now()
            for department_id, people in moved.items():
                Profile.objects.filter(user_id__in=people).update(
                    department_id=department_id, updated_at=now
                )
            written = sorted(pk for people in moved.values() for pk in people)
            refresh_search_columns_many(written)
            log_events(audit)
            emit(hooks.PeopleChanged(tuple(written), profile_fields=frozenset({"department"})))
    return refused


def _username(people: Mapping[int, User], user_id: int | None) -> str | None:
    person = people.get(user_id) if user_id is not None else None
    return person.username if person is not None else None


def set_new_people_photos(
    *, actor: User, photos: Mapping[int, bytes]
) -> dict[int, ValidationError]:
    """Give people created just now (no photo yet) their photo, person id → image bytes: each
    checked and re-encoded as `update_profile` does, then written together (one update and one
    audit INSERT per 500 people). Returns the refused ones with why."""
    refused: dict[int, ValidationError] = {}
    ids = list(photos)
    for start in range(0, len(ids), BULK_MANAGERS_BATCH):
        profiles: list[Profile] = []
        for pk in ids[start : start + BULK_MANAGERS_BATCH]:
            upload = io.BytesIO(photos[pk])
            upload.name = "photo.jpg"
            try:
                content = process_photo(upload)
            except ValidationError as error:
                refused[pk] = ValidationError({"photo": error.messages})
                continue
            profile = Profile(user_id=pk)
            profile.photo.save(f"{pk}-{content.name}", content, save=False)
            profiles.append(profile)
        people = User.objects.only("pk", "username", "first_name", "last_name").in_bulk(
            [profile.user_id for profile in profiles]
        )
        with transaction.atomic():
            Profile.objects.bulk_update(profiles, ["photo"])
            log_events(
                {
                    "actor": actor,
                    "action": "accounts.profile_changed",
                    "target": people[profile.user_id],
                    "old": {"photo": ""},
                    "new": {"photo": profile.photo.name},
                }
                for profile in profiles
                if profile.user_id != actor.pk and profile.user_id in people
            )
    return refused


# --- Skills ------------------------------------------------------------------------------------


def _clean_level(level: Any) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or level not in SkillLevel.values:
        raise ValidationError({"level": _("Choose a level from 1 to 4.")})
    return level


def get_or_create_skill(name: str) -> Skill:
    """The shared skill record for `name` ("Comptabilité" and "comptabilite" are one)."""
    name = " ".join((name or "").split())
    key = normalize(name)
    if not key or "\x00" in name:
        raise ValidationError({"name": _("Enter a skill.")})
    if len(name) > MAX_SKILL_NAME or len(key) > MAX_SKILL_NAME:
        raise ValidationError(
            {"name": _("At most %(limit)d characters, please.") % {"limit": MAX_SKILL_NAME}}
        )
    skill = Skill.objects.filter(normalized_name=key).first()
    if skill is None:
        try:
            with transaction.atomic():
                skill = Skill.objects.create(name=name, normalized_name=key)
        except IntegrityError:
            skill = Skill.objects.get(normalized_name=key)
    return skill


def add_skill(
    *,
    actor: User,
    person: User,
    name: str,
    level: int,
    request: HttpRequest | None = None,
) -> UserSkill:
    """Add a skill at a level (or change the level when the person already has it)."""
    _require_editor(actor, person)
    level = _clean_level(level)
    with transaction.atomic():
        skill = get_or_create_skill(name)
        user_skill, created = UserSkill.objects.get_or_create(
            user=person, skill=skill, defaults={"level": level}
        )
        old_level = None if created else user_skill.level
        if not created and user_skill.level != level:
            user_skill.level = level
            user_skill.save(update_fields=["level"])
        if created:
            refresh_search_columns(person)
        if old_level != level:
            _log_admin_change(
                actor=actor,
                person=person,
                old={f"skill:{skill.name}": old_level},
                new={f"skill:{skill.name}": level},
                request=request,
            )
    return user_skill


def set_skill_level(
    *, actor: User, user_skill: UserSkill, level: int, request: HttpRequest | None = None
) -> UserSkill:
    _require_editor(actor, user_skill.user)
    level = _clean_level(level)
    with transaction.atomic():
        old_level = user_skill.level
        if old_level != level:
            UserSkill.objects.filter(pk=user_skill.pk).update(level=level)
            user_skill.level = level
            _log_admin_change(
                actor=actor,
                person=user_skill.user,
                old={f"skill:{user_skill.skill.name}": old_level},
                new={f"skill:{user_skill.skill.name}": level},
                request=request,
            )
    return user_skill


def remove_skill(*, actor: User, user_skill: UserSkill, request: HttpRequest | None = None) -> None:
    """Remove a skill from a profile, with its endorsements."""
    person = user_skill.user
    _require_editor(actor, person)
    with transaction.atomic():
        deleted, _rows = UserSkill.objects.filter(pk=user_skill.pk).delete()
        if deleted:
            refresh_search_columns(person)
            _log_admin_change(
                actor=actor,
                person=person,
                old={f"skill:{user_skill.skill.name}": user_skill.level},
                new={f"skill:{user_skill.skill.name}": None},
                request=request,
            )


# --- Endorsements and follows ------------------------------------------------------------------


def endorse_skill(*, actor: User, user_skill: UserSkill) -> bool:
    """Endorse a colleague's skill; True when a new endorsement was made (idempotent)."""
    if not queries.can_interact(actor, user_skill.user):
        raise PermissionDenied(_("You cannot endorse this skill."))
    with transaction.atomic():
        _endorsement, created = Endorsement.objects.get_or_create(
            user_skill=user_skill, endorser=actor
        )
        if created:
            UserSkill.objects.filter(pk=user_skill.pk).update(
                endorsement_count=F("endorsement_count") + 1
            )
    user_skill.refresh_from_db(fields=["endorsement_count"])
    return created


def withdraw_endorsement(*, actor: User, user_skill: UserSkill) -> bool:
    """Withdraw one's endorsement; True when there was one."""
    if not actor.is_active:
        raise PermissionDenied(_("You cannot endorse this skill."))
    with transaction.atomic():
        deleted, _rows = Endorsement.objects.filter(user_skill=user_skill, endorser=actor).delete()
        if deleted:
            UserSkill.objects.filter(pk=user_skill.pk, endorsement_count__gt=0).update(
                endorsement_count=F("endorsement_count") - 1
            )
    user_skill.refresh_from_db(fields=["endorsement_count"])
    return bool(deleted)


def follow_person(*, actor: User, person: User) -> bool:
    """Follow someone (not oneself); True when newly followed."""
    if not queries.can_interact(actor, person):
        raise PermissionDenied(_("You cannot follow this person."))
    with transaction.atomic():
        _follow, created = Follow.objects.get_or_create(follower=actor, followed=person)
        emit(hooks.PersonFollowChanged(follower=actor, followed=person))
    return created


def unfollow_person(*, actor: User, person: User) -> bool:
    if not actor.is_active:
        raise PermissionDenied(_("You cannot follow this person."))
    with transaction.atomic():
        deleted, _rows = Follow.objects.filter(follower=actor, followed=person).delete()
        emit(hooks.PersonFollowChanged(follower=actor, followed=person))
    return bool(deleted)
