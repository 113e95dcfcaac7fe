"""Writes a person's profile from what an identity provider says about them (single sign-on's
attribute mapping): name, job title, department, site, manager, phone and language.

The provider is the organisation's source of truth for these fields, so no permission is checked
(the HR lock is about people editing their own profile); values are trimmed to the fields'
lengths, unknown departments and sites are created, a manager is found by email address. One
audit entry per change, naming the provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from cercle.accounts.models import Department, Profile, Site, User
from cercle.accounts.search import refresh_search_columns
from cercle.audit.actions import log_event
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
        if name in _USER_TEXT:
            new = text[: _USER_TEXT[name]]
            if getattr(person, name) != new:
                old[name], changed[name] = getattr(person, name), new
                setattr(person, name, new)
        elif name in _PROFILE_TEXT:
            new = text[: _PROFILE_TEXT[name]]
            if getattr(profile, name) != new:
                old[name], changed[name] = getattr(profile, name), new
                setattr(profile, name, new)
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
        elif name == "language":
            code = _language(text)
            if code is not None and person.language != code:
                old[name], changed[name] = person.language, code
                person.language = code
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
