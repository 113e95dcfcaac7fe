"""The SCIM 2.0 service provider at /scim/v2/ (RFC 7643, RFC 7644): plain Django views that read
and write SCIM messages with scim2-models, and call the provisioning actions and queries.

Every answer is `application/scim+json`; every refusal a SCIM error (`scimType` where the RFC
names one), never an HTML page; a single resource carries its ETag (`meta.version`), and
`If-Match` on a write that does not match answers 412.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError as PydanticValidationError
from scim2_models import (
    Context,
    Error,
    Group,
    InvalidFilterException,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    NotFoundException,
    PatchOp,
    PayloadTooLargeException,
    PreconditionFailedException,
    ResourceType,
    Schema,
    SCIMException,
    SearchRequest,
    UnauthorizedException,
)

from cercle.provisioning import actions, queries
from cercle.provisioning.models import ScimToken
from cercle.provisioning.scim import resources
from cercle.provisioning.scim.resources import POLICY, ScimUser

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/scim+json"
MAX_BODY = 1_000_000

Handler = Callable[..., HttpResponse]


def _json(data: Any, status: int = 200, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    if etag:
        response["ETag"] = etag
    return response


def error_response(error: SCIMException | Error) -> HttpResponse:
    scim_error = error.to_error() if isinstance(error, SCIMException) else error
    status = int(scim_error.status or 400)
    response = _json(scim_error.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE), status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def _validation_error(error: PydanticValidationError) -> HttpResponse:
    errors = Error.from_validation_errors(error)
    first = errors[0] if errors else Error(status=400, scim_type="invalidValue", detail="Invalid")
    return error_response(first)


def scim_view(view: Handler) -> Handler:
    """Bearer-token authentication, and every refusal as a SCIM error."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        scheme, _space, secret = header.partition(" ")
        token = actions.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return error_response(UnauthorizedException(detail="A valid SCIM token is required"))
        try:
            return view(request, token, *args, **kwargs)
        except SCIMException as error:
            return error_response(error)
        except PydanticValidationError as error:
            return _validation_error(error)
        except RequestDataTooBig:
            return error_response(PayloadTooLargeException(detail="The request is too large"))
        except Exception:
            logger.exception("SCIM request failed")
            return error_response(Error(status=500, detail="Internal error"))

    return wrapped


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/scim/v2")


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY:
        raise PayloadTooLargeException(detail="The request is too large")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidSyntaxException(detail=f"The body is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="The body is not a JSON object")
    return data


def _manager(value: Any, url: str) -> Any:
    """Entra ID sends a manager as its id alone, where RFC 7643 has `{"value", "$ref"}`."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = {"value": str(value)}
    if isinstance(value, dict) and value.get("value") and not value.get("$ref"):
        value = {**value, "$ref": f"{url}/Users/{value['value']}"}
    return value


def _normalise_managers(data: dict[str, Any], url: str) -> dict[str, Any]:
    enterprise_key = resources.ENTERPRISE.lower()
    for key, value in data.items():
        if key.lower() == enterprise_key and isinstance(value, dict):
            for name in list(value):
                if name.lower() == "manager":
                    value[name] = _manager(value[name], url)
        elif key.lower() == f"{enterprise_key}:manager":
            data[key] = _manager(value, url)
    operations = data.get("Operations")
    if isinstance(operations, list):
        for operation in operations:
            if not isinstance(operation, dict):
                continue
            path = operation.get("path")
            if isinstance(path, str) and path.lower().endswith(f"{enterprise_key}:manager"):
                operation["value"] = _manager(operation.get("value"), url)
            elif isinstance(operation.get("value"), dict):
                _normalise_managers(operation["value"], url)
    return data


def _check_if_match(request: HttpRequest, version: str) -> None:
    wanted = request.headers.get("If-Match")
    if wanted is None:
        return
    tags = {tag.strip() for tag in wanted.split(",")}
    if "*" not in tags and version not in tags and version.removeprefix("W/") not in tags:
        raise PreconditionFailedException(detail="The resource changed (ETag mismatch)")


def _not_modified(request: HttpRequest, version: str) -> bool:
    wanted = request.headers.get("If-None-Match")
    return wanted is not None and version in {tag.strip() for tag in wanted.split(",")}


def _search_parameters(data: dict[str, Any]) -> Any:
    """attributes, excludedAttributes, startIndex, count of a query (the filter is read apart:
    Cercle turns it into a database query)."""
    given = {key: value for key, value in data.items() if key != "filter" and value is not None}
    for key in ("startIndex", "count"):
        if key in given:
            try:
                given[key] = int(given[key])
            except (TypeError, ValueError):
                raise InvalidValueException(detail=f"{key} must be an integer") from None
    for key in ("attributes", "excludedAttributes"):
        if isinstance(given.get(key), str):
            given[key] = [name.strip() for name in given[key].split(",") if name.strip()]
    if "sortBy" in given or "sortOrder" in given:
        given.pop("sortBy", None)
        given.pop("sortOrder", None)
    return SearchRequest.model_validate(given, scim_ctx=Context.SEARCH_REQUEST)


def _query_data(request: HttpRequest) -> dict[str, Any]:
    return {key: request.GET.get(key) for key in request.GET}


def _page(search: Any, total: int) -> tuple[int, int]:
    start = max(int(search.start_index or 1), 1)
    count = resources.DEFAULT_PAGE if search.count is None else max(int(search.count), 0)
    return start, min(count, resources.MAX_PAGE)


def _list(request: HttpRequest, data: dict[str, Any], *, groups: bool) -> HttpResponse:
    search = _search_parameters(data)
    text = data.get("filter")
    if text is not None and not isinstance(text, str):
        raise InvalidValueException(detail="filter must be a string")
    url = base_url(request)
    condition = queries.filter_q(text, groups=groups) if text else None
    if groups:
        departments = queries.scim_departments()
        if condition is not None:
            departments = departments.filter(
                pk__in=queries.scim_departments().filter(condition).values("pk")
            )
        total = departments.count()
        start, count = _page(search, total)
        page = list(departments[start - 1 : start - 1 + count]) if count else []
        members = queries.members_of(page)
        items: list[Any] = [
            resources.as_group(resources.group_document(d, members[d.pk], url)) for d in page
        ]
        model: Any = Group
    else:
        people = queries.scim_people()
        if condition is not None:
            people = people.filter(pk__in=queries.scim_people().filter(condition).values("pk"))
        total = people.count()
        start, count = _page(search, total)
        page_people = list(people[start - 1 : start - 1 + count]) if count else []
        items = [resources.as_user(resources.user_document(p, url)) for p in page_people]
        model = ScimUser
    listing = ListResponse[model](
        total_results=total, start_index=start, items_per_page=len(items), resources=items
    )
    return _json(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search))


def _one(
    request: HttpRequest, document: dict[str, Any], model_of: Any, status: int = 200
) -> HttpResponse:
    data = _query_data(request) if request.method == "GET" else {}
    search = _search_parameters(
        {k: v for k, v in data.items() if k in {"attributes", "excludedAttributes"}}
    )
    resource = model_of(document)
    version = document["meta"]["version"]
    context = Context.RESOURCE_QUERY_RESPONSE
    if request.method == "POST":
        context = Context.RESOURCE_CREATION_RESPONSE
    elif request.method == "PUT":
        context = Context.RESOURCE_REPLACEMENT_RESPONSE
    elif request.method == "PATCH":
        context = Context.RESOURCE_PATCH_RESPONSE
    response = _json(
        resource.model_dump(scim_ctx=context, response_parameters=search), status, etag=version
    )
    if status == 201:
        response["Location"] = document["meta"]["location"]
    return response


# --- Users ------------------------------------------------------------------------------------


def _user_document(request: HttpRequest, person_id: int | str) -> dict[str, Any]:
    return resources.user_document(queries.scim_person(str(person_id)), base_url(request))


@scim_view
def users(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method == "GET":
        return _list(request, _query_data(request), groups=False)
    if request.method == "POST":
        resource = ScimUser.model_validate(
            _normalise_managers(_body(request), base_url(request)),
            scim_ctx=Context.RESOURCE_CREATION_REQUEST,
            scim_policy=POLICY,
        )
        person = actions.provision_person(token=token, resource=resource)
        return _one(request, _user_document(request, person.pk), resources.as_user, 201)
    return _method_not_allowed()


@scim_view
def users_search(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method != "POST":
        return _method_not_allowed()
    return _list(request, _body(request), groups=False)


@scim_view
def user(request: HttpRequest, token: ScimToken, person_id: str) -> HttpResponse:
    document = _user_document(request, person_id)
    version = document["meta"]["version"]
    if request.method == "GET":
        if _not_modified(request, version):
            return HttpResponse(status=304, headers={"ETag": version})
        return _one(request, document, resources.as_user)
    if request.method not in {"PUT", "PATCH", "DELETE"}:
        return _method_not_allowed()
    _check_if_match(request, version)
    person = queries.scim_person(person_id)
    if request.method == "DELETE":
        actions.delete_person(token=token, person=person)
        return HttpResponse(status=204)
    if request.method == "PUT":
        resource = ScimUser.model_validate(
            _normalise_managers(_body(request), base_url(request)),
            scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST,
            scim_policy=POLICY,
        )
    else:
        patch = PatchOp[ScimUser].model_validate(
            _normalise_managers(_body(request), base_url(request)),
            scim_ctx=Context.RESOURCE_PATCH_REQUEST,
            scim_policy=POLICY,
        )
        resource = resources.as_user(document)
        if not patch.patch(resource, POLICY):
            return _one(request, document, resources.as_user)
    actions.replace_person(token=token, person=person, resource=resource)
    return _one(request, _user_document(request, person.pk), resources.as_user)


# --- Groups -----------------------------------------------------------------------------------

_MEMBER_FILTER = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)


def _names_members(body: dict[str, Any]) -> bool:
    """Whether a PATCH speaks of members (one that changes nothing of the group's document may
    still change the mapped spaces: someone back from deprovisioning, added again)."""
    operations = body.get("Operations")
    for operation in operations if isinstance(operations, list) else []:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "").strip().lower()
        value = operation.get("value")
        if path.startswith("members") or (isinstance(value, dict) and "members" in value):
            return True
    return False


def _members_removed(body: dict[str, Any]) -> set[int]:
    """The people a group PATCH removes by name: Entra ID's `Remove` of `members` with values,
    Okta's `remove` of `members[value eq "…"]`."""
    found: set[int] = set()
    operations = body.get("Operations")
    for operation in operations if isinstance(operations, list) else []:
        if not isinstance(operation, dict) or str(operation.get("op", "")).lower() != "remove":
            continue
        path = str(operation.get("path") or "").strip()
        values: list[Any] = []
        match = _MEMBER_FILTER.match(path)
        if match:
            values = [match.group(1)]
        elif path.lower() == "members" and isinstance(operation.get("value"), list):
            values = [v.get("value") for v in operation["value"] if isinstance(v, dict)]
        for value in values:
            try:
                number = int(str(value))
            except ValueError:
                continue
            if 0 < number < 2**63:
                found.add(number)
    return found


def _group_document(request: HttpRequest, group_id: int | str) -> dict[str, Any]:
    department = queries.scim_department(str(group_id))
    members = queries.members_of([department])[department.pk]
    return resources.group_document(department, members, base_url(request))


@scim_view
def groups(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method == "GET":
        return _list(request, _query_data(request), groups=True)
    if request.method == "POST":
        resource = Group.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
        )
        department = actions.create_group(token=token, resource=resource)
        return _one(request, _group_document(request, department.pk), resources.as_group, 201)
    return _method_not_allowed()


@scim_view
def groups_search(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method != "POST":
        return _method_not_allowed()
    return _list(request, _body(request), groups=True)


@scim_view
def group(request: HttpRequest, token: ScimToken, group_id: str) -> HttpResponse:
    document = _group_document(request, group_id)
    version = document["meta"]["version"]
    if request.method == "GET":
        if _not_modified(request, version):
            return HttpResponse(status=304, headers={"ETag": version})
        return _one(request, document, resources.as_group)
    if request.method not in {"PUT", "PATCH", "DELETE"}:
        return _method_not_allowed()
    _check_if_match(request, version)
    department = queries.scim_department(group_id)
    if request.method == "DELETE":
        actions.delete_group(token=token, department=department)
        return HttpResponse(status=204)
    previous: set[int] | None = None
    if request.method == "PUT":
        resource = Group.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
        )
    else:
        body = _body(request)
        patch = PatchOp[Group].model_validate(
            body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
        )
        resource = resources.as_group(document)
        # A PATCH is a change to the group: the spaces it maps follow who it adds and removes,
        # also people the department no longer shows (moved by another group) it names.
        removed = _members_removed(body)
        previous = {int(member["value"]) for member in document.get("members", [])} | removed
        if not patch.patch(resource, POLICY) and not _names_members(body):
            return _one(request, document, resources.as_group)
    actions.replace_group(
        token=token, department=department, resource=resource, previous_members=previous
    )
    return _one(request, _group_document(request, department.pk), resources.as_group)


@scim_view
def root_search(request: HttpRequest, token: ScimToken) -> HttpResponse:
    """POST /.search: people then departments, as one list (RFC 7644 §3.4.3). A filter naming
    an attribute one of the two types does not have matches none of that type."""
    if request.method != "POST":
        return _method_not_allowed()
    data = _body(request)
    search = _search_parameters(data)
    text = data.get("filter")
    if text is not None and not isinstance(text, str):
        raise InvalidValueException(detail="filter must be a string")
    url = base_url(request)
    people = queries.scim_people()
    departments = queries.scim_departments()
    if text:
        people = _filtered_or_none(people, text, groups=False)
        departments = _filtered_or_none(departments, text, groups=True)
    people_total, departments_total = people.count(), departments.count()
    start, count = _page(search, people_total + departments_total)
    first = start - 1
    page_people = list(people[first : first + count]) if count and first < people_total else []
    rest = count - len(page_people)
    skip = max(first - people_total, 0)
    page_departments = list(departments[skip : skip + rest]) if rest > 0 else []
    members = queries.members_of(page_departments)
    items: list[Any] = [resources.as_user(resources.user_document(p, url)) for p in page_people]
    items += [
        resources.as_group(resources.group_document(d, members[d.pk], url))
        for d in page_departments
    ]
    listing = ListResponse[ScimUser | Group](
        total_results=people_total + departments_total,
        start_index=start,
        items_per_page=len(items),
        resources=items,
    )
    return _json(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search))


