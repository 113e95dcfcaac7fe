"""Writes that an identity source makes about a person: single sign-on's attribute mapping
(`apply_identity_attributes`: name, job title, department, site, manager, phone and language) and
the sign-in email address that SCIM or a directory sets, which people do not choose themselves
(`set_email`).

The provider is the organisation's source of truth for these fields, so no permission is checked
for the mapping (the HR lock is about people editing their own profile); values are trimmed to the
fields' lengths, unknown departments and sites are created, a manager is found by email address.
One audit entry per change, naming the provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cercle.accounts import hooks
from cercle.accounts.models import Department, Profile, Site, User
from cercle.accounts.queries import may_manage_person
from cercle.accounts.search import refresh_search_columns, refresh_search_columns_many
from cercle.audit.actions import log_event, log_events
from cercle.core.hooks import emit
from cercle.core.text import normalize

# The profile's attributes an identity provider may fill, in the order the pages show them.
IDENTITY_ATTRIBUTES = (
    "first_name",
    "last_name",
    "job_title",
    "department",
    "site",
    "manager",
    "phone",
    "language",
)
_USER_TEXT = {"first_name": 150, "last_name": 150}
_PROFILE_TEXT = {"job_title": 150, "phone": 40}
# The attributes copied as they come (cut to their column), and the language (a known code).
_PLAIN = {*_USER_TEXT, *_PROFILE_TEXT, "language"}


def _place(model: type[Department] | type[Site], name: str) -> Department | Site:
    name = name[:120]
    wanted = normalize(name)
    for place in model.objects.all().only("pk", "name"):
        if normalize(place.name) == wanted:
            return place
    base = slugify(name)[:120] or model.__name__.lower()
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return model.objects.create(name=name, slug=slug)


class Places:
    """Departments and sites by name for a bulk writer: read once, the missing ones created as
    `apply_identity_attributes` creates them (the same `_place`)."""

    def __init__(self) -> None:
        self._known: dict[type[Department] | type[Site], dict[str, int]] = {
            model: {normalize(name): pk for pk, name in model.objects.values_list("pk", "name")}
            for model in (Department, Site)
        }
        self.names: dict[type[Department] | type[Site], dict[int, str]] = {
            model: {pk: name for pk, name in model.objects.values_list("pk", "name")}
            for model in (Department, Site)
        }

    def id_of(self, model: type[Department] | type[Site], name: str) -> int | None:
        name = name.strip()
        if not name:
            return None
        key = normalize(name[:120])
        known = self._known[model]
        if key not in known:
            place = _place(model, name)
            known[key] = place.pk
            self.names[model][place.pk] = place.name
        return known[key]


def identity_columns(values: Mapping[str, Any], places: Places) -> dict[str, Any]:
    """What `apply_identity_attributes` would give a new person from these `values`, as the
    account's and profile's columns (for bulk creation): texts trimmed to their fields, places
    found or created, the language if Cercle has it. The manager is the caller's."""
    columns: dict[str, Any] = {}
    for name, limit in (_USER_TEXT | _PROFILE_TEXT).items():
        columns[name] = str(values.get(name) or "").strip()[:limit]
    columns["department_id"] = places.id_of(Department, str(values.get("department") or ""))
    columns["site_id"] = places.id_of(Site, str(values.get("site") or ""))
    columns["language"] = _language(str(values.get("language") or "")) or ""
    return columns


def _set_plain(
    name: str,
    text: str,
    person: User,
    profile: Profile,
    old: dict[str, Any],
    changed: dict[str, Any],
) -> str | None:
    """Sets one of the `_PLAIN` attributes from the directory's `text` when it differs, noting
    the old and new values; says where it changed ("user", "profile") or None."""
    if name == "language":
        code = _language(text)
        if code is None or person.language == code:
            return None
        old[name], changed[name] = person.language, code
        person.language = code
        return "user"
    target: User | Profile = person if name in _USER_TEXT else profile
    new = text[: {**_USER_TEXT, **_PROFILE_TEXT}[name]]
    if getattr(target, name) == new:
        return None
    old[name], changed[name] = getattr(target, name), new
    setattr(target, name, new)
    return "user" if target is person else "profile"


def _language(value: str) -> str | None:
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in {code for code, _name in settings.LANGUAGES} else None


@transaction.atomic
def apply_identity_attributes(
    *, person: User, values: Mapping[str, Any], source: str
) -> dict[str, Any]:
    """Apply the provider's `values` (attribute → text; empty or missing ones are left alone);
    returns what changed (attribute → new value, records shown by name)."""
    person = User.objects.select_for_update().get(pk=person.pk)
    profile, _created = Profile.objects.get_or_create(user=person)
    changed: dict[str, Any] = {}
    old: dict[str, Any] = {}
    for name in IDENTITY_ATTRIBUTES:
        raw = values.get(name)
        if raw is None or not str(raw).strip():
            continue
        text = str(raw).strip()
        if name in _PLAIN:
            _set_plain(name, text, person, profile, old, changed)
        elif name in {"department", "site"}:
            current = getattr(profile, name)
            if current is not None and normalize(current.name) == normalize(text):
                continue
            place = _place(Department if name == "department" else Site, text)
            old[name] = current.name if current is not None else None
            changed[name] = place.name
            setattr(profile, name, place)
        elif name == "manager":
            manager = User.objects.filter(email__iexact=text).exclude(pk=person.pk).first()
            if manager is not None and profile.manager_id != manager.pk:
                old[name] = profile.manager.email if profile.manager else None
                changed[name] = manager.email
                profile.manager = manager
    if not changed:
        return changed
    person.save(update_fields=["first_name", "last_name", "language"])
    profile.save()
    refresh_search_columns(person)
    log_event(
        actor=person,
        action="accounts.identity_synced",
        target=person,
        old=old,
        new={**changed, "source": source},
    )
    return changed


