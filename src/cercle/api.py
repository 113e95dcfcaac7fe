"""The JSON API under /api/v1/: one NinjaAPI, one router per app, errors as {"detail": ...}."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core import signals
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from cercle.core.pagination import InvalidCursor


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from cercle.accounts.actions.auth import authenticate_api_token

        user = authenticate_api_token(token)
        if user is not None:
            from cercle.adoption.actions import record_active_day

            request.user = user
            # Using Cercle through the API counts as coming that day (once per process).
            record_active_day(user.pk)
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session cookie, CSRF-protected for unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class BodyNotAnObject(ValueError):
    """A JSON body that is valid JSON but not an object (`[]`, `"x"`, `3`, `null`)."""


class ObjectBodyParser(Parser):
    """Every JSON body of this API is an object: anything else is refused here, for every
    endpoint at once.

    Without this, ninja's `Schema` (which reads attributes as well as keys, to build outputs from
    models) takes `[]` or `3` as an object with no fields: a schema whose fields are all optional
    (a PATCH) then validated, and the call answered 200 having changed nothing. Ninja turns any
    error raised here into `HttpError(400, "Cannot parse request body")` chained to it; `http_error`
    below answers a `422` with a clear message instead when the cause is `BodyNotAnObject`.
    Forms and uploads are read by Django, not here (ninja would pass each form field through this
    parser only if an endpoint mixed a JSON `Body` with `File`/`Form` parameters: none does).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject(type(data).__name__)
        return data


DESCRIPTION = """
Cercle's JSON API: everything a person can do in the pages — the wall, spaces, comments,
reactions, notifications, their profile and tokens — with the same rules, since the pages and
the API call the same code. A call never sees or changes more than its caller could in a browser.

**Sign in with a token.** Either ask for one with your username (or email) and password:

```
POST /api/v1/auth/token   {"username": "camille.martin", "password": "…"}
→ {"token": "crc_…"}
```

or create a personal access token on the [Security page](/settings/security/) (its secret is
shown once; revoke it there when you no longer need it). Then send it on every call:

```
Authorization: Bearer crc_…
```

Use **Authorize** above to try the endpoints here with your token. In a signed-in browser the
session cookie works too (unsafe methods need the `X-CSRFToken` header).

Errors are JSON `{"detail": …}` with a 4xx status; a JSON body must be an object (anything else is
a 422). Lists are paginated with opaque cursors.

The full guide, with examples, is `docs/api.md` in Cercle's source.
[← Back to Cercle](/)
"""

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "description": "What went wrong: a message, or (422) the list of problems with "
            "their location, or (400) the messages per field.",
            "anyOf": [
                {"type": "string"},
                {"type": "array"},
                {"type": "object", "additionalProperties": True},
            ],
        }
    },
}

ERRORS = {
    400: "Refused: the message says why (an invalid cursor, a change the rules refuse).",
    401: "No valid credentials.",
    403: "The caller may see this but not do this to it.",
    404: "Missing, or not visible to the caller (the API never tells which).",
    422: "Invalid input: the problems, each at its location.",
}


class CercleAPI(NinjaAPI):
    """The OpenAPI schema declares, for every operation, the errors it may answer, all of them
    `{"detail": …}` (`ERROR_SCHEMA`), so that clients and the fuzzer
    (`tests/api/test_schemathesis.py`, which checks every response against the schema) know them.

    The rules, from what every operation shares (the exception handlers below): 401 when it needs
    credentials; 422 when it takes input (parameters or a body); 404 when its path names something
    or its input may name something; 400 and 403 when it takes input or changes something (the
    actions' `ValidationError` and `PermissionDenied`). An operation that declares a status itself
    keeps its own.
    """

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for path_item in schema["paths"].values():
            for method, operation in path_item.items():
                _declare_errors(method, operation)
        return schema


