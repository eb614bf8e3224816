"""First-come voucher release under load: gunicorn + PostgreSQL + Redis on loopback.

    .venv/bin/python bench/claims.py                    # 20,000 vouchers, 100,000 attempts, 200 clients
    .venv/bin/python bench/claims.py --attempts 20000   # a quick run

It creates its own PostgreSQL database (policyledger_bench, on the server of $PL_PG_URL) and
starts its own redis-server on a free port, so it never touches the test or demo data. Each mode
runs against a fresh campaign and a fresh gunicorn:

  naive     the read-check-write baseline (VOUCHERS_CLAIM_LOCKING=0): how much it oversells
  postgres  the real claim path on PostgreSQL alone (advisory lock per user, SKIP LOCKED rows)
  gate      the same behind the Redis gate; one worker is killed with SIGKILL mid-run

and then the gate's Lua script is timed directly, without HTTP or the database.

gunicorn serves `policyledger.web.vouchers.claim_asgi` with uvicorn workers: token claims on
asyncio (asyncpg, redis.asyncio, claims batched into one PostgreSQL call per round trip),
everything else on Django (`--app lean` for the Django WSGI claim path with gthread workers,
`--app full` for the whole middleware stack; the naive baseline always runs on `lean`). In the
gate mode a thread runs the reconciler every second, as cron would. Each mode prints the CPU the
load client, the gunicorn workers (start-up left out), the PostgreSQL backends and Redis used,
and how busy the whole machine was: on shared cores the last one says how much of the machine
the bench was left.

For every acknowledged claim (HTTP 201, or 200 for a replay) the client keeps
(user, Idempotency-Key) -> code; afterwards the database is checked for each one (lost
acknowledged claims), and for vouchers acknowledged to two requests or users over their limit
(duplicates). Clients retry a dropped connection with the same key, as a real app would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import guard  # noqa: E402  (sibling script, not a package)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SECRET = "bench-secret-" + uuid.uuid4().hex
BENCH_DB = "policyledger_bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listening on {port} after {timeout}s")


# -- services ---------------------------------------------------------------------------------
class Services:
    """Its own PostgreSQL database and its own redis-server, removed afterwards."""

    def __init__(self, base_pg_url: str):
        self.base_pg_url = base_pg_url
        self.pg_url = base_pg_url.rsplit("/", 1)[0] + "/" + BENCH_DB
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.redis_proc: subprocess.Popen | None = None
        self.tmp = Path(tempfile.mkdtemp(prefix="pl-bench-"))

    def __enter__(self) -> Services:
        import psycopg

        with psycopg.connect(self.base_pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
        redis_server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.redis_proc = subprocess.Popen(
            [
                redis_server,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_port(self.redis_port)
        return self

    def __exit__(self, *exc) -> None:
        if self.redis_proc:
            self.redis_proc.terminate()
            self.redis_proc.wait(10)
        shutil.rmtree(self.tmp, ignore_errors=True)
        import psycopg

        with psycopg.connect(self.base_pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def base_env(services: Services) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="policyledger.web.settings",
        DATABASE_URL=services.pg_url,
        SECRET_KEY=SECRET,
        VOUCHER_SIGNING_KEY=SECRET + "-vouchers",
        DEBUG="0",
        LOG_LEVEL="WARNING",
        DB_CONN_MAX_AGE="600",
        POLICYLEDGER_VAR=str(services.tmp),
        # Every client comes from 127.0.0.1: only the per-user limit means anything here.
        VOUCHERS_RATE_IP_PER_MIN="0",
        VOUCHERS_RATE_USER_PER_MIN="30",
        VOUCHERS_GATE_RESERVATION_MS="3000",
        VOUCHERS_CAMPAIGN_CACHE_S="1",
    )
    env.pop("REDIS_URL", None)
    return env


def setup_django(env: dict[str, str]) -> None:
    for key in (
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "SECRET_KEY",
        "VOUCHER_SIGNING_KEY",
        "POLICYLEDGER_VAR",
        "LOG_LEVEL",
    ):
        os.environ[key] = env[key]
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def make_users(n: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    User = get_user_model()
    table = connection.ops.quote_name(User._meta.db_table)
    now = timezone.now()
    cols = "password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined"
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for i in range(n):
            copy.write_row(("!", False, f"bench{i}", "", "", "", False, True, now))
    ids = list(
        User.objects.filter(username__startswith="bench")
        .order_by("id")
        .values_list("id", flat=True)
    )
    # Claims need a verified resident (实名) profile.
    from policyledger.web.vouchers.models import ResidentProfile

    ResidentProfile.objects.bulk_create(
        (ResidentProfile(user_id=i, verified=True) for i in ids), batch_size=10_000
    )
    return ids


def new_campaign(stock: int, label: str):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from policyledger.web.vouchers.services.campaigns import BatchSpec, create_campaign

    now = timezone.now()
    return create_campaign(
        [BatchSpec(Decimal(50), Decimal(200), stock, 1)],
        name=f"压测 {label}",
        budget=Decimal(50 * stock),
        valid_from=now - dt.timedelta(minutes=5),
        valid_until=now + dt.timedelta(days=1),
        release_at=now - dt.timedelta(minutes=1),
        per_person_limit=1,
        sectors=["餐饮"],
        status="open",
    )


# -- gunicorn ---------------------------------------------------------------------------------
APPS = {
    # Token claims on asyncio (asyncpg, redis.asyncio), everything else on Django; see the module.
    "asgi": "policyledger.web.vouchers.claim_asgi:application",
    # Token claims through Django with a short middleware list (sessions, CSRF, CSP ... skipped).
    "lean": "policyledger.web.vouchers.claim_wsgi:application",
    "full": "policyledger.web.wsgi:application",
}
WORKER_CLASSES = {"asgi": "uvicorn_worker.UvicornWorker", "lean": "gthread", "full": "gthread"}


def cpu_seconds(pids) -> float:
    """User + system CPU of these processes so far (those still alive)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    vals = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = vals[3] + vals[4]
    return (sum(vals) - idle) / tick, sum(vals) / tick


