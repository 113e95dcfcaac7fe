"""The JSON API under /api/v1/: one NinjaAPI, one router per app, errors as {"detail": ...}."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from cercle.core.pagination import InvalidCursor


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from cercle.accounts.actions.auth import authenticate_api_token

        user = authenticate_api_token(token)
        if user is not None:
            request.user = user
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

api = NinjaAPI(
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

    from cercle.agenda.api import router as agenda_router

    api.add_router("/", agenda_router)

    from cercle.notifications.api import router as notifications_router

    api.add_router("/", notifications_router)


_register_routers()
