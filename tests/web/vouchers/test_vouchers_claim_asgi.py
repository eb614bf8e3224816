"""The claim workers' ASGI entry (claim_asgi) against the Django view, on a real PostgreSQL
(and Redis for the gate): the same requests must get the same answers through both, the
batched claim function must keep every rule of the single one, and a real gunicorn with
uvicorn workers must not oversell under simultaneous requests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import httpx
import psycopg
import pytest
from claimload import check_no_oversell, fire, users
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from waiting import wait_until

from policyledger.web.vouchers import claim_asgi
from policyledger.web.vouchers.api import resident_token
from policyledger.web.vouchers.models import Batch, Claim, Voucher
from policyledger.web.vouchers.services import gate as gate_mod
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.claims import _advisory_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.VOUCHERS_RATE_USER_PER_MIN = 0
    settings.VOUCHERS_RATE_IP_PER_MIN = 0


@pytest.fixture(params=["database", "gate"])
def mode(request, settings):
    if request.param == "gate":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
    return request.param


@pytest.fixture
def open_campaign(make_campaign):
    def make(batches=((50, 200, 5, 1),), **fields):
        fields.setdefault("start", timezone.now() - dt.timedelta(hours=1))
        return make_campaign(batches=batches, **fields)

    return make


def claim_url(campaign_id: int) -> str:
    return f"/vouchers/api/campaigns/{campaign_id}/claim"


def headers(user=None, key: str | None = "k1", token: str | None = None) -> dict[str, str]:
    out = {}
    if token is not None or user is not None:
        out["Authorization"] = f"Bearer {token if token is not None else resident_token(user)}"
    if key is not None:
        out["Idempotency-Key"] = key
    return out


def via_asgi(requests: list[tuple[str, dict, bytes]], together: bool = False) -> list:
    """Send (url, headers, body) through claim_asgi.application in one event loop, one after
    another (or all at once), then close what the loop opened."""

    async def run():
        transport = httpx.ASGITransport(app=claim_asgi.application, client=("10.0.0.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:

            async def one(url, hdrs, body):
                return await client.post(url, headers=hdrs, content=body)

            try:
                if together:
                    return await asyncio.gather(*(one(*r) for r in requests))
                return [await one(*r) for r in requests]
            finally:
                await claim_asgi.claims.close()
                # The campaign look-up ran Django's ORM in asgiref's thread: close it there.
                from asgiref.sync import sync_to_async
                from django.db import connections

                await sync_to_async(connections.close_all, thread_sensitive=True)()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    # An event loop is already running in this thread (Playwright's sync API leaves one behind
    # after the browser tests of the same session): run ours in a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def via_django(requests: list[tuple[str, dict, bytes]]) -> list:
    client = Client(REMOTE_ADDR="10.0.0.7")
    out = []
    for url, hdrs, body in requests:
        extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in hdrs.items()}
        out.append(client.post(url, data=body, content_type="application/json", **extra))
    return out


def answers(responses) -> list[tuple]:
    """What must match between the two entries: status, error code and message, the flags
    and headers; voucher ids and codes differ between two runs, so only their shape is kept."""
    out = []
    for r in responses:
        body = r.json()
        replayed = r.headers.get("Idempotent-Replayed")
        if "error" in body:
            out.append(
                (r.status_code, body["error"], body["message"], r.headers.get("Retry-After"))
            )
        else:
            assert isinstance(body["voucher"], int) and len(body["code"]) >= 16
            out.append((r.status_code, sorted(body), body["replayed"], replayed))
    return out


def both(build) -> tuple[list, list]:
    """Run the scenario `build()` (fresh campaign and people each time) through both entries."""
    django_side = via_django(build("dj"))
    asgi_side = via_asgi(build("as"))
    return answers(django_side), answers(asgi_side)


def test_same_answers_for_claim_replay_limit_and_sold_out(mode, open_campaign, make_user):
    def build(tag):
        c = open_campaign(batches=((50, 200, 2, 1),))
        a, b, d = (make_user(f"{tag}-{n}") for n in "abd")
        url = claim_url(c.pk)
        return [
            (url, headers(a, "k1"), b"{}"),  # 201
            (url, headers(a, "k1"), b"{}"),  # replay: 200
            (url, headers(a, "k2"), b"{}"),  # per-person limit: 422
            (url, headers(b, "k1"), b""),  # 201 (an empty body means the only batch)
            (url, headers(d, "k1"), b"{}"),  # sold out: 422
            (url, headers(b, "k1"), b"{}"),  # a replay after the sell-out still answers 200
        ]

    dj, asg = both(build)
    assert dj == asg
    assert [a[0] for a in asg] == [201, 200, 422, 201, 422, 200]
    assert asg[1][3] == "true" and asg[2][1] == "limit_reached" and asg[4][1] == "sold_out"


def test_same_answers_for_bad_requests(mode, open_campaign, make_user):
    def build(tag):
        c = open_campaign()
        two = open_campaign(batches=((50, 200, 5, 1), (20, 100, 5, 1)))
        closed = open_campaign(status="closed")
        a = make_user(f"{tag}-a")
        url = claim_url(c.pk)
        return [
            (url, headers(token="not-a-token"), b"{}"),  # 401
            (url, headers(a, key=None), b"{}"),  # 400 idempotency_key
            (url, headers(a), b"[1, 2"),  # 400 bad_request
            (url, headers(a), b'{"batch": "x"}'),  # 400 bad_request
            (claim_url(99999), headers(a), b"{}"),  # 404
            (claim_url(two.pk), headers(a), b"{}"),  # two batches, none named: 400
            (claim_url(closed.pk), headers(a), b"{}"),  # 422 not_open
            (url, headers(a, "x" * 101), b"{}"),  # key too long: 400
            (url, headers(a, "k9"), b"{}"),  # 201
            # the key already used in the other campaign: 422 key_reused
            (
                claim_url(two.pk),
                headers(a, "k9"),
                f'{{"batch": {two.batches.first().pk}}}'.encode(),
            ),
        ]

    dj, asg = both(build)
    assert dj == asg
    assert [a[0] for a in asg] == [401, 400, 400, 400, 404, 400, 422, 400, 201, 422]
    assert asg[-1][1] == "key_reused"


def test_same_rate_limits(mode, open_campaign, make_user, settings, fresh_rate_window):
    settings.VOUCHERS_RATE_USER_PER_MIN = 3

    def build(tag):
        c = open_campaign()
        a = make_user(f"{tag}-a")
        return [(claim_url(c.pk), headers(a, f"k{i}"), b"{}") for i in range(5)]

    dj, asg = both(build)
    assert dj == asg  # the clock stands still: the same Retry-After through both entries
    assert [a[0] for a in asg] == [201, 422, 422, 429, 429]
    assert asg[-1][3] == str(fresh_rate_window)  # Retry-After: the rest of the window


def test_async_path_records_what_the_sync_path_records(mode, open_campaign, make_user):
    c = open_campaign()
    a = make_user("rec")
    hdrs = {**headers(a, "rec-1"), "X-Device-Id": "phone-42"}
    (r,) = via_asgi([(claim_url(c.pk), hdrs, b"{}")])
    assert r.status_code == 201
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    record = Claim.objects.get(user=a)
    voucher = Voucher.objects.get(owner=a)
    assert (record.voucher_id, voucher.code) == (r.json()["voucher"], r.json()["code"])
    assert (record.ip, record.device, record.result["code"]) == (
        "10.0.0.7",
        "phone-42",
        voucher.code,
    )
    assert Batch.objects.get(campaign=c).claimed == 1
    assert audit(c) == []
    if mode == "gate":
        gate = gate_mod.get_gate()
        assert record.reservation  # claimed through the gate
        assert gate.pending_count(c.pk) == 0  # the batched confirm went out before close()
        assert gate.reconcile(c)["drift"] == {}


def test_simultaneous_requests_are_batched_and_each_gets_its_answer(mode, open_campaign, make_user):
    c = open_campaign(batches=((50, 200, 6, 1),))
    people = [make_user(f"sim{i}") for i in range(10)]
    url = claim_url(c.pk)
    sent = [(url, headers(p, "once"), b"{}") for p in people]
    sent += [(url, headers(people[0], "once"), b"{}")]  # a concurrent duplicate in the batch
    out = via_asgi(sent, together=True)
    statuses = [r.status_code for r in out]
    assert statuses.count(201) == 6
    assert set(statuses) <= {200, 201, 409, 422}
    codes = [r.json()["code"] for r in out if r.status_code == 201]
    assert len(set(codes)) == 6
    assert Voucher.objects.filter(campaign=c, state="claimed").count() == 6
    assert Batch.objects.get(campaign=c).claimed == 6
    assert Voucher.objects.filter(owner=people[0]).count() <= 1
    assert audit(c) == []


def test_a_person_busy_elsewhere_fails_alone_not_the_whole_batch(
    open_campaign, make_user, settings
):
    """A lock_timeout aborts the batched call; the claims then go one at a time, so only the
    person whose lock is held gets 409 and the others in the batch still get their vouchers."""
    settings.VOUCHERS_CLAIM_LOCK_TIMEOUT_MS = 200
    c = open_campaign(batches=((50, 200, 5, 1),))
    busy, p1, p2 = make_user("busy"), make_user("p1"), make_user("p2")
    url = claim_url(c.pk)
    db = connection.settings_dict
    holder = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"],
        dbname=db["NAME"],
    )  # fmt: skip
    try:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_key(busy.pk)])
        out = via_asgi([(url, headers(u, "x"), b"{}") for u in (p1, busy, p2)], together=True)
    finally:
        holder.rollback()
        holder.close()
    assert [r.status_code for r in out] == [201, 409, 201]
    assert out[1].json()["error"] == "in_progress" and out[1].headers["Retry-After"] == "1"
    assert not Voucher.objects.filter(owner=busy).exists()
    assert Batch.objects.get(campaign=c).claimed == 2


def _claim_many(rows):
    """Call vouchers_claim_many with (user, key, campaign, batch, deadline_ms) rows."""
    cols = list(zip(*rows, strict=True))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT o_idx, o_prior, o_voucher, o_late FROM vouchers_claim_many("
            "%s, %s, %s, %s, %s, %s, %s, '5000ms', now(), %s, %s::inet[], %s, %s) ORDER BY o_idx",
            [
                list(cols[0]), list(cols[1]), list(cols[2]), list(cols[3]),
                [1] * len(rows), [2] * len(rows), [_advisory_key(u) for u in cols[0]],
                ["r"] * len(rows), ["10.0.0.1"] * len(rows), [""] * len(rows), list(cols[4]),
            ],
        )  # fmt: skip
        return cur.fetchall()


def test_claim_many_keeps_the_rules_of_one_claim(open_campaign, make_user):
    c = open_campaign(batches=((50, 200, 3, 1),))
    b = c.batches.get()
    a, d, e, f = (make_user(n).pk for n in "adef")
    past = int(time.time() * 1000) - 1000
    rows = _claim_many(
        [
            (a, "k", c.pk, b.pk, None),  # claims
            (a, "k", c.pk, b.pk, None),  # same person and key in the same call: a replay
            (a, "k2", c.pk, b.pk, None),  # same person, new key: over the batch limit
            (d, "k", c.pk, b.pk, past),  # past the gate's deadline: skipped, nothing written
            (e, "k", c.pk, b.pk, None),  # claims
            (f, "k", c.pk, b.pk, None),  # claims the last one
        ]
    )
    idx, prior, voucher, late = zip(*rows, strict=True)
    assert idx == (1, 2, 3, 4, 5, 6)
    first_claim = Claim.objects.get(user_id=a)
    assert voucher[0] and prior[1] == first_claim.pk and voucher[1] is None
    assert (prior[2], voucher[2]) == (None, None)
    assert late[3] and not Claim.objects.filter(user_id=d).exists()
    assert voucher[4] and voucher[5]
    assert Batch.objects.get(pk=b.pk).claimed == 3  # one counter update for the three taken
    assert _claim_many([(d, "k", c.pk, b.pk, None)])[0][2] is None  # sold out
    assert audit(c) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn_asgi(settings, redis_url):
    """A real gunicorn with two uvicorn workers serving claim_asgi on this test's database."""
    settings.REDIS_URL = redis_url
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "policyledger.web.settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "REDIS_URL": redis_url,
        "VOUCHERS_RATE_USER_PER_MIN": "0",
        "VOUCHERS_RATE_IP_PER_MIN": "0",
        "VOUCHERS_CAMPAIGN_CACHE_S": "0",
        "LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "policyledger.web.vouchers.claim_asgi:application",
         "-k", "uvicorn_worker.UvicornWorker", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--graceful-timeout", "5"],
        env=env,
    )  # fmt: skip

    def listening() -> bool:
        assert proc.poll() is None, f"gunicorn exited with {proc.returncode}"
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(listening, "gunicorn to listen", 30)
    except AssertionError:
        proc.kill()
        proc.wait()
        raise
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
@pytest.mark.redis
def test_gunicorn_uvicorn_workers_never_oversell(gunicorn_asgi, open_campaign, make_user):
    quantity = 15
    campaign = open_campaign(batches=((50, 200, quantity, 1),))
    gate = gate_mod.get_gate()
    gate.load(campaign)
    people = users(60, "uv")
    url = gunicorn_asgi + claim_url(campaign.pk)
    responses = fire(url, [(resident_token(u), uuid.uuid4().hex) for u in people])
    check_no_oversell(campaign, responses, quantity)
    # Twenty simultaneous retries of one person's claim: one voucher, the same one every time.
    alice = make_user("uv-alice")
    second = open_campaign(batches=((50, 200, 10, 3),), per_person=3)
    retries = fire(gunicorn_asgi + claim_url(second.pk), [(resident_token(alice), "one")] * 20)
    assert {r.status_code for r in retries} <= {200, 201, 409}
    assert [r.status_code for r in retries].count(201) == 1
    assert len({r.json()["code"] for r in retries if r.status_code in (200, 201)}) == 1
    assert Voucher.objects.filter(owner=alice).count() == 1
    # The workers confirm their reservations just after answering.
    wait_until(lambda: gate.pending_count(campaign.pk) == 0, "the workers' confirms", 30)
    assert gate.reconcile(campaign)["drift"] == {}


