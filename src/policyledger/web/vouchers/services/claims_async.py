"""The first-come claim on asyncio, for the claim workers' ASGI entry (claim_asgi.py).

The same steps as claims.claim() on PostgreSQL, in the same order and with the same rules:
the Redis gate's Lua script (gate.RESERVE), then the plpgsql function vouchers_claim_first_come
(migration 0003), which holds every check that matters (the person's lock, the key, the limits,
the voucher taken by compare-and-set). What this module adds is only the I/O: asyncpg and
redis.asyncio on one event loop instead of a thread per request. On two cores a thread-pool
worker spends more CPU on Django's request cycle and GIL hand-offs than on the claim; here a
request costs a fraction of that. The argument lists, the readings of each answer and the
errors come from claims.py, gate.py and ratelimit.py, so the two paths cannot drift apart;
tests/web/vouchers/test_vouchers_claim_asgi.py runs the same cases through both.

Anything else (SQLite, the naive baseline, pages, the REST API) stays on Django.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from redis.exceptions import NoScriptError

from ..models import Batch, Campaign, Claim, Voucher
from . import gate as gate_mod
from . import ratelimit
from .campaigns import claimable
from .claims import (
    checked_key,
    claim_args,
    claim_call,
    in_flight,
    outcome_dict,
    pick_batch,
    refusal_for_result,
    refusal_for_sqlstate,
)
from .errors import (
    ClaimInProgress,
    KeyReused,
    LimitReached,
    NotEligible,
    NotOpen,
    SoldOut,
    VoucherError,
)
from .residents import eligible_sql

log = logging.getLogger("policyledger.vouchers.claims")

# Single-table look-ups by a unique key, driven from the row they must find: on a claim table
# that was empty when its statistics were taken, a join may otherwise be planned as a scan of
# another index. The code comes from the claim's own record of its answer (`result`).
PRIOR = (
    f"SELECT c.campaign_id, c.batch_id, c.voucher_id, c.result->>'code' "
    f"FROM {Claim._meta.db_table} c WHERE {{}}"
)
PRIOR_BY_KEY = PRIOR.format("c.user_id = $1 AND c.idempotency_key = $2")
PRIOR_BY_ID = PRIOR.format("c.id = $1")
# The pre-check of claims._precheck: the earlier claim with this key (if any) and whether the
# batch has stock left, returning what a replay answers so it needs no second query.
PRECHECK = (
    f"SELECT c.campaign_id, c.batch_id, c.voucher_id, c.result->>'code', "
    f"b.claimed < b.quantity, {eligible_sql('$1')} FROM {Batch._meta.db_table} b "
    f"LEFT JOIN {Claim._meta.db_table} c ON c.user_id = $1 AND c.idempotency_key = $2 "
    f"WHERE b.id = $3"
)
# After a gate refusal: the earlier claim with this key (if any) and the person's claims the
# database holds (claims._existing and claims._committed_counts, in one round trip).
REFUSED = (
    f"SELECT c.campaign_id, c.batch_id, c.voucher_id, c.result->>'code', o.in_batch, o.total "
    f"FROM (SELECT count(*) FILTER (WHERE v.batch_id = $4) AS in_batch, count(*) AS total "
    f"FROM {Voucher._meta.db_table} v WHERE v.owner_id = $1 AND v.campaign_id = $3) AS o "
    f"LEFT JOIN {Claim._meta.db_table} c ON c.user_id = $1 AND c.idempotency_key = $2"
)
CLAIM = claim_call("$")
CLAIM_MANY = claim_call("$", many=True)
SCALARS = (7, 8)  # lock_timeout and now: one value for the whole batch


def many_args(claims: list[list]) -> list:
    """vouchers_claim_many's arguments: claim_args() of each claim, column by column."""
    columns = list(zip(*claims, strict=True))
    return [col[0] if i in SCALARS else list(col) for i, col in enumerate(columns)]


@dataclass
class Answer:
    """What the claim endpoint sends: the outcome dict and whether it is a replay."""

    data: dict
    replayed: bool


