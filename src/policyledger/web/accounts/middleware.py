"""Login required everywhere except the login page, static files and the token-authenticated API;
and the platform's pages (tracking, documents, units, users, tokens) for staff only.

A resident or a merchant's clerk signs in through the same login page as staff, but has no role
(no Profile): they may use the voucher pages, change their password and sign out, and nothing else
(403). Anything not listed in ``NON_STAFF_PREFIXES`` is a staff page, so a new page is closed to
them until someone decides otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from policyledger.web.accounts import hooks, permissions


class LoginRequiredMiddleware(DjangoLoginRequired):
    def process_view(self, request, view_func, view_args, view_kwargs):
        # The API answers 401 as JSON through its own token/session auth instead of a redirect.
        if any(request.path.startswith(p) for p in settings.LOGIN_EXEMPT_PREFIXES):
            return None
        refused = super().process_view(request, view_func, view_args, view_kwargs)
        if refused is not None:
            return refused
        user = request.user
        if not user.is_authenticated or permissions.role_of(user) is not None:
            return None
        if request.path in settings.NON_STAFF_PATHS or any(
            request.path.startswith(p) for p in settings.NON_STAFF_PREFIXES
        ):
            return None
        if request.path == "/":
            # A resident's, a clerk's or an applicant's home is their own page.
            return redirect(hooks.landing(user) or "vouchers:home")
        raise PermissionDenied("此页面仅供工作人员使用")
