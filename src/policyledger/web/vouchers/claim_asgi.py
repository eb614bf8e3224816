"""ASGI entry for the claim workers: token claims on asyncio, everything else on Django.

    gunicorn policyledger.web.vouchers.claim_asgi:application -k uvicorn_worker.UvicornWorker

A `POST /api/v1/vouchers/campaigns/<id>/claim` (or the old `/vouchers/api/...`) carrying `Authorization: Bearer ...` is answered
here by services.claims_async (asyncpg, redis.asyncio): one event loop per worker, no thread per
request, no Django request cycle. It answers exactly what the Django view (api.claim) answers:
same status codes, JSON bodies, Retry-After and Idempotent-Replayed headers. Every other request
(pages, session callers with their CSRF check, the REST API, and claims on SQLite or with the
naive baseline switched on) goes to Django's own ASGI handler, so this entry serves the whole site.
"""

from __future__ import annotations

import json
import logging
import os
import re
from http.cookies import SimpleCookie

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")
django_app = get_asgi_application()  # sets Django up before the imports below

from asgiref.sync import sync_to_async  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.http import Http404  # noqa: E402
from django.http.request import split_domain_port, validate_host  # noqa: E402

from .api import (  # noqa: E402
    BAD_BODY,
    NO_KEY,
    NOT_FOUND,
    UNAUTHENTICATED,
    V1_PREFIX,
    claim_batch,
    error_body,
    error_payload,
    token_user_id,
)
from .services.claims_async import AsyncClaims, Unavailable  # noqa: E402
from .services.errors import VoucherError  # noqa: E402
from .web_common import DEVICE_COOKIE, cached_campaign, device_from, fresh_cached_campaign, ip_of  # noqa: E402

log = logging.getLogger("policyledger.vouchers.api")
CLAIM_PATH = re.compile(r"(?:/api/v1/vouchers|/vouchers/api)/campaigns/([0-9]+)/claim\Z")
MAX_BODY = 4096  # {"batch": n} is a few bytes; anything large is not a claim
claims = AsyncClaims()


def fast_path_on() -> bool:
    """Only PostgreSQL has the claim function; the naive baseline exists only on Django."""
    # From the settings, not `connection.vendor`: in async code django.db.connection is per
    # task, and asking it would build a database wrapper for every request.
    engine = connections.settings["default"]["ENGINE"]
    return engine.endswith("postgresql") and settings.VOUCHERS_CLAIM_LOCKING


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] == "http" and scope["method"] == "POST":
        match = CLAIM_PATH.match(scope["path"])
        if match is not None and fast_path_on():
            headers = _headers(scope)
            if headers.get("authorization", "").startswith("Bearer ") and _direct(scope, headers):
                await _claim(int(match.group(1)), scope, headers, receive, send)
                return
    await django_app(scope, receive, send)


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await claims.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def _direct(scope, headers: dict[str, str]) -> bool:
    """Answer here only what Django would not redirect: a plain-HTTP request when HTTPS is
    required goes to Django (SecurityMiddleware sends it to https://)."""
    if not settings.SECURE_SSL_REDIRECT:
        return True
    if scope.get("scheme") == "https":
        return True
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        name = proxy[0].removeprefix("HTTP_").replace("_", "-").lower()
        return headers.get(name, "") == proxy[1]
    return False


async def _claim(campaign_id: int, scope, headers, receive, send) -> None:
    host, _ = split_domain_port(headers.get("host", ""))
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    if not host or not validate_host(host, allowed):
        await _send(send, 400, error_body("bad_host", "请求的主机名不被允许", scope["path"]))
        return
    body = await _body(receive)
    try:
        status, payload, extra = await _answer(campaign_id, scope, headers, body)
    except Unavailable as exc:
        log.warning("claim: database unavailable: %s", exc)
        status, payload, extra = (
            503,
            _err("unavailable", "服务繁忙，请稍后重试"),
            {"retry-after": "1"},
        )
    except Exception:
        log.exception("claim failed on the async path")
        status, payload, extra = 500, _err("server_error", "服务器内部错误，请稍后重试"), {}
    if status >= 400 and scope["path"].startswith(V1_PREFIX):
        payload = error_body(payload["error"], payload["message"], scope["path"])
    await _send(send, status, payload, extra)


async def _answer(campaign_id: int, scope, headers, body: bytes | None):
    who = token_user_id(headers.get("authorization", ""))
    if who is None:
        return _refusal(*UNAUTHENTICATED)
    key = headers.get("idempotency-key", "")
    if not key:
        return _refusal(*NO_KEY)
    try:
        if body is None:
            raise ValueError("body too large")
        batch = claim_batch(body)
    except ValueError:
        return _refusal(*BAD_BODY)
    client = scope.get("client") or ("", 0)
    ip = ip_of(client[0] or "", headers.get("x-forwarded-for", ""))
    cookie = SimpleCookie(headers.get("cookie", "")).get(DEVICE_COOKIE)
    device = device_from(headers.get("x-device-id"), cookie.value if cookie else None)
    try:
        campaign = fresh_cached_campaign(campaign_id)
        if campaign is None:
            campaign = await sync_to_async(cached_campaign, thread_sensitive=True)(campaign_id)
        answer = await claims.claim(
            campaign, who, idempotency_key=key, batch=batch, ip=ip, device=device
        )
    except Http404:
        return _refusal(*NOT_FOUND)
    except VoucherError as exc:
        return _refusal(*error_payload(exc))
    if answer.replayed:
        return 200, answer.data, {"idempotent-replayed": "true"}
    return 201, answer.data, {}


def _err(code: str, message: str) -> dict:
    return {"error": code, "message": message}


def _refusal(code: str, message: str, status: int, retry_after: int | None = None):
    extra = {} if retry_after is None else {"retry-after": str(retry_after)}
    return status, _err(code, message), extra


async def _body(receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _security_headers() -> list[tuple[bytes, bytes]]:
    """What SecurityMiddleware adds to the Django view's answer."""
    out = []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        out.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        out.append((b"referrer-policy", settings.SECURE_REFERRER_POLICY.encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        coop = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY or "same-origin"
        out.append((b"cross-origin-opener-policy", coop.encode()))
    return out


async def _send(send, status: int, payload: dict, extra: dict[str, str] | None = None) -> None:
    body = json.dumps(payload).encode()  # the same bytes as the view's JsonResponse
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *_security_headers(),
        *((k.encode(), v.encode()) for k, v in (extra or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
