"""The sign-in part of /api/v1/: obtaining a token with a password, one's personal access tokens."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from cercle.accounts.actions import auth as auth_actions
from cercle.accounts.models import ApiToken
from cercle.accounts.queries import own_api_tokens
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest

router = Router(tags=["auth"])


class TokenLoginIn(Schema):
    username: str
    password: str


class TokenLoginOut(Schema):
    token: str


class DetailOut(Schema):
    detail: str


class ApiTokenIn(Schema):
    name: str


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class ApiTokenCreatedOut(ApiTokenOut):
    token: str


def _token_out(token: ApiToken) -> ApiTokenOut:
    return ApiTokenOut(
        id=token.pk,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
    )


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenLoginOut, 401: DetailOut, 429: DetailOut},
    summary="Obtain a personal access token with a username (or email) and password",
)
def obtain_token(request: HttpRequest, payload: TokenLoginIn) -> Status[Schema]:
    try:
        secret = auth_actions.obtain_api_token(
            request=request, login=payload.username, password=payload.password
        )
    except auth_actions.LoginRateLimited as error:
        return Status(429, DetailOut(detail=str(error)))
    except auth_actions.LoginRefused:
        return Status(401, DetailOut(detail=_("Invalid username or password.")))
    return Status(200, TokenLoginOut(token=secret))


@router.get("/me/tokens", response=list[ApiTokenOut], summary="One's personal access tokens")
def list_tokens(request: AuthenticatedRequest) -> list[ApiTokenOut]:
    return [_token_out(token) for token in own_api_tokens(request.auth)]


@router.post(
    "/me/tokens",
    response={201: ApiTokenCreatedOut},
    summary="Create a personal access token (its secret is returned once)",
)
def create_token(request: AuthenticatedRequest, payload: ApiTokenIn) -> Status[Schema]:
    token, secret = auth_actions.create_api_token(
        user=request.auth, name=payload.name, request=request
    )
    return Status(201, ApiTokenCreatedOut(**_token_out(token).model_dump(), token=secret))


@router.delete("/me/tokens/{token_id}", response={204: None}, summary="Revoke a token")
def revoke_token(request: AuthenticatedRequest, token_id: Id) -> Status[None]:
    auth_actions.revoke_api_token(user=request.auth, token_id=token_id, request=request)
    return Status(204, None)
