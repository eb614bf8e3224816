"""Who is calling: a bearer token (units' own systems) or the browser session (the pages' fetch).

A token stands for its user with exactly that user's rights; a revoked token or a deactivated
user is refused (401). Session calls that write must carry the CSRF token, as the pages' forms do.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from policyledger.web.accounts.services import user_for_token
from policyledger.web.api.errors import ApiError

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _with_profile(user: Any) -> Any:
    """Load the user's profile and unit in one query: every permission check reads both."""
    from policyledger.web.accounts.models import Profile

    profile = Profile.objects.select_related("unit").filter(user_id=user.pk).first()
    if profile is not None:
        user.profile = profile  # fills the one-to-one cache that permissions reads
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token.strip())
        if user is None:
            return None
        # Code that reads request.user (logging, axes) sees the token's user, not AnonymousUser.
        # user_for_token loaded the profile and unit with the token, in the same query.
        request.user = user
        # Some calls (minting a token) need a signed-in person, not a token.
        request.api_token_auth = True  # type: ignore[attr-defined]
        return user


class SessionAuth(APIKeyCookie):
    """Django's session, with CSRF checked only for a signed-in user's writes.

    ninja's own SessionAuth checks CSRF before knowing whether anyone is signed in, which turns an
    anonymous write into 403; here an anonymous call falls through to 401.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiError(403, "csrf", "CSRF 校验失败：请在 X-CSRFToken 头中提供令牌")
        return _with_profile(user)


def caller(request: HttpRequest) -> Any:
    """The authenticated user of an API call."""
    return request.auth  # type: ignore[attr-defined]