class Unavailable(Exception):
    """PostgreSQL cannot be reached: the endpoint answers 503 with Retry-After."""


class _Coalescer:
    """Items added while the previous send is in flight (or in the same loop turn) go out
    together in one send: under load a send carries what came in during one round trip, with
    no timer; alone, an item goes at once. One send at a time; `send(todo)` answers each
    item's future from its list of (item, future)."""

    def __init__(self, send, limit: int | None = None):
        self._send = send
        self._limit = limit
        self._items: list[tuple] = []
        self._task: asyncio.Task | None = None

    def add(self, item) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._items.append((item, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        return future

    async def _run(self) -> None:
        while self._items:
            await asyncio.sleep(0)  # let the requests read in this loop turn join
            n = self._limit or len(self._items)
            todo, self._items = self._items[:n], self._items[n:]
            await self._send(todo)

    async def drain(self) -> None:
        if self._task is not None:
            await self._task


class AsyncClaims:
    """Connections of one worker process: an asyncpg pool and a Redis client, made on first
    use on the running loop (a worker has one loop; tests start a new one per test)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool: asyncpg.Pool | None = None
        self._redis: aioredis.Redis | None = None
        self._reserve = None
        self._release = None
        self._opening: asyncio.Lock | None = None
        self._batches: _Coalescer | None = None  # claims -> vouchers_claim_many
        self._reserves: _Coalescer | None = None  # RESERVE scripts -> one pipeline
        self._confirms: _Coalescer | None = None  # reservations -> one ZREM per campaign

    async def _connections(self) -> tuple[asyncpg.Pool, aioredis.Redis | None]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._pool, self._redis = loop, None, None
            self._opening = asyncio.Lock()
            size = int(settings.VOUCHERS_ASYNC_CLAIM_BATCH)
            self._batches = _Coalescer(self._send_batch, limit=size)
            self._reserves = _Coalescer(self._send_reserves)
            self._confirms = _Coalescer(self._send_confirms)
        if self._pool is None:
            # The first burst of a release arrives before the pool exists: one request opens
            # it, the others wait, or they would each open a pool and exhaust max_connections.
            async with self._opening:
                if self._pool is None:
                    await self._open_pool()
        if self._redis is None and settings.REDIS_URL:
            # A blocking pool: a burst waits for a free connection instead of failing with
            # "Too many connections" and falling back to the database alone.
            pool = aioredis.BlockingConnectionPool.from_url(
                settings.REDIS_URL,
                max_connections=int(settings.VOUCHERS_ASYNC_REDIS_POOL),
                timeout=2,
                socket_timeout=2,
                socket_connect_timeout=2,
            )
            self._redis = aioredis.Redis(connection_pool=pool)
            self._reserve = self._redis.register_script(gate_mod.RESERVE)
            self._release = self._redis.register_script(gate_mod.RELEASE)
        return self._pool, self._redis

    async def _open_pool(self) -> None:
        from django.db import connections

        db = connections.settings["default"]
        size = int(settings.VOUCHERS_ASYNC_DB_POOL)
        try:
            pool = await asyncpg.create_pool(
                host=db.get("HOST") or None,
                port=int(db["PORT"]) if db.get("PORT") else None,
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                database=db["NAME"],
                min_size=1,
                max_size=size,
                reset=_keep_session,
                # Only the claim path's index lookups run on these connections; see migration
                # 0004 for why a sequential scan is never the plan to take here.
                server_settings={"enable_seqscan": "off"},
            )
        except (OSError, asyncpg.PostgresError) as exc:
            raise Unavailable(str(exc)) from exc
        self._pool = pool

    async def close(self) -> None:
        if self._confirms is not None:
            await self._confirms.drain()
        if self._pool is not None:
            await self._pool.close()
        if self._redis is not None:
            await self._redis.aclose()
        self._loop, self._pool, self._redis = None, None, None

    # -- rate limits (ratelimit.enforce) ------------------------------------------------------
    async def _enforce(self, redis, limits: list[tuple[str, int]]) -> None:
        if not limits:
            return
        now = time.time()
        keys = [k for k, _ in limits]
        counts = None
        if redis is not None:
            try:
                pipe = redis.pipeline(transaction=False)
                ratelimit.queue_hits(pipe, keys)
                counts = ratelimit.counts_from(await pipe.execute())
            except aioredis.RedisError as exc:
                log.warning("rate limit in Redis failed, using the local cache: %s", exc)
        if counts is None:
            counts = ratelimit.local_hits(keys)  # no I/O: nothing blocks the loop
        ratelimit.refuse_if_over(counts, limits, now)

    # -- the claim (claims.claim) ---------------------------------------------------------------
    async def claim(
        self,
        campaign: Campaign,
        user_id: int,
        *,
        idempotency_key: str,
        batch: int | None = None,
        ip: str | None = None,
        device: str = "",
    ) -> Answer:
        """claims.claim(..., limit_rate=True) for PostgreSQL, with or without the gate."""
        now = timezone.now()
        key = checked_key(idempotency_key)
        chosen = pick_batch(campaign, batch)
        pool, redis = await self._connections()
        gate = redis if gate_on() else None
        limits = ratelimit.claim_limits(campaign.pk, user_id, ip, time.time())
        has_stock = True
        if gate is None:
            await self._enforce(redis, limits)
            prior, has_stock = await self._precheck(pool, user_id, key, chosen.pk)
            if prior is not None:
                return _replay(prior, campaign)
        if not claimable(campaign, now):
            if gate is not None:
                await self._enforce(redis, limits)
                return await self._replay_or_raise(pool, user_id, key, campaign, NotOpen())
            raise NotOpen()
        resv = None
        if gate is not None:
            try:
                resv = await self._gate_reserve(campaign, chosen, user_id, limits)
            except (SoldOut, LimitReached) as exc:
                if exc.extra.get("nothing_to_replay"):
                    raise
                return await self._gate_refusal(pool, user_id, key, campaign, chosen, exc)
            except gate_mod.GateUnavailable as exc:
                log.warning("gate unavailable, claiming on the database alone: %s", exc)
                resv = exc.reservation  # if it did land, the claim's record of it settles it
                await self._enforce(redis, limits)
                prior, has_stock = await self._precheck(pool, user_id, key, chosen.pk)
                if prior is not None:
                    return _replay(prior, campaign)
        if not has_stock:
            if resv is not None:  # the fallback's maybe-reservation
                await self._gate_release(resv, restore_stock=False)
            raise SoldOut()
        try:
            answer = await self._call(pool, campaign, chosen, user_id, key, now, resv, ip, device)
        except SoldOut:
            if resv is not None:
                await self._gate_release(resv, restore_stock=False)
            raise
        except VoucherError:
            if resv is not None:
                await self._gate_release(resv)  # refused by the database: nothing was written
            raise
        # Other failures may have committed or not: the reservation stays pending and the
        # reconciler asks the database after its deadline (as in claims.claim).
        if resv is not None:
            if answer.replayed:
                await self._gate_release(resv)
            else:
                self._confirm_soon(resv)
        return answer

    async def _precheck(self, pool, user_id: int, key: str, batch_id: int):
        row = await _fetchrow(pool, PRECHECK, user_id, key, batch_id)
        if row is None:  # the batch is gone: nothing to claim from
            raise NotOpen()
        if not row[5]:  # not an active, verified resident (services.residents)
            raise NotEligible()
        prior = None if row[0] is None else tuple(row[:4])
        return prior, bool(row[4])

    async def _replay_or_raise(self, pool, user_id, key, campaign, refusal: VoucherError):
        row = await _fetchrow(pool, PRIOR_BY_KEY, user_id, key)
        if row is not None:
            return _replay(tuple(row), campaign)
        raise refusal

    async def _gate_refusal(self, pool, user_id, key, campaign, batch, refusal):
        """claims._gate_refusal, in one query: the replay, or 409 while in flight."""
        row = await _fetchrow(pool, REFUSED, user_id, key, campaign.pk, batch.pk)
        if row[0] is not None:
            return _replay(tuple(row[:4]), campaign)
        counts = refusal.extra.get("gate_counts")
        if counts and in_flight(counts, (row[4], row[5])):
            raise ClaimInProgress() from refusal
        raise refusal

    async def _call(self, pool, campaign, batch, user_id, key, now, resv, ip, device) -> Answer:
        args = claim_args(user_id, key, campaign, batch, now, resv, ip, device)
        prior_id, total, in_batch, voucher_id, code, _claim_pk = await self._claimed(pool, args)
        if prior_id is not None:
            prior = await _fetchrow(pool, PRIOR_BY_ID, prior_id)
            return _replay(tuple(prior), campaign)
        refusal = refusal_for_result(in_batch, total, voucher_id, batch, campaign)
        if refusal is not None:
            raise refusal
        log.debug("claim: user %s got voucher %s", user_id, voucher_id)
        return Answer(outcome_dict(voucher_id, code, batch.pk, campaign.pk, False), False)

    # -- claims in batches (migration 0004) ----------------------------------------------------
    async def _claimed(self, pool, args: list) -> tuple:
        """The claim function's answer for one claim, sent with the others waiting now."""
        return await self._batches.add(args)

    async def _send_batch(self, todo: list[tuple[list, asyncio.Future]]) -> None:
        pool = self._pool
        try:
            rows = await pool.fetch(CLAIM_MANY, *many_args([a for a, _ in todo]))
        except Exception as exc:  # noqa: BLE001 - each claim gets its own answer below
            if len(todo) == 1:
                _answer(todo[0][1], exc=_as_refusal(exc))
                return
            # A lock_timeout (a person's claim busy elsewhere) or any other failure aborts the
            # whole batch, and nothing of it was written: claim these one at a time, so each
            # gets the answer it would have had alone.
            log.info("claim batch of %d failed (%s); claiming one at a time", len(todo), exc)
            for args, waiter in todo:
                asyncio.get_running_loop().create_task(_claim_one(pool, args, waiter))
            return
        for row in rows:
            _, waiter = todo[row["o_idx"] - 1]
            if row["o_late"]:
                _answer(waiter, exc=refusal_for_sqlstate("PLV01"))
            else:
                _answer(waiter, result=tuple(row)[1:7])

    # -- the gate (gate.Gate) -------------------------------------------------------------------
    async def _gate_reserve(self, campaign, batch, user_id, limits):
        ttl = int(settings.VOUCHERS_GATE_RESERVATION_MS)
        resv = gate_mod.new_reservation(campaign, batch, user_id, ttl)
        keys, args = gate_mod.reserve_args(resv, campaign, batch, limits)
        for attempt in range(3):
            try:
                # Pipelined with the other requests of this loop turn: one round trip and one
                # pooled connection for all of them (Redis still runs each script alone).
                result = await self._reserves.add((keys, args))
            except aioredis.RedisError as exc:
                raise gate_mod.GateUnavailable(str(exc), resv) from exc
            if gate_mod.reserved(result):
                return resv
            if attempt < 2:
                # Counters missing (new campaign, Redis restarted): the sync gate loads them
                # from the database under its SET NX lock, or waits for whoever is loading.
                await sync_to_async(_load_counters, thread_sensitive=True)(campaign, batch)
        raise gate_mod.GateUnavailable("counters not loaded")

    async def _send_reserves(self, todo: list[tuple[tuple, asyncio.Future]]) -> None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            for (keys, args), _ in todo:
                pipe.evalsha(self._reserve.sha, len(keys), *keys, *args)
            results = await pipe.execute(raise_on_error=False)
        except aioredis.RedisError as exc:
            for _, waiter in todo:
                _answer(waiter, exc=exc)
            return
        for ((keys, args), waiter), result in zip(todo, results, strict=True):
            if isinstance(result, NoScriptError):  # Redis restarted: load it, once per call
                asyncio.get_running_loop().create_task(self._reserve_one(keys, args, waiter))
            elif isinstance(result, Exception):
                _answer(waiter, exc=result)
            else:
                _answer(waiter, result=result)

    async def _reserve_one(self, keys, args, waiter) -> None:
        try:
            _answer(waiter, result=await self._reserve(keys=keys, args=args))
        except aioredis.RedisError as exc:
            _answer(waiter, exc=exc)

    def _confirm_soon(self, resv: gate_mod.Reservation) -> None:
        """Confirm after the answer, many at a time: one ZREM for all the claims that commit
        while the previous one is in flight, not one round trip each. A confirm lost to a
        crash is no loss: reconcile() finds the committed claim and confirms it."""
        self._confirms.add(resv)

    async def _send_confirms(self, todo: list[tuple[gate_mod.Reservation, asyncio.Future]]):
        members: dict[int, list[str]] = {}
        for resv, _ in todo:
            members.setdefault(resv.campaign_id, []).append(resv.member)
        try:
            pipe = self._redis.pipeline(transaction=False)
            for campaign_id, names in members.items():
                pipe.zrem(gate_mod.pending_key(campaign_id), *names)
            await pipe.execute()
        except aioredis.RedisError as exc:
            log.warning("gate confirm of %d failed; reconcile will finish them: %s", len(todo), exc)
        for _, done in todo:
            _answer(done, result=None)  # nobody waits on a confirm

    async def _gate_release(self, resv: gate_mod.Reservation, restore_stock: bool = True) -> None:
        try:
            flag = "1" if restore_stock else "0"
            await self._release(keys=resv.keys(), args=[resv.member, flag])
        except aioredis.RedisError:
            log.warning("gate release failed for %s; reconcile will release it", resv.id)


async def _keep_session(connection) -> None:
    """Skip asyncpg's reset query on release (a second round trip per claim). Nothing here
    outlives a statement: each runs in autocommit, and the claim function's lock and
    lock_timeout are transaction-scoped."""


def gate_on() -> bool:
    return bool(settings.VOUCHERS_GATE and settings.REDIS_URL)


def _replay(prior: tuple, campaign: Campaign) -> Answer:
    campaign_id, batch_id, voucher_id, code = prior
    if campaign_id != campaign.pk:
        raise KeyReused()
    return Answer(outcome_dict(voucher_id, code, batch_id, campaign_id, True), True)


async def _fetchrow(pool, sql: str, *args):
    try:
        return await pool.fetchrow(sql, *args)
    except (OSError, asyncpg.exceptions.ConnectionDoesNotExistError) as exc:
        raise Unavailable(str(exc)) from exc


def _answer(waiter: asyncio.Future, result=None, exc: BaseException | None = None) -> None:
    if waiter.done():  # its request was cancelled (client gone); the claim stands regardless
        return
    if exc is not None:
        waiter.set_exception(exc)
    else:
        waiter.set_result(result)


def _as_refusal(exc: Exception) -> BaseException:
    if isinstance(exc, asyncpg.PostgresError):
        return refusal_for_sqlstate(getattr(exc, "sqlstate", "") or "") or exc
    if isinstance(exc, OSError | asyncpg.exceptions.ConnectionDoesNotExistError):
        return Unavailable(str(exc))
    return exc


async def _claim_one(pool, args: list, waiter: asyncio.Future) -> None:
    try:
        row = await pool.fetchrow(CLAIM, *args)
    except Exception as exc:  # noqa: BLE001 - handed to the waiting request
        _answer(waiter, exc=_as_refusal(exc))
    else:
        _answer(waiter, result=tuple(row))


def _load_counters(campaign: Campaign, batch: Batch) -> None:
    gate = gate_mod.get_gate()
    if gate is not None:
        gate.ensure_loaded(campaign, batch)