@transaction.atomic
def apply_identity_attributes_many(
    *, values: Mapping[int, Mapping[str, Any]], source: str, places: Places | None = None
) -> dict[int, dict[str, Any]]:
    """`apply_identity_attributes` for many people at once (person id → the provider's values;
    not the manager, which `profiles.set_managers` sets): the current rows read in one query,
    the differences computed here, then one `bulk_update` per set of changed columns, the search
    columns recomputed together, the audit entries in one INSERT and `PeopleChanged` for what
    follows the accounts' writes (the search index) — a fixed number of queries whatever the
    number of people. Returns person id → what changed, for those with a change."""
    if any(str(row.get("manager") or "").strip() for row in values.values()):
        raise ValueError("managers are set by profiles.set_managers")
    places = places or Places()
    profiles = {
        profile.user_id: profile
        for profile in Profile.objects.select_related("user", "department", "site")
        .select_for_update(of=("self", "user"))
        .filter(user_id__in=list(values))
    }
    result: dict[int, dict[str, Any]] = {}
    audit: list[dict[str, Any]] = []
    by_user_fields: dict[frozenset[str], list[User]] = {}
    by_profile_fields: dict[frozenset[str], list[Profile]] = {}
    for user_id, given in values.items():
        profile = profiles.get(user_id)
        if profile is None:
            # No profile yet (never so for a whole person): the single path makes it.
            alone = apply_identity_attributes(person=User(pk=user_id), values=given, source=source)
            if alone:
                result[user_id] = alone
            continue
        person = profile.user
        changed: dict[str, Any] = {}
        old: dict[str, Any] = {}
        user_fields: set[str] = set()
        profile_fields: set[str] = set()
        for name in IDENTITY_ATTRIBUTES:
            raw = given.get(name)
            if name == "manager" or raw is None or not str(raw).strip():
                continue
            text = str(raw).strip()
            if name in _PLAIN:
                where = _set_plain(name, text, person, profile, old, changed)
                if where is not None:
                    (user_fields if where == "user" else profile_fields).add(name)
            elif name in {"department", "site"}:
                model = Department if name == "department" else Site
                current = getattr(profile, name)
                if current is not None and normalize(current.name) == normalize(text):
                    continue
                place_id = places.id_of(model, text)
                old[name] = current.name if current is not None else None
                changed[name] = places.names[model][place_id] if place_id else None
                setattr(profile, f"{name}_id", place_id)
                profile_fields.add(name)
        if not changed:
            continue
        result[user_id] = changed
        if user_fields:
            by_user_fields.setdefault(frozenset(user_fields), []).append(person)
        if profile_fields:
            by_profile_fields.setdefault(frozenset(profile_fields), []).append(profile)
        audit.append(
            {
                "actor": person,
                "action": "accounts.identity_synced",
                "target": person,
                "old": old,
                "new": {**changed, "source": source},
            }
        )
    for fields, people in by_user_fields.items():
        User.objects.bulk_update(people, sorted(fields))
    for fields, rows in by_profile_fields.items():
        Profile.objects.bulk_update(rows, sorted(fields))
    written = [user_id for user_id in result if user_id in profiles]
    if written:
        refresh_search_columns_many(written)
        log_events(audit)
        emit(
            hooks.PeopleChanged(
                tuple(written),
                user_fields=frozenset().union(*by_user_fields),
                profile_fields=frozenset().union(*by_profile_fields),
            )
        )
    return result


def set_email(*, actor: User, person: User, email: str, request: HttpRequest | None = None) -> User:
    """Make `email` the person's sign-in address (verified: the organisation's provider says
    so); the previous address is dropped. Refused when another person holds it."""
    if not may_manage_person(actor, person):
        raise PermissionDenied(_("Only administrators may change an administrator's account."))
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": _("Enter a valid email address.")}) from error
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        old = person.email
        if old.lower() == email:
            return person
        taken = (
            User.objects.filter(email__iexact=email).exclude(pk=person.pk).exists()
            or EmailAddress.objects.filter(email__iexact=email).exclude(user=person).exists()
        )
        if taken:
            raise ValidationError({"email": _("A person with this email address already exists.")})
        person.email = email
        try:
            with transaction.atomic():
                person.save(update_fields=["email"])
        except IntegrityError as error:
            raise ValidationError(
                {"email": _("A person with this email address already exists.")}
            ) from error
        EmailAddress.objects.filter(user=person).delete()
        EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
        log_event(
            actor=actor,
            action="accounts.email_set",
            target=person,
            old={"email": old},
            new={"email": email},
            request=request,
        )
    return person