def test_same_refusals_for_unverified_deactivated_and_leader(mode, open_campaign, make_user):
    """Only an active, verified resident may claim, on both entries and behind the gate; a
    deactivated person's token stops working at once (no wait for it to expire)."""
    from policyledger.web.accounts.models import Profile

    def build(tag):
        c = open_campaign(batches=((50, 200, 5, 1),))
        ok = make_user(f"{tag}-ok")
        unverified = make_user(f"{tag}-unv", verified=False)
        nobody = make_user(f"{tag}-none", verified=None)
        gone = make_user(f"{tag}-gone")
        token = resident_token(gone)
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        leader = make_user(f"{tag}-leader")
        Profile.objects.create(user=leader, role=Profile.Role.VIEWER)
        url = claim_url(c.pk)
        return [
            (url, headers(unverified, "k1"), b"{}"),
            (url, headers(nobody, "k1"), b"{}"),
            (url, headers(key="k1", token=token), b"{}"),
            (url, headers(leader, "k1"), b"{}"),
            (url, headers(ok, "k1"), b"{}"),
        ]

    dj, asg = both(build)
    assert dj == asg
    assert [a[0] for a in asg] == [403, 403, 403, 403, 201]
    assert {a[1] for a in asg[:4]} == {"not_eligible"}
    assert Voucher.objects.filter(owner__username__endswith="-gone").count() == 0
