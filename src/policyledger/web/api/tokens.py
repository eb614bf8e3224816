"""The caller's own API tokens and who they are (``/me``)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Field, Router, Schema, Status

from policyledger.web.accounts import permissions, services
from policyledger.web.accounts.models import ApiToken
from policyledger.web.api.auth import caller
from policyledger.web.api.errors import ApiError
from policyledger.web.core.api_schemas import ERRORS, WRITE_ERRORS, PathId, Text

router = Router(tags=["令牌与当前用户"])


class MeOut(Schema):
    username: str
    role: str | None = Field(..., description="admin 牵头办管理员 / reporter 填报人 / viewer 领导")
    role_label: str | None
    unit_id: int | None
    unit_name: str | None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None


class NewTokenOut(TokenOut):
    key: str = Field(..., description="令牌，仅此一次显示，请立即保存")


class TokenIn(Schema):
    name: Text = Field("", max_length=100, description="用途")
    days: int | None = Field(None, description="有效期（天），默认90天，最长365天")


def token_out(t: ApiToken) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "expires_at": t.expires_at,
    }


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户")
def me(request):
    from policyledger.web.accounts.models import Profile

    user = caller(request)
    role = permissions.role_of(user)
    unit = permissions.unit_of(user)
    return {
        "username": user.get_username(),
        "role": role,
        "role_label": Profile.Role(role).label if role else None,
        "unit_id": unit.pk if unit else None,
        "unit_name": unit.name if unit else None,
    }


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="我的令牌")
def list_tokens(request):
    rows = ApiToken.objects.filter(user=caller(request), revoked=False).order_by("-created_at")
    return [token_out(t) for t in rows[:100]]


@router.post("/tokens", response={201: NewTokenOut, **WRITE_ERRORS}, summary="生成令牌")
def create_token(request, payload: TokenIn):
    user = caller(request)
    if getattr(request, "api_token_auth", False):
        # A leaked token must not be able to outlive its own expiry or revocation.
        raise ApiError(403, "session_required", "令牌不能生成令牌：请登录网页后在“接口令牌”页生成")
    if permissions.role_of(user) is None:
        raise Http404("用户没有角色，不能生成令牌")
    try:
        token, key = services.issue_token(user, payload.name.strip(), payload.days)
    except services.TokenError as exc:
        raise ApiError(422, "invalid_days", str(exc)) from None
    return Status(201, {**token_out(token), "key": key})


@router.delete("/tokens/{id}", response={204: None, **WRITE_ERRORS}, summary="停用令牌")
def revoke_token(request, id: PathId):
    if not services.revoke_token(id, caller(request)):
        raise Http404("令牌不存在")
    return Status(204, None)
