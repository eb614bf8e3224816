"""JSON endpoints for claims (what the load benchmark hits), mounted under /api/v1/vouchers/ (the
REST API's error shape) and, as before, under /vouchers/api/.

Authentication: the session (with the CSRF header, for the pages' fetch calls) or
`Authorization: Bearer <token>` where the token is `resident_token(user)`, signed with
SECRET_KEY and valid for an hour; it carries only the user id. Whether that user may still
claim (active, verified resident, not a read-only leader) is asked inside the claim's own
statements (services/residents.py), so a deactivated account's token stops at once. Errors are
JSON {"detail": 中文, "code": code} under /api/v1/ (as in the rest of the API) and
{"error": code, "message": 中文} under the old /vouchers/api/; 409 and 429 carry Retry-After.
"""

from __future__ import annotations

import json
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import Http404, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import Voucher
from .services import claims
from .services.errors import VoucherError
from .web_common import cached_campaign, client_ip, device_of, is_voucher_admin

log = logging.getLogger("policyledger.vouchers.api")
TOKEN_SALT = "policyledger.vouchers.resident"
TOKEN_MAX_AGE = 3600


def resident_token(user) -> str:
    return signing.dumps(user.pk, salt=TOKEN_SALT, compress=False)


V1_PREFIX = "/api/v1/"


def error_body(code: str, message: str, path: str) -> dict[str, str]:
    """Under /api/v1/ the REST API's shape {"detail", "code"}; the old /vouchers/api/ aliases keep
    theirs, {"error", "message"}."""
    if path.startswith(V1_PREFIX):
        return {"detail": message, "code": code}
    return {"error": code, "message": message}


def _error(
    code: str, message: str, status: int, retry_after: int | None = None, *, path: str = ""
) -> JsonResponse:
    resp = JsonResponse(error_body(code, message, path), status=status)
    if retry_after is not None:
        resp["Retry-After"] = str(retry_after)
    return resp


def token_user_id(authorization: str) -> int | None:
    """The user id a `Bearer` token carries, or None (no token, bad signature, expired)."""
    if not authorization.startswith("Bearer "):
        return None
    try:
        return int(signing.loads(authorization[7:], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def claim_batch(body: bytes) -> int | None:
    """The batch a claim's JSON body names (None: the campaign's only batch); ValueError if bad."""
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise ValueError("bad claim body") from exc
    batch = data.get("batch") if isinstance(data, dict) else None
    if batch is None:
        return None
    # A whole number or its ASCII digits only: int() turned 1e400 (JSON infinity) into an
    # OverflowError (a 500), and true or 1.9 silently into batch 1.
    if isinstance(batch, int) and not isinstance(batch, bool):
        return batch
    if isinstance(batch, str) and batch.isascii() and batch.isdigit():
        return int(batch)
    raise ValueError("bad claim body")


BAD_BODY = ("bad_request", '请求体须为 JSON，如 {"batch": 1}', 400)
NO_KEY = ("idempotency_key", "缺少 Idempotency-Key 请求头", 400)
UNAUTHENTICATED = ("unauthenticated", "请先登录", 401)
NOT_FOUND = ("not_found", "活动不存在", 404)


def error_payload(exc: VoucherError) -> tuple[str, str, int, int | None]:
    """(code, message, status, Retry-After) for a refused claim, for both claim paths."""
    retry = exc.extra.get("retry_after") or (1 if exc.status == 409 else None)
    return exc.code, exc.message, exc.status, retry


def _user_id(request) -> int | None | JsonResponse:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return token_user_id(auth)
    user = getattr(request, "user", None)  # absent on the lean claim path (claim_wsgi)
    if user is not None and user.is_authenticated:
        # Session callers are pages: they must prove the request came from our own page.
        reason = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if reason is not None:
            return _error("csrf", "页面已过期，请刷新后重试", 403, path=request.path)
        return user.pk
    return None


@csrf_exempt
@login_not_required
@require_POST
def claim(request, pk: int):
    """POST /vouchers/api/campaigns/<id>/claim  (Idempotency-Key header; body {"batch": id})."""
    who = _user_id(request)
    if isinstance(who, JsonResponse):
        return who
    if who is None:
        return _error(*UNAUTHENTICATED, path=request.path)
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        return _error(*NO_KEY, path=request.path)
    try:
        batch = claim_batch(request.body)
    except ValueError:
        return _error(*BAD_BODY, path=request.path)
    ip = client_ip(request)
    try:
        campaign = cached_campaign(pk)
        user = get_user_model()(pk=who)
        outcome = claims.claim(
            user,
            campaign,
            idempotency_key=key,
            batch=batch,
            ip=ip,
            device=device_of(request),
            limit_rate=True,
        )
    except Http404:
        return _error(*NOT_FOUND, path=request.path)
    except VoucherError as exc:
        return _error(*error_payload(exc), path=request.path)
    data = outcome.as_dict()
    resp = JsonResponse(data, status=200 if outcome.replayed else 201)
    if outcome.replayed:
        resp["Idempotent-Replayed"] = "true"
    return resp


@login_not_required
@require_GET
def campaign(request, pk: int):
    """Public stock figures of a campaign."""
    try:
        c = cached_campaign(pk)
    except Http404:
        return _error(*NOT_FOUND, path=request.path)
    # A draft is not public: only a campaign administrator may see it exists.
    if c.status == c.Status.DRAFT and not is_voucher_admin(request.user):
        return _error(*NOT_FOUND, path=request.path)
    return JsonResponse(
        {
            "id": c.pk,
            "name": c.name,
            "status": c.status,
            "mode": c.mode,
            "seed_hash": c.seed_hash,
            "entrants_hash": c.entrants_hash,
            "public_value": c.public_value,
            "seed": c.public_seed(),
            "batches": [
                {
                    "id": b.pk,
                    "label": b.label,
                    "quantity": b.quantity,
                    "face_value": str(b.face_value),
                    "threshold": str(b.threshold),
                }
                for b in c.batches.all()
            ],
        }
    )


@csrf_exempt
@login_not_required
@require_GET
def mine(request):
    who = _user_id(request)
    if isinstance(who, JsonResponse):
        return who
    if who is None:
        return _error(*UNAUTHENTICATED, path=request.path)
    rows = (
        Voucher.objects.filter(owner_id=who, owner__is_active=True)
        .select_related("batch")
        .order_by("-claimed_at")
    )
    return JsonResponse(
        {
            "vouchers": [
                {
                    "id": v.pk,
                    "code": v.code,
                    "state": v.state,
                    "campaign": v.campaign_id,
                    "batch": v.batch_id,
                    "label": v.batch.label,
                }
                for v in rows[:200]
            ]
        }
    )
