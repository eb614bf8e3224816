"""The WSGI entry's short road for the API's busiest write: a report submitted with a token.

``POST /api/v1/tasks/<id>/reports`` with ``Authorization: Bearer ...`` and no cookie (a unit's
own system, not a browser) goes through a second Django handler whose middleware is only what
such a call uses: the host check and security headers (SecurityMiddleware, CommonMiddleware) and
the headers every response carries (clickjacking, CSP). The same URLconf, the same API view, the
same token check and the same service run; what is skipped (sessions, CSRF, locale, messages,
the login redirect, axes, static files) does nothing for a cookie-less JSON call authenticated by
a bearer token: with no cookie there is no session for the API's session fallback to find, so the
answers are the same (tests/web/api/test_api_lean.py compares the two roads). Every other request
goes through the full application.
"""

from __future__ import annotations

import re

LEAN_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
)
SUBMIT_PATH = re.compile(r"/api/v1/tasks/[0-9]+/reports\Z")


def is_token_submission(environ: dict) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
        and not environ.get("HTTP_COOKIE")
        and SUBMIT_PATH.match(environ.get("PATH_INFO", "")) is not None
    )
