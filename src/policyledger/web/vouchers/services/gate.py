"""The Redis claim gate: one atomic Lua script checks stock and per-person limits in memory.

PostgreSQL stays the durable ledger and the final judge: the gate only turns away requests that
cannot succeed, so the database sees about as many claim transactions as there are vouchers.
A pass through the gate leaves a *reservation* (id -> deadline in a sorted set). The claim
confirms it after the database commit; a failed claim releases it; a worker killed in between
leaves it pending, and `reconcile()` later looks the reservation up in the database: committed
-> confirm, not committed -> give the stock back. A Redis restart loses the counters: the first
claim that finds them missing (or `reconcile()`) reloads them from the database.

All keys of a campaign share the hash tag {vcID}, so a campaign lives on one Redis Cluster slot.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db.models import Count

from ..models import Batch, Campaign, Claim, Voucher
from .errors import LimitReached, RateLimited, SoldOut

log = logging.getLogger("policyledger.vouchers.gate")

# KEYS: stock, person's count in the batch, person's count in the campaign, pending set, then
#       the claim's rate-limit counters (ratelimit.claim_limits), so one call does both.
# ARGV: batch limit, campaign limit, reservation member ("id|batch|user"), deadline (ms),
#       rate window (s), then one limit per rate-limit counter.
# Answers: 1 reserved; -1 sold out and the person has nothing in this campaign (so no earlier
# claim to replay); {-4, batch count, campaign count} sold out, the person has claims here;
# {-2, batch count, campaign count} at a limit; -3 not loaded; -5 rate limited. The person's
# counts let the caller tell a claim still in flight from one already in the database.
RESERVE = """
local v = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])
if not v[1] then return -3 end
local limited = false
for i = 5, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('EXPIRE', KEYS[i], ARGV[5]) end
  if n > tonumber(ARGV[i + 1]) then limited = true end
end
if limited then return -5 end
local in_batch = tonumber(v[2] or '0')
local mine = tonumber(v[3] or '0')
if tonumber(v[1]) <= 0 then
  if mine > 0 then return {-4, in_batch, mine} end
  return -1
end
if in_batch >= tonumber(ARGV[1]) or mine >= tonumber(ARGV[2]) then
  return {-2, in_batch, mine}