def _filtered_or_none(queryset: Any, text: str, *, groups: bool) -> Any:
    try:
        condition = queries.filter_q(text, groups=groups)
    except InvalidFilterException as error:
        if "not supported" in error.detail or "unknown" in error.detail.lower():
            return queryset.none()
        raise
    return queryset.filter(pk__in=queryset.filter(condition).values("pk"))


# --- Discovery --------------------------------------------------------------------------------


def _method_not_allowed() -> HttpResponse:
    return error_response(Error(status=405, detail="Method not allowed"))


def _listing(model: Any, items: list[Any]) -> HttpResponse:
    listing = ListResponse[model](
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return _json(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


def _with_location(item: Any, url: str) -> Any:
    item = item.model_copy(deep=True)
    if item.meta is not None:
        item.meta.location = url
    return item


@scim_view
def service_provider_config(request: HttpRequest, token: ScimToken) -> HttpResponse:
    if request.method != "GET":
        return _method_not_allowed()
    config = resources.service_provider_config(base_url(request))
    return _json(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@scim_view
def schemas(request: HttpRequest, token: ScimToken, schema_id: str | None = None) -> HttpResponse:
    if request.method != "GET":
        return _method_not_allowed()
    url = base_url(request)
    found: list[Schema] = resources.published_schemas(url)
    if schema_id is None:
        return _listing(Schema, found)
    for schema in found:
        if schema.id == schema_id:
            return _json(schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"No schema {schema_id}")


@scim_view
def resource_types(
    request: HttpRequest, token: ScimToken, type_id: str | None = None
) -> HttpResponse:
    if request.method != "GET":
        return _method_not_allowed()
    url = base_url(request)
    found: list[ResourceType] = [
        _with_location(kind, f"{url}/ResourceTypes/{kind.id}")
        for kind in resources.provider(url).resource_types
    ]
    if type_id is None:
        return _listing(ResourceType, found)
    for kind in found:
        if kind.id == type_id:
            return _json(kind.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"No resource type {type_id}")


@scim_view
def not_found(request: HttpRequest, token: ScimToken, rest: str = "") -> HttpResponse:
    raise NotFoundException(detail="No such SCIM endpoint")