def _declare_errors(method: str, operation: dict[str, Any]) -> None:
    parameters = operation.get("parameters", [])
    takes_input = bool(parameters) or "requestBody" in operation
    statuses = set()
    if operation.get("security"):
        statuses.add(401)
    if takes_input:
        statuses |= {400, 403, 404, 422}
    elif method != "get":
        statuses |= {400, 403}
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        if status in responses or str(status) in responses:  # ninja's keys are numbers
            continue
        responses.setdefault(
            status,
            {
                "description": ERRORS[status],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )


api = CercleAPI(
    title="Cercle API",
    description=DESCRIPTION,
    version="1",
    urls_namespace="api-v1",
    auth=[BearerTokenAuth(), SessionAuth()],
    parser=ObjectBodyParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _detail(request: HttpRequest, detail: Any, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _detail(request, "Not found.", 404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _detail(request, str(exc) or "You are not allowed to do this.", 403)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return _detail(request, detail, 400)


@api.exception_handler(InvalidCursor)
def invalid_cursor(request: HttpRequest, exc: InvalidCursor) -> HttpResponse:
    return _detail(request, "Invalid cursor.", 400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _detail(request, "Authentication required.", 401)


@api.exception_handler(NinjaValidationError)
def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _detail(request, exc.errors, 422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, BodyNotAnObject):
        # The same shape as the other invalid-input errors (`invalid_input`).
        problem = {
            "type": "dict_type",
            "loc": ["body"],
            "msg": _("The request body must be a JSON object."),
        }
        return _detail(request, [problem], 422)
    return _detail(request, str(exc), exc.status_code)


@api.exception_handler(MultiPartParserError)
def invalid_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # Such as `multipart/form-data` without its boundary.
    return _detail(request, _("The request's multipart body cannot be read."), 400)


@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    # What Django answers them with (a 400), in JSON, such as a body over Django's size limit.
    if isinstance(exc, RequestDataTooBig):
        return _detail(request, _("The request's body is too large."), 400)
    if isinstance(exc, SuspiciousOperation):
        logging.getLogger(f"django.security.{type(exc).__name__}").error(str(exc))
    return _detail(request, _("The request cannot be served as it is."), 400)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug: logged and signalled as Django does for an uncaught exception (the `django.request`
    logger with the traceback, `got_request_exception` for error trackers), answered as JSON.
    Nothing is half-written: actions run in a transaction, rolled back by the exception."""
    signals.got_request_exception.send(sender=None, request=request)
    logging.getLogger("django.request").error(
        "Internal Server Error: %s",
        request.path,
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"status_code": 500, "request": request},
    )
    return _detail(
        request, _("Something went wrong on the server: the error has been logged."), 500
    )


def _register_routers() -> None:
    from cercle.core.api import router as core_router

    api.add_router("/", core_router)

    from cercle.accounts.api import router as accounts_router

    api.add_router("/", accounts_router)

    from cercle.accounts.api_auth import router as auth_router

    api.add_router("/", auth_router)

    from cercle.chat.api import router as chat_router

    api.add_router("/", chat_router)

    from cercle.spaces.api import router as spaces_router

    api.add_router("/", spaces_router)

    from cercle.feed.api import router as feed_router

    api.add_router("/", feed_router)

    from cercle.documents.api import router as documents_router

    api.add_router("/", documents_router)

    from cercle.announcements.api import router as announcements_router

    api.add_router("/", announcements_router)

    from cercle.news.api import router as news_router

    api.add_router("/", news_router)

    from cercle.onboarding.api import router as onboarding_router

    api.add_router("/", onboarding_router)

    from cercle.homepage.api import router as homepage_router

    api.add_router("/", homepage_router)

    from cercle.agenda.api import router as agenda_router

    api.add_router("/", agenda_router)

    from cercle.notifications.api import router as notifications_router

    api.add_router("/", notifications_router)

    from cercle.pages.api import router as pages_router

    api.add_router("/", pages_router)

    from cercle.search.api import router as search_router

    api.add_router("/", search_router)

    from cercle.privacy.api import router as privacy_router

    api.add_router("/", privacy_router)


_register_routers()