end
redis.call('DECR', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
return 1
"""

# Undo a reservation once: only the caller whose ZREM removed it gives the counts back.
RELEASE = """
if redis.call('ZREM', KEYS[4], ARGV[1]) == 0 then return 0 end
if ARGV[2] == '1' then redis.call('INCR', KEYS[1]) end
redis.call('DECR', KEYS[2])
redis.call('DECR', KEYS[3])
return 1
"""


class GateUnavailable(Exception):
    """Redis is down or not loaded yet: the caller falls back to the database alone.

    `reservation` is the one the failed call may still have recorded (a reply lost to a
    timeout): the claim carries its id, so the reconciler confirms it if it did land.
    """

    def __init__(self, message: str, reservation: Reservation | None = None):
        super().__init__(message)
        self.reservation = reservation


def tag(campaign_id: int) -> str:
    return f"vg:{{vc{campaign_id}}}"


def stock_key(campaign_id: int, batch_id: int) -> str:
    return f"{tag(campaign_id)}:b{batch_id}:stock"


def user_batch_key(campaign_id: int, batch_id: int, user_id: int) -> str:
    return f"{tag(campaign_id)}:b{batch_id}:u{user_id}"


def user_campaign_key(campaign_id: int, user_id: int) -> str:
    return f"{tag(campaign_id)}:u{user_id}"


def pending_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:pending"


@dataclass
class Reservation:
    id: str
    campaign_id: int
    batch_id: int
    user_id: int
    deadline_ms: int

    @property
    def member(self) -> str:
        """How the pending set names it: the reconciler reads batch and user back from it."""
        return f"{self.id}|{self.batch_id}|{self.user_id}"

    @classmethod
    def from_member(
        cls, campaign_id: int, member: str | bytes, deadline_ms: int = 0
    ) -> Reservation:
        text = member.decode() if isinstance(member, bytes) else member
        resv_id, batch_id, user_id = text.split("|")
        return cls(resv_id, campaign_id, int(batch_id), int(user_id), deadline_ms)

    def keys(self) -> list[str]:
        return [
            stock_key(self.campaign_id, self.batch_id),
            user_batch_key(self.campaign_id, self.batch_id, self.user_id),
            user_campaign_key(self.campaign_id, self.user_id),
            pending_key(self.campaign_id),
        ]


def new_reservation(campaign: Campaign, batch: Batch, user_id: int, ttl_ms: int) -> Reservation:
    return Reservation(
        id=uuid.uuid4().hex,
        campaign_id=campaign.pk,
        batch_id=batch.pk,
        user_id=user_id,
        deadline_ms=int(time.time() * 1000) + ttl_ms,
    )


RATE_WINDOW_S = 60


def reserve_args(
    resv: Reservation, campaign: Campaign, batch: Batch, limits: list[tuple[str, int]] = ()
) -> tuple[list[str], list]:
    """KEYS and ARGV of RESERVE, with the claim's rate-limit counters if any."""
    keys = resv.keys() + [key for key, _ in limits]
    args = [batch.per_person_limit, campaign.per_person_limit, resv.member, resv.deadline_ms]
    return keys, args + [RATE_WINDOW_S + 1] + [limit for _, limit in limits]


def reserved(result: int) -> bool:
    """Read RESERVE's answer: True when reserved, False when the counters are not loaded;
    SoldOut, LimitReached or RateLimited when refused. A SoldOut with nothing_to_replay means
    the person holds nothing in this campaign, so no earlier claim can be answered instead.
    Shared by the sync gate and the async claim path."""
    counts = None
    if isinstance(result, list):
        result, counts = result[0], (int(result[1]), int(result[2]))
    if result == 1:
        return True
    if result == -1:
        raise SoldOut(nothing_to_replay=True)
    if result == -4:
        raise SoldOut(gate_counts=counts)
    if result == -2:
        raise LimitReached(gate_counts=counts)
    if result == -5:
        raise RateLimited(retry_after=RATE_WINDOW_S - int(time.time() % RATE_WINDOW_S))
    return False


class Gate:
    def __init__(self, url: str, ttl_ms: int = 30_000):
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.ttl_ms = ttl_ms
        self._reserve = self.redis.register_script(RESERVE)
        self._release = self.redis.register_script(RELEASE)

    # -- the hot path -------------------------------------------------------------------------
    def reserve(
        self, campaign: Campaign, batch: Batch, user_id: int, limits: list[tuple[str, int]] = ()
    ) -> Reservation:
        """Take one unit of stock and of the person's limits (counting `limits`, the claim's
        rate-limit counters), or raise SoldOut / LimitReached / RateLimited."""
        resv = new_reservation(campaign, batch, user_id, self.ttl_ms)
        keys, args = reserve_args(resv, campaign, batch, limits)
        for attempt in range(3):
            try:
                result = self._reserve(keys=keys, args=args)
            except redis.RedisError as exc:
                raise GateUnavailable(str(exc), resv) from exc
            if reserved(result):
                return resv
            # Counters missing (new campaign, or Redis restarted): load them, or wait for
            # the process that is loading them, then try again.
            if attempt < 2:
                self.ensure_loaded(campaign, batch)
        raise GateUnavailable("counters not loaded")

    def ensure_loaded(self, campaign: Campaign, batch: Batch) -> None:
        """Load the campaign's counters, or wait for the process that is loading them."""
        if not self.load(campaign):
            self._wait_loaded(campaign.pk, batch.pk)

    def _wait_loaded(self, campaign_id: int, batch_id: int, seconds: float = 2.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.redis.exists(stock_key(campaign_id, batch_id)):
                return
            time.sleep(0.01)

    def confirm(self, resv: Reservation) -> None:
        try:
            self.redis.zrem(pending_key(resv.campaign_id), resv.member)
        except redis.RedisError:
            # Left pending: reconcile() finds the committed claim and confirms it then.
            log.warning("gate confirm failed for %s; reconcile will finish it", resv.id)

    def release(self, resv: Reservation, restore_stock: bool = True) -> bool:
        try:
            flag = "1" if restore_stock else "0"
            return bool(self._release(keys=resv.keys(), args=[resv.member, flag]))
        except redis.RedisError:
            log.warning("gate release failed for %s; reconcile will release it", resv.id)
            return False

    # -- loading and reconciling --------------------------------------------------------------
    def load(self, campaign: Campaign, force: bool = False) -> bool:
        """Write the campaign's counters from the database. One loader at a time (SET NX lock).

        Returns False when another process is loading (the caller uses the database alone).
        """
        lock = f"{tag(campaign.pk)}:loading"
        try:
            if not self.redis.set(lock, "1", nx=True, ex=30):
                return False
            try:
                batches = list(campaign.batches.all())
                if not force and all(
                    self.redis.exists(stock_key(campaign.pk, b.pk)) for b in batches
                ):
                    return True
                pending = self._uncommitted_pending(campaign.pk)
                pipe = self.redis.pipeline(transaction=True)
                if force:
                    keep = {pending_key(campaign.pk), lock}
                    for key in self.redis.scan_iter(match=f"{tag(campaign.pk)}:*", count=1000):
                        if key.decode() not in keep:
                            pipe.delete(key)
                per_campaign: dict[int, int] = {}
                rows = (
                    Voucher.objects.filter(campaign=campaign, owner__isnull=False)
                    .values_list("owner_id", "batch_id")
                    .annotate(n=Count("id"))
                )
                per_batch: dict[tuple[int, int], int] = {}
                for owner_id, batch_id, n in rows:
                    per_batch[(batch_id, owner_id)] = n
                for (batch_id, user_id), n in pending.items():
                    per_batch[(batch_id, user_id)] = per_batch.get((batch_id, user_id), 0) + n
                for (batch_id, user_id), n in per_batch.items():
                    per_campaign[user_id] = per_campaign.get(user_id, 0) + n
                    pipe.set(user_batch_key(campaign.pk, batch_id, user_id), n)
                for user_id, n in per_campaign.items():
                    pipe.set(user_campaign_key(campaign.pk, user_id), n)
                # Stock last: its presence is what tells the reserve script "loaded".
                for b in batches:
                    available = Voucher.objects.filter(
                        batch=b, state=Voucher.State.AVAILABLE
                    ).count()
                    held = sum(n for (batch_id, _), n in pending.items() if batch_id == b.pk)
                    pipe.set(stock_key(campaign.pk, b.pk), max(0, available - held))
                pipe.execute()
                log.info("gate: loaded counters of campaign %s", campaign.pk)
                return True
            finally:
                self.redis.delete(lock)
        except redis.RedisError as exc:
            raise GateUnavailable(str(exc)) from exc

    def _uncommitted_pending(self, campaign_id: int) -> dict[tuple[int, int], int]:
        """Reservations still pending whose claim has not reached the database."""
        pending = [
            Reservation.from_member(campaign_id, m)
            for m in self.redis.zrange(pending_key(campaign_id), 0, -1)
        ]
        committed = set(
            Claim.objects.filter(reservation__in=[r.id for r in pending]).values_list(
                "reservation", flat=True
            )
        )
        out: dict[tuple[int, int], int] = {}
        for r in pending:
            if r.id not in committed:
                out[(r.batch_id, r.user_id)] = out.get((r.batch_id, r.user_id), 0) + 1
        return out

    def reconcile(self, campaign: Campaign, now_ms: int | None = None) -> dict:
        """Settle reservations past their deadline against the database; report counter drift."""
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        report = {"campaign": campaign.pk, "confirmed": 0, "released": 0, "drift": {}}
        expired = [
            Reservation.from_member(campaign.pk, m)
            for m in self.redis.zrangebyscore(pending_key(campaign.pk), "-inf", now_ms)
        ]
        if expired:
            committed = set(
                Claim.objects.filter(reservation__in=[r.id for r in expired]).values_list(
                    "reservation", flat=True
                )
            )
            for resv in expired:
                if resv.id in committed:
                    self.redis.zrem(pending_key(campaign.pk), resv.member)
                    report["confirmed"] += 1
                elif self._release(keys=resv.keys(), args=[resv.member, "1"]):
                    report["released"] += 1
        pending = self._uncommitted_pending(campaign.pk)
        for b in campaign.batches.all():
            raw = self.redis.get(stock_key(campaign.pk, b.pk))
            available = Voucher.objects.filter(batch=b, state=Voucher.State.AVAILABLE).count()
            held = sum(n for (batch_id, _), n in pending.items() if batch_id == b.pk)
            truth = max(0, available - held)
            if raw is None or int(raw) != truth:
                report["drift"][b.pk] = {
                    "redis": None if raw is None else int(raw),
                    "database": truth,
                }
        return report

    def stock(self, campaign_id: int, batch_id: int) -> int | None:
        raw = self.redis.get(stock_key(campaign_id, batch_id))
        return None if raw is None else int(raw)

    def pending_count(self, campaign_id: int) -> int:
        return int(self.redis.zcard(pending_key(campaign_id)))


@dataclass
class _Cache:
    gates: dict[str, Gate] = field(default_factory=dict)


_cache = _Cache()


def get_gate(url: str | None = None) -> Gate | None:
    """The gate for the configured Redis, or None (embedded default: the database alone)."""
    if url is None:
        if not settings.VOUCHERS_GATE:
            return None
        url = settings.REDIS_URL
    if not url:
        return None
    gate = _cache.gates.get(url)
    if gate is None:
        ttl = int(settings.VOUCHERS_GATE_RESERVATION_MS)
        gate = _cache.gates[url] = Gate(url, ttl_ms=ttl)
    return gate
