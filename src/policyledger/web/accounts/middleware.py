"""Login required everywhere except the login page, static files and the token-authenticated API."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired


class LoginRequiredMiddleware(DjangoLoginRequired):
    def process_view(self, request, view_func, view_args, view_kwargs):
        # The API answers 401 as JSON through its own token/session auth instead of a redirect.
        if any(request.path.startswith(p) for p in settings.LOGIN_EXEMPT_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
