"""Cercle's people and departments as SCIM resources (scim2-models), and back.

A person is `User[EnterpriseUser]`: Cercle is the authority for what it keeps (userName, name,
the sign-in email, job title, phone, active, department, manager); every other attribute the
provider sent is kept as it sent it (`ScimIdentity.attributes`) and given back, so a provider
reads what it wrote. A department is a `Group`, its members the people of the department.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Meta,
    Pagination,
    Patch,
    Required,
    ResourceType,
    Schema,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)

from cercle.accounts.models import Department
from cercle.accounts.models import User as Person
from cercle.provisioning.models import ScimGroup, ScimIdentity

ScimUser = User[EnterpriseUser]
ENTERPRISE = str(EnterpriseUser.__schema__)
USER_SCHEMA = str(User.__schema__)
GROUP_SCHEMA = str(Group.__schema__)
MAX_PAGE = 500  # ServiceProviderConfig's filter.maxResults: a page never holds more
DEFAULT_PAGE = 100

# What the identity providers send that the RFC reads more strictly: Entra ID's `remove` with
# a value naming what to remove, and its `replace` of `emails[type eq "work"].value` on a person
# who has no work email yet (the entry is created).
POLICY = ScimPolicy(
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

# Attributes of the stored document that Cercle itself answers for, or that are never kept.
_NOT_KEPT = {"schemas", "id", "meta", "password", "groups"}


def service_provider_config(base_url: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_PAGE),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        pagination=Pagination(
            cursor=False, index=True, default_page_size=DEFAULT_PAGE, max_page_size=MAX_PAGE
        ),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A token an administrator issues in Cercle's administration pages",
                primary=True,
            )
        ],
        meta=Meta(
            resource_type="ServiceProviderConfig",
            location=f"{base_url}/ServiceProviderConfig",
        ),
    )


def provider(base_url: str) -> ScimProvider:
    user_type = ResourceType.from_resource(ScimUser)
    user_type.schema_extensions[0].required = False  # type: ignore[index]
    return ScimProvider(
        models=[User, EnterpriseUser, Group],
        resource_types=[user_type, ResourceType.from_resource(Group)],
        config=service_provider_config(base_url),
        policy=POLICY,
    )


def published_schemas(base_url: str) -> list[Schema]:
    """The schemas /Schemas shows: scim2-models' own, where Cercle requires more than the RFC —
    a person needs an email address (their sign-in address)."""
    found: list[Schema] = []
    for schema in provider(base_url).schemas:
        schema = schema.model_copy(deep=True)
        if schema.id == USER_SCHEMA:
            for attribute in schema.attributes or []:
                if attribute.name == "emails":
                    attribute.required = Required.true
                    for sub_attribute in attribute.sub_attributes or []:
                        if sub_attribute.name == "value":
                            sub_attribute.required = Required.true
        if schema.meta is not None:
            schema.meta.location = f"{base_url}/Schemas/{schema.id}"
        found.append(schema)
    return found


def _version(document: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
    return f'W/"{digest[:20]}"'


def _merge_emails(stored: list[dict[str, Any]] | None, email: str) -> list[dict[str, Any]]:
    """The provider's list of addresses, with Cercle's sign-in address as the primary one."""
    emails = [dict(entry) for entry in stored or [] if isinstance(entry, dict)]
    for entry in emails:
        if str(entry.get("value", "")).lower() == email.lower():
            return emails
    for entry in emails:
        if entry.get("primary"):
            entry["value"] = email
            return emails
    if emails:
        emails[0]["value"] = email
        return emails
    return [{"value": email, "type": "work", "primary": True}]


def _merge_phones(stored: list[dict[str, Any]] | None, phone: str) -> list[dict[str, Any]] | None:
    phones = [dict(entry) for entry in stored or [] if isinstance(entry, dict)]
    if not phone:
        return phones or None
    if any(str(entry.get("value", "")) == phone for entry in phones):
        return phones
    return [{"value": phone, "type": "work"}]


def user_document(person: Person, base_url: str) -> dict[str, Any]:
    """The person as a SCIM document (with `meta`), from a person loaded by
    `queries.scim_people()` (profile, department, manager and SCIM identity joined).

    For a person the provider manages, Cercle's current values are laid over the attributes
    the provider set, and only those (an attribute it removed is not shown, even if Cercle
    keeps a value, as a person always has a name); for anyone else, everything Cercle knows.
    """
    identity: ScimIdentity | None = getattr(person, "scim_identity", None)
    profile = getattr(person, "profile", None)
    stored: dict[str, Any] = dict(identity.attributes) if identity is not None else {}
    managed = identity is not None

    def shown(key: str, within: dict[str, Any] = stored) -> bool:
        return not managed or key in within

    document = {key: value for key, value in stored.items() if key not in _NOT_KEPT}
    document["userName"] = identity.user_name if identity is not None else person.email
    if identity is not None and identity.external_id:
        document["externalId"] = identity.external_id
    else:
        document.pop("externalId", None)
    if shown("name"):
        name = dict(document.get("name") or {})
        if person.first_name:
            name["givenName"] = person.first_name
        if person.last_name:
            name["familyName"] = person.last_name
        document["name"] = name
    if not managed:
        document["displayName"] = person.get_full_name() or person.username
    if shown("active"):
        document["active"] = person.is_active
    document["emails"] = _merge_emails(document.get("emails"), person.email)
    job_title = profile.job_title if profile is not None else ""
    if job_title and shown("title"):
        document["title"] = job_title
    else:
        document.pop("title", None)
    if shown("phoneNumbers"):
        phones = _merge_phones(document.get("phoneNumbers"), profile.phone if profile else "")
        if phones:
            document["phoneNumbers"] = phones
        else:
            document.pop("phoneNumbers", None)
    stored_enterprise = dict(document.pop(ENTERPRISE, None) or {})
    enterprise = dict(stored_enterprise)
    department = profile.department if profile is not None else None
    manager = profile.manager if profile is not None else None
    if shown("department", stored_enterprise):
        if department is not None:
            enterprise["department"] = department.name
        else:
            enterprise.pop("department", None)
    if shown("manager", stored_enterprise):
        if manager is not None:
            enterprise["manager"] = {
                "value": str(manager.pk),
                "$ref": f"{base_url}/Users/{manager.pk}",
            }
        else:
            enterprise.pop("manager", None)
    schemas = [USER_SCHEMA]
    if enterprise:
        document[ENTERPRISE] = enterprise
        schemas.append(ENTERPRISE)
    document["schemas"] = schemas
    document["id"] = str(person.pk)
    if department is not None:
        document["groups"] = [
            {
                "value": str(department.pk),
                "$ref": f"{base_url}/Groups/{department.pk}",
                "display": department.name,
                "type": "direct",
            }
        ]
    modified = profile.updated_at if profile is not None else person.date_joined
    document["meta"] = {
        "resourceType": "User",
        "created": person.date_joined.isoformat(),
        "lastModified": max(modified, person.date_joined).isoformat(),
        "location": f"{base_url}/Users/{person.pk}",
        "version": _version(document),
    }
    return document


def group_document(department: Department, members: list[Person], base_url: str) -> dict[str, Any]:
    group: ScimGroup | None = getattr(department, "scim_group", None)
    displays = group.member_displays if group is not None else {}
    document: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": str(department.pk),
        "displayName": department.name,
        "members": [
            {
                "value": str(person.pk),
                "$ref": f"{base_url}/Users/{person.pk}",
                "display": displays.get(str(person.pk))
                or person.get_full_name()
                or person.username,
                "type": "User",
            }
            for person in members
        ],
    }
    if group is not None and group.external_id:
        document["externalId"] = group.external_id
    document["meta"] = {
        "resourceType": "Group",
        "created": department.created_at.isoformat(),
        "lastModified": department.updated_at.isoformat(),
        "location": f"{base_url}/Groups/{department.pk}",
        "version": _version(document),
    }
    return document


def as_user(document: dict[str, Any]) -> Any:
    return ScimUser.model_validate(
        document, scim_ctx=Context.RESOURCE_QUERY_RESPONSE, scim_policy=POLICY
    )


def as_group(document: dict[str, Any]) -> Group:
    return Group.model_validate(
        document, scim_ctx=Context.RESOURCE_QUERY_RESPONSE, scim_policy=POLICY
    )


def kept_attributes(resource: Any) -> dict[str, Any]:
    """What of a received user the SCIM identity keeps (every attribute but those never kept)."""
    dumped: dict[str, Any] = resource.model_dump(scim_ctx=Context.DEFAULT)
    return {key: value for key, value in dumped.items() if key not in _NOT_KEPT}
