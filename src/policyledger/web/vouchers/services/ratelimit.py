"""Per-user and per-IP claim rate limits: fixed one-minute windows, in Redis when configured
(shared by all workers), else in Django's cache (per process for the default local memory)."""

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


def _hit(key: str) -> int:
    gate = get_gate(getattr(settings, "REDIS_URL", "") or "")
    if gate is not None:
        try:
            pipe = gate.redis.pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, WINDOW + 1)
            return int(pipe.execute()[0])
        except redis.RedisError as exc:
            log.warning("rate limit in Redis failed, using the local cache: %s", exc)
    cache.add(key, 0, WINDOW + 1)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, WINDOW + 1)
        return 1


def check_claim(user_id: int, ip: str | None) -> None:
    """Raise RateLimited (429 with Retry-After) when a user or an IP claims too often."""
    window = int(time.time() // WINDOW)
    retry = WINDOW - int(time.time() % WINDOW)
    per_user = int(getattr(settings, "VOUCHERS_RATE_USER_PER_MIN", 20))
    per_ip = int(getattr(settings, "VOUCHERS_RATE_IP_PER_MIN", 600))
    if per_user > 0 and _hit(f"vrl:u:{user_id}:{window}") > per_user:
        raise RateLimited(retry_after=retry)
    if ip and per_ip > 0 and _hit(f"vrl:ip:{ip}:{window}") > per_ip:
        raise RateLimited(retry_after=retry)
