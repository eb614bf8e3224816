"""Per-user and per-IP claim rate limits: fixed one-minute windows, in Redis when configured
(shared by all workers, one round trip for both counters), else in Django's cache (per process
with the default local-memory cache: looser, but the embedded demo has one process)."""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited
from .gate import get_gate

log = logging.getLogger("policyledger.vouchers.ratelimit")
WINDOW = 60


def _hits(keys: list[str]) -> list[int]:
    gate = get_gate(getattr(settings, "REDIS_URL", "") or "")
    if gate is not None:
        try:
            pipe = gate.redis.pipeline(transaction=False)
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, WINDOW + 1)
            return [int(n) for n in pipe.execute()[::2]]
        except redis.RedisError as exc:
            log.warning("rate limit in Redis failed, using the local cache: %s", exc)
    out = []
    for key in keys:
        cache.add(key, 0, WINDOW + 1)
        try:
            out.append(cache.incr(key))
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, WINDOW + 1)
            out.append(1)
    return out


def check_claim(user_id: int, ip: str | None) -> None:
    """Raise RateLimited (429 with Retry-After) when a user or an IP claims too often."""
    now = time.time()
    window = int(now // WINDOW)
    limits = []
    per_user = int(getattr(settings, "VOUCHERS_RATE_USER_PER_MIN", 20))
    per_ip = int(getattr(settings, "VOUCHERS_RATE_IP_PER_MIN", 600))
    if per_user > 0:
        limits.append((f"vrl:u:{user_id}:{window}", per_user))
    if ip and per_ip > 0:
        limits.append((f"vrl:ip:{ip}:{window}", per_ip))
    if not limits:
        return
    counts = _hits([k for k, _ in limits])
    if any(n > limit for n, (_, limit) in zip(counts, limits, strict=True)):
        raise RateLimited(retry_after=WINDOW - int(now % WINDOW))
