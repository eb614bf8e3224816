"""Per-user and per-IP claim rate limits in each campaign: fixed one-minute windows, in Redis
when configured (shared by all workers; behind the gate the reserve script counts them in the
same call), else in Django's cache (per process with the default local-memory cache: looser,
but the embedded demo has one process). The counters carry the campaign's hash tag so that
the gate's script may touch them on a Redis Cluster."""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited
from .gate import RATE_WINDOW_S, get_gate, tag

log = logging.getLogger("policyledger.vouchers.ratelimit")
WINDOW = RATE_WINDOW_S


def queue_hits(pipe, keys: list[str]) -> None:
    """Add the counting of `keys` to a Redis pipeline (redis-py's sync or asyncio one)."""
    for key in keys:
        pipe.incr(key)
        pipe.expire(key, WINDOW + 1)


def counts_from(results: list) -> list[int]:
    """The counts in the results of a pipeline filled by queue_hits()."""
    return [int(n) for n in results[::2]]


def local_hits(keys: list[str]) -> list[int]:
    """Count in Django's cache: per process with the default local-memory cache."""
    out = []
    for key in keys:
        cache.add(key, 0, WINDOW + 1)
        try:
            out.append(cache.incr(key))
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, WINDOW + 1)
            out.append(1)
    return out


def _hits(keys: list[str]) -> list[int]:
    gate = get_gate(settings.REDIS_URL or "")
    if gate is not None:
        try:
            pipe = gate.redis.pipeline(transaction=False)
            queue_hits(pipe, keys)
            return counts_from(pipe.execute())
        except redis.RedisError as exc:
            log.warning("rate limit in Redis failed, using the local cache: %s", exc)
    return local_hits(keys)


def claim_limits(campaign_id: int, user_id: int, ip: str | None, now: float):
    """The (counter key, limit) pairs one claim counts against."""
    window = int(now // WINDOW)
    limits: list[tuple[str, int]] = []
    per_user = int(settings.VOUCHERS_RATE_USER_PER_MIN)
    per_ip = int(settings.VOUCHERS_RATE_IP_PER_MIN)
    if per_user > 0:
        limits.append((f"{tag(campaign_id)}:rl:u{user_id}:{window}", per_user))
    if ip and per_ip > 0:
        limits.append((f"{tag(campaign_id)}:rl:ip{ip}:{window}", per_ip))
    return limits


def refuse_if_over(counts: list[int], limits: list[tuple[str, int]], now: float) -> None:
    if any(n > limit for n, (_, limit) in zip(counts, limits, strict=True)):
        raise RateLimited(retry_after=WINDOW - int(now % WINDOW))


def enforce(limits: list[tuple[str, int]], now: float | None = None) -> None:
    """Count one claim against these limits; raise RateLimited (429, Retry-After) if over."""
    if limits:
        refuse_if_over(_hits([k for k, _ in limits]), limits, now or time.time())


def check_claim(campaign_id: int, user_id: int, ip: str | None) -> None:
    now = time.time()
    enforce(claim_limits(campaign_id, user_id, ip, now), now)
