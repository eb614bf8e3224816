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

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")

LEAN_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
)
CLAIM_PATH = re.compile(r"(?:/api/v1/vouchers|/vouchers/api)/campaigns/[0-9]+/claim\Z")


class LeanHandler(WSGIHandler):
    """Django's WSGI handler with its own short, sync-only middleware list."""

    middleware: tuple[str, ...] = LEAN_MIDDLEWARE

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(self.middleware):
            mw = import_string(path)(handler)
            if hasattr(mw, "process_view"):
                self._view_middleware.insert(0, mw.process_view)
            if hasattr(mw, "process_template_response"):
                self._template_response_middleware.append(mw.process_template_response)
            if hasattr(mw, "process_exception"):
                self._exception_middleware.append(mw.process_exception)
            handler = convert_exception_to_response(mw)
        self._middleware_chain = handler


def is_token_claim(environ: dict) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
        and CLAIM_PATH.match(environ.get("PATH_INFO", "")) is not None
    )


full = get_wsgi_application()
lean = LeanHandler()


def application(environ, start_response):
    handler = lean if is_token_claim(environ) else full
    return handler(environ, start_response)
