"""WSGI entry for claim workers that must stay on WSGI: token-authenticated claim POSTs skip
the page middleware. On PostgreSQL the ASGI entry (claim_asgi.py) is the faster choice.

    gunicorn policyledger.web.vouchers.claim_wsgi:application

A `POST /api/v1/vouchers/campaigns/<id>/claim` (or the old `/vouchers/api/...`) carrying `Authorization: Bearer ...` goes through a
second Django handler with only SecurityMiddleware and CommonMiddleware (host check, security
headers): the same URLconf, the same view, the same claim service. Sessions, CSRF, locale,
messages, login redirects, CSP, clickjacking and axes do nothing for a JSON call authenticated
by a signed token, and on two cores they cost more than the claim itself. Every other request
(pages, session-authenticated fetch calls with their CSRF check, the REST API) goes through the
full application unchanged, so this entry can serve the whole site.
"""

from __future__ import annotations

import os
import re

from django.core.wsgi import get_wsgi_application

from policyledger.web.core.lean import LeanHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")

LEAN_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
)
CLAIM_PATH = re.compile(r"(?:/api/v1/vouchers|/vouchers/api)/campaigns/[0-9]+/claim\Z")


def is_token_claim(environ: dict) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
        and CLAIM_PATH.match(environ.get("PATH_INFO", "")) is not None
    )


full = get_wsgi_application()
lean = LeanHandler(LEAN_MIDDLEWARE)


def application(environ, start_response):
    handler = lean if is_token_claim(environ) else full
    return handler(environ, start_response)