def pg_backends(pg_url: str) -> list[int]:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [r[0] for r in rows]


class Gunicorn:
    def __init__(
        self,
        env: dict[str, str],
        workers: int,
        threads: int,
        app: str = "asgi",
    ):
        self.port = free_port()
        self.count = workers
        cmd = [
            PY, "-m", "gunicorn", APPS[app],
            "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
            "--worker-class", WORKER_CLASSES[app], "--threads", str(threads),
            "--backlog", "2048", "--keep-alive", "30", "--log-level", "warning",
            "--graceful-timeout", "5",
            # Django is imported once in the master: a worker that dies is replaced by a fork
            # in milliseconds instead of a second of start-up on the cores serving the release.
            "--preload",
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        self._stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        wait_port(self.port)

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self._stderr.append(line)

    def workers(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def settle(self, timeout: float = 20) -> float:
        """Wait until every worker has booted (its CPU time stops growing); return that CPU."""
        deadline, last = time.monotonic() + timeout, -1.0
        while time.monotonic() < deadline:
            pids = self.workers()
            used = cpu_seconds(pids)
            if len(pids) >= self.count and used == last:
                return used
            last = used
            time.sleep(0.5)
        return last

    def kill_one_worker(self) -> int:
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- the load ---------------------------------------------------------------------------------
def plan_attempts(n: int, users: int, seed: int, mode: str) -> list[tuple[int, str]]:
    """Mostly fresh (user, key) pairs; one in ten repeats an earlier pair (a client retry)."""
    rnd = random.Random(seed)
    plan: list[tuple[int, str]] = []
    for i in range(n):
        if plan and rnd.random() < 0.1:
            plan.append(plan[rnd.randrange(max(0, len(plan) - 400), len(plan))])
        else:
            plan.append((rnd.randrange(users), f"{mode}-{i}"))  # keys are unique per user
    return plan


async def run_load(port, campaign_id, tokens, plan, concurrency, on_progress=None, t_start=None):
    import aiohttp

    url = f"http://127.0.0.1:{port}/vouchers/api/campaigns/{campaign_id}/claim"
    results: list[tuple] = []
    cursor = iter(range(len(plan)))
    done = 0
    t_start = t_start or time.perf_counter()

    async def client(session):
        nonlocal done
        for i in cursor:
            user, key = plan[i]
            headers = {"Authorization": f"Bearer {tokens[user]}", "Idempotency-Key": key}
            t0 = time.perf_counter()
            status, body = 0, None
            for attempt in range(30):
                try:
                    async with session.post(url, data=b"{}", headers=headers) as resp:
                        status = resp.status
                        raw = await resp.read()
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = {"error": f"non-json {status}"}
                    if status != 409:
                        break
                    await asyncio.sleep(0.05)  # concurrent duplicate: Retry-After, same key
                except (TimeoutError, aiohttp.ClientError):
                    await asyncio.sleep(0.05 * (attempt + 1))  # dropped: retry with the same key
            t1 = time.perf_counter()
            code = body.get("code") if isinstance(body, dict) else None
            err = body.get("error") if isinstance(body, dict) else None
            results.append((user, key, status, code, err, t1 - t0, t1 - t_start))
            done += 1
            if on_progress:
                on_progress(done)

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    # No cookie jar and no decompression: the claim API sets no cookies and sends small JSON,
    # and the client shares the cores with the server, so its CPU per request counts.
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    ) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return results, time.perf_counter() - t_start


def load_in_processes(port, campaign_id, tokens, plan, concurrency, procs, on_progress):
    """The same load from `procs` client processes (the clients split evenly among them), so
    the load generator is not held to one core. Returns the results, the elapsed time and the
    client processes' own CPU seconds. Times are on the system-wide monotonic clock."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    done = ctx.Value("q", 0, lock=False)
    out = ctx.Queue()
    t_start = time.perf_counter()
    workers = [
        ctx.Process(
            target=_client_process,
            args=(
                port,
                campaign_id,
                tokens,
                plan[k::procs],
                concurrency // procs,
                done,
                out,
                t_start,
            ),
        )
        for k in range(procs)
    ]
    for w in workers:
        w.start()
    results, cpu = [], 0.0
    # A client process that dies (aiohttp missing, a crash) ends the bench with the reason.
    try:
        for part, used in guard.collect(out, workers, procs, lambda: on_progress(done.value)):
            results.extend(part)
            cpu += used
    finally:
        guard.join(workers)
    return results, time.perf_counter() - t_start, cpu


def _client_process(port, campaign_id, tokens, plan, concurrency, done, out, t_start) -> None:
    def progress(_n):
        done.value += 1  # one writer per increment is enough for a progress figure

    results, _ = run_async(
        run_load(port, campaign_id, tokens, plan, concurrency, progress, t_start=t_start)
    )
    ru = resource.getrusage(resource.RUSAGE_SELF)
    out.put((results, ru.ru_utime + ru.ru_stime))


def run_async(coro):
    """On uvloop when it is installed: the load client shares the two cores with the server,
    and uvloop spends less of them per request than asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def analyse(results, elapsed, stock, user_ids, limit=1):
    statuses = Counter(r[2] for r in results)
    errors = Counter(r[4] for r in results if r[4])
    acks = {}  # (user, key) -> code, for 201 and replays
    for user, key, status, code, _, _, _ in results:
        if status in (200, 201) and code:
            acks.setdefault((user, key), code)
    by_code = defaultdict(set)
    by_user = defaultdict(set)
    for (user, key), code in acks.items():
        by_code[code].add((user, key))
        by_user[user].add(code)
    double_issued = sum(len(s) - 1 for s in by_code.values() if len(s) > 1)
    over_limit = sum(len(c) - limit for c in by_user.values() if len(c) > limit)
    successes = sorted(r[6] for r in results if r[2] == 201)
    sell_time = successes[-1] if successes else elapsed
    lat = sorted(r[5] for r in results)
    return {
        "attempts": len(results),
        "elapsed_s": elapsed,
        "attempts_per_s": len(results) / elapsed,
        "acked": len(acks),
        "claims_per_s": len(successes) / sell_time if successes else 0.0,
        "sold_out_after_s": sell_time,
        # When half, 90 % and 99 % of the successes had been answered: a slow straggler
        # (a retry after a dropped connection, a 409 wait) moves only the last figure.
        "success_quantiles_s": [
            successes[int(q * (len(successes) - 1))] if successes else 0.0 for q in (0.5, 0.9, 0.99)
        ],
        "p50_ms": 1000 * statistics.median(lat),
        "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))],
        "oversold": max(0, len(acks) - stock),
        "duplicates": double_issued + over_limit,
        "statuses": dict(sorted(statuses.items())),
        "errors": dict(errors),
        "acks": {(user_ids[u], k): c for (u, k), c in acks.items()},
    }


def lost_acknowledged(campaign, acks) -> int:
    from policyledger.web.vouchers.models import Claim, Voucher

    owner = dict(
        Voucher.objects.filter(campaign=campaign, owner__isnull=False).values_list(
            "code", "owner_id"
        )
    )
    claims = set(Claim.objects.filter(campaign=campaign).values_list("user_id", "idempotency_key"))
    return sum(
        1
        for (user, key), code in acks.items()
        if owner.get(code) != user or (user, key) not in claims
    )


def vacuum(pg_url: str) -> None:
    """Start each mode from a vacuumed database: the naive run leaves tens of thousands of dead
    rows behind, and autovacuum cleaning them up during the next mode would be timed with it."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("VACUUM vouchers_voucher, vouchers_claim, vouchers_batch")


def run_mode(name, services, args, tokens, user_ids, *, env_extra, kill=False, gate=False):
    from policyledger.web.vouchers.services.audit import audit

    env = base_env(services)
    env.update(env_extra)
    vacuum(services.pg_url)
    campaign = new_campaign(args.stock, name)  # minting ends with ANALYZE of the voucher table
    if gate:
        from policyledger.web.vouchers.services.gate import get_gate

        get_gate(services.redis_url).load(campaign)  # what opening the campaign does
    app = "lean" if name == "naive" and args.app == "asgi" else args.app
    server = Gunicorn(env, args.workers, args.threads, app)
    plan = plan_attempts(args.attempts, len(tokens), seed=zlib.crc32(name.encode()), mode=name)
    killed = []

    def progress(done):
        if kill and not killed and done >= args.attempts * 0.15:
            killed.append(server.kill_one_worker())

    redis_pid = [services.redis_proc.pid] if gate else []
    reconciled = Counter()
    stop_reconciling = threading.Event()

    def reconcile_every_second():
        """What cron or the task worker does in production (`vouchers reconcile`), so stock a
        killed worker held comes back after its reservation deadline and is sold again."""
        from django.db import connection

        from policyledger.web.vouchers.services.gate import get_gate

        g = get_gate(services.redis_url)
        while not stop_reconciling.wait(1.0):
            rec = g.reconcile(campaign)
            reconciled.update(confirmed=rec["confirmed"], released=rec["released"])
        connection.close()

    boot = server.settle()  # workers' start-up (Django set-up) is not per-request work
    if gate:
        threading.Thread(target=reconcile_every_second, daemon=True).start()
    cpu0 = (resource.getrusage(resource.RUSAGE_SELF), cpu_seconds(redis_pid), machine_busy())
    try:
        if args.client_processes > 1:
            results, elapsed, child_cpu = load_in_processes(
                server.port, campaign.pk, tokens, plan, args.clients, args.client_processes,
                progress,
            )  # fmt: skip
        else:
            results, elapsed = run_async(
                run_load(server.port, campaign.pk, tokens, plan, args.clients, progress)
            )
            child_cpu = 0.0
        # Workers and PostgreSQL backends, read before they go (the killed worker's share is lost).
        server_cpu = cpu_seconds(server.workers()) - boot
        pg_cpu = cpu_seconds(pg_backends(services.pg_url))
    finally:
        stop_reconciling.set()
        server.stop()
    log_tail = server._stderr[-40:]
    ru, busy = resource.getrusage(resource.RUSAGE_SELF), machine_busy()
    report = analyse(results, elapsed, args.stock, user_ids)
    report["server_log"] = log_tail
    client_cpu = ru.ru_utime - cpu0[0].ru_utime + ru.ru_stime - cpu0[0].ru_stime + child_cpu
    capacity = elapsed * (os.cpu_count() or 1)
    report["cpu"] = {
        "client_s": client_cpu,
        "web_s": server_cpu,
        "postgres_s": pg_cpu,
        "redis_s": cpu_seconds(redis_pid) - cpu0[1],
        "machine_busy_share": (busy[0] - cpu0[2][0]) / max(1e-9, busy[1] - cpu0[2][1]),
        "capacity_s": capacity,
    }
    if gate:
        from policyledger.web.vouchers.services.gate import get_gate

        g = get_gate(services.redis_url)
        time.sleep(3.2)  # let the killed worker's reservations pass their deadline
        rec = g.reconcile(campaign)
        report["reconcile"] = {k: rec[k] for k in ("confirmed", "released", "drift")}
        report["reconciled_during_run"] = dict(reconciled)
        report["pending_after"] = g.pending_count(campaign.pk)
    report["lost"] = lost_acknowledged(campaign, report.pop("acks"))
    report["audit_problems"] = len(audit(campaign))
    report["killed_worker"] = killed[0] if killed else None
    return report


# -- the gate, direct -------------------------------------------------------------------------
def bench_gate_direct(redis_url: str, n: int, procs: int = 2) -> float:
    """Reservations per second through the Lua script alone: no HTTP, no database.

    `procs` client processes, each pipelining EVALSHA 1,000 at a time on its own connection and
    its own campaign tag (as separate campaigns would be); Redis runs the scripts one at a time.
    """
    import multiprocessing as mp

    import redis

    from policyledger.web.vouchers.services.gate import RESERVE

    sha = redis.Redis.from_url(redis_url).script_load(RESERVE)
    ctx = mp.get_context("fork")
    start = ctx.Barrier(procs + 1)
    done = ctx.Queue()
    per = n // procs
    workers = [
        ctx.Process(target=_gate_client, args=(redis_url, sha, c, per, start, done))
        for c in range(procs)
    ]
    for w in workers:
        w.start()
    try:
        start.wait(timeout=60)
    except threading.BrokenBarrierError:
        guard.join(workers, 5)
        raise guard.BenchFailed("a gate client process did not start") from None
    t0 = time.perf_counter()
    try:
        accepted = sum(guard.collect(done, workers, procs))
    finally:
        guard.join(workers)
    elapsed = time.perf_counter() - t0
    assert accepted == per * procs, f"gate accepted {accepted} of {per * procs}"
    return accepted / elapsed


def _gate_client(redis_url, sha, client_no, n, start, done) -> None:
    import redis

    from policyledger.web.vouchers.services.gate import Reservation, stock_key

    r = redis.Redis.from_url(redis_url)
    campaign, batch = 900_000 + client_no, 1
    r.set(stock_key(campaign, batch), n)
    deadline = int(time.time() * 1000) + 600_000
    prefix = uuid.uuid4().hex[:16]
    start.wait()
    ok = 0
    for first in range(0, n, 1000):
        pipe = r.pipeline(transaction=False)
        for user in range(first, min(n, first + 1000)):
            resv = Reservation(f"{prefix}{user}", campaign, batch, user, deadline)
            pipe.evalsha(sha, 4, *resv.keys(), 1, 1, resv.member, deadline)
        ok += sum(1 for x in pipe.execute() if x == 1)
    done.put(ok)  # before the clean-up, which is not part of the measurement
    over = Reservation("over", campaign, batch, n + 1, deadline)
    assert r.evalsha(sha, 4, *over.keys(), 1, 1, over.member, deadline) == -1, "past zero stock"
    pipe = r.pipeline(transaction=False)
    for key in r.scan_iter(match=f"vg:{{vc{campaign}}}*", count=10_000):
        pipe.unlink(key)
    pipe.execute()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stock", type=int, default=20_000)
    ap.add_argument("--attempts", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--client-processes", type=int, default=2,
                    help="processes the clients are split among (the load generator's cores)")  # fmt: skip
    ap.add_argument("--users", type=int, default=60_000)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=4, help="per gthread worker (lean, full)")
    ap.add_argument("--app", choices=sorted(APPS), default="asgi")
    ap.add_argument("--gate-claims", type=int, default=300_000)
    ap.add_argument("--modes", default="naive,postgres,gate")
    ap.add_argument("--deadline", type=float, default=1800, help="overall limit in seconds")
    args = ap.parse_args()
    guard.require(
        ["aiohttp", "redis", "psycopg", "asyncpg", "gunicorn", "uvicorn_worker", "django"],
        tools=["redis-server"],
    )
    guard.deadline(args.deadline)
    # A plain SIGTERM (timeout, kill) still drops the bench database and stops redis-server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pg = (
        os.environ.get("PL_PG_URL")
        or "postgres://policyledger:policyledger@127.0.0.1:5432/policyledger"
    )

    with Services(pg) as services:
        env = base_env(services)
        subprocess.run(
            [PY, "-m", "django", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        setup_django(env)
        from django.core import signing

        from policyledger.web.vouchers.api import TOKEN_SALT

        t = time.perf_counter()
        user_ids = make_users(args.users)
        tokens = [signing.dumps(u, salt=TOKEN_SALT, compress=False) for u in user_ids]
        print(f"set-up: {len(user_ids)} users in {time.perf_counter() - t:.1f}s; "
              f"{args.workers} gunicorn workers ({args.app}: {WORKER_CLASSES[args.app]}); {args.clients} clients; "
              f"{args.stock} vouchers; {args.attempts} attempts; {os.cpu_count()} CPUs", flush=True)  # fmt: skip

        reports = {}
        modes = args.modes.split(",")
        if "naive" in modes:
            reports["naive"] = run_mode("naive", services, args, tokens, user_ids,
                                        env_extra={"VOUCHERS_CLAIM_LOCKING": "0"})  # fmt: skip
            print_report("naive (read-check-write, no lock)", reports["naive"])
        if "postgres" in modes:
            reports["postgres"] = run_mode(
                "postgres", services, args, tokens, user_ids, env_extra={}
            )
            print_report("PostgreSQL alone", reports["postgres"])
        if "gate" in modes:
            reports["gate"] = run_mode("gate", services, args, tokens, user_ids,
                                       env_extra={"REDIS_URL": services.redis_url}, kill=True, gate=True)  # fmt: skip
            print_report("Redis gate + PostgreSQL (one worker SIGKILLed mid-run)", reports["gate"])
        rate = bench_gate_direct(services.redis_url, args.gate_claims)
        print(f"\n== gate alone: {rate:,.0f} Lua reservations/s (2 client processes, pipelined)")

        print("\n== summary")
        base = reports.get("postgres", {}).get("claims_per_s")
        for name, r in reports.items():
            ratio = f" ({r['claims_per_s'] / base:.2f}x PostgreSQL alone)" if base else ""
            print(f"  {name:9s} {r['claims_per_s']:8,.0f} claims/s{ratio}  oversold {r['oversold']}  "
                  f"duplicates {r['duplicates']}  lost {r['lost']}")  # fmt: skip
        failed = [
            name for name, r in reports.items()
            if name != "naive" and (r["oversold"] or r["duplicates"] or r["lost"] or r["audit_problems"])
        ]  # fmt: skip
        figures = {}
        for name, r in reports.items():
            figures.update({f"{name}_claims_per_s": r["claims_per_s"],
                            f"{name}_oversold": r["oversold"], f"{name}_duplicates": r["duplicates"],
                            f"{name}_lost": r["lost"]})  # fmt: skip
        guard.summary(**figures, gate_lua_reservations_per_s=rate,
                      invariants="broken: " + ",".join(failed) if failed else "kept")  # fmt: skip
        if failed:
            print(f"FAILED: {', '.join(failed)} broke an invariant")
            sys.exit(1)


def print_report(title: str, r: dict) -> None:
    print(f"\n== {title}")
    q50, q90, q99 = r["success_quantiles_s"]
    print(
        f"  successful claims/s  {r['claims_per_s']:,.0f}  (sold out after {r['sold_out_after_s']:.1f}s; "
        f"half the stock by {q50:.1f}s, 90% by {q90:.1f}s, 99% by {q99:.1f}s)"
    )
    print(
        f"  attempts/s           {r['attempts_per_s']:,.0f}  ({r['attempts']} in {r['elapsed_s']:.1f}s)"
    )
    print(f"  latency              p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms")
    print(f"  acknowledged         {r['acked']}")
    print(f"  oversold             {r['oversold']}")
    print(f"  duplicates           {r['duplicates']}")
    print(f"  lost acknowledged    {r['lost']}")
    print(f"  audit problems       {r['audit_problems']}")
    print(f"  HTTP statuses        {r['statuses']}  {r['errors']}")
    if r.get("killed_worker"):
        print(f"  SIGKILLed worker     pid {r['killed_worker']}")
    c, n = r["cpu"], r["attempts"]
    print(
        f"  CPU (of {c['capacity_s']:.0f} core-s)  client {c['client_s']:.1f}s "
        f"({100 * c['client_s'] / c['capacity_s']:.0f}%), web workers {c['web_s']:.1f}s "
        f"({1000 * c['web_s'] / n:.2f} ms/attempt), PostgreSQL {c['postgres_s']:.1f}s "
        f"({1000 * c['postgres_s'] / n:.2f} ms/attempt), Redis {c['redis_s']:.1f}s; "
        f"machine busy {100 * c['machine_busy_share']:.0f}%"
    )
    if any(status >= 500 for status in r["statuses"]):
        print("  server log (last lines):\n    " + "    ".join(r["server_log"]))
    if "reconcile" in r:
        print(f"  reconcile            during the run (every second) {r['reconciled_during_run']}; "
              f"after it {r['reconcile']}; pending left {r['pending_after']}")  # fmt: skip


if __name__ == "__main__":
    main()
