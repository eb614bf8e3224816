"""What one claim over HTTP costs in SQL statements, and the lean WSGI path for token claims.

The claim is the hot path of a release (tens of thousands of requests a minute), so the number
of statements it sends is part of its contract: these bounds fail if a change adds a query.
SAVEPOINT/RELEASE statements are left out of the count: they come from the test's own
transaction wrapping the claim's, not from the claim.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from policyledger.web.vouchers import web_common
from policyledger.web.vouchers.api import resident_token
from policyledger.web.vouchers.claim_wsgi import application, is_token_claim
from policyledger.web.vouchers.models import Voucher
from policyledger.web.vouchers.services import gate as gate_mod

# Statements per claim, by database: (success, sold-out rejection).
#   PostgreSQL: pre-check (replay + stock), then one call of the claim function (migration 0003).
#   SQLite: pre-check, then the ORM steps (replay, limits, pick, move, insert, counter).
BOUNDS = {"postgresql": (2, 1), "sqlite": (7, 1)}
# Behind the Redis gate: no pre-check; a refusal looks up only a replay of the same key.
# SQLite behind the gate (not a production set-up) asks whether the person may claim in a
# statement of its own; the pre-check and the PostgreSQL claim function ask within theirs.
GATE_BOUNDS = {"postgresql": (1, 1), "sqlite": (7, 1)}


@pytest.fixture
def release(make_campaign, settings):
    settings.VOUCHERS_CAMPAIGN_CACHE_S = 60  # as served: set-up is cached, stock never is
    settings.VOUCHERS_RATE_USER_PER_MIN = 0
    settings.VOUCHERS_RATE_IP_PER_MIN = 0
    web_common._cache.clear()
    campaign = make_campaign(
        batches=((50, 200, 2, 1),), per_person=1, start=timezone.now() - dt.timedelta(hours=1)
    )
    yield campaign
    web_common._cache.clear()


def _statements(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))
    ]


def _claim(client, campaign, user, key: str):
    return client.post(
        f"/vouchers/api/campaigns/{campaign.pk}/claim",
        data=b"{}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {resident_token(user)}", "Idempotency-Key": key},
    )


def _measure(client, campaign, users) -> tuple[list[str], list[str]]:
    alice, bob, carol = users
    assert _claim(client, campaign, alice, "warm").status_code == 201  # caches the campaign
    with CaptureQueriesContext(connection) as won:
        assert _claim(client, campaign, bob, "b1").status_code == 201
    with CaptureQueriesContext(connection) as lost:
        resp = _claim(client, campaign, carol, "c1")
    assert resp.status_code == 422 and resp.json()["error"] == "sold_out"
    return _statements(won.captured_queries), _statements(lost.captured_queries)


def test_a_claim_sends_a_bounded_number_of_sql_statements(client, release, alice, bob, carol):
    success, rejection = _measure(client, release, (alice, bob, carol))
    most_success, most_rejection = BOUNDS[connection.vendor]
    assert len(success) <= most_success, success
    assert len(rejection) <= most_rejection, rejection
    assert Voucher.objects.filter(campaign=release, state="claimed").count() == 2


def test_through_the_gate_a_claim_sends_no_more_sql(
    client, release, alice, bob, carol, redis_url, settings
):
    settings.REDIS_URL = redis_url
    gate_mod.get_gate(redis_url).load(release)
    success, rejection = _measure(client, release, (alice, bob, carol))
    most_success, most_rejection = GATE_BOUNDS[connection.vendor]
    assert len(success) <= most_success, success
    assert len(rejection) <= most_rejection, rejection
    assert gate_mod.get_gate(redis_url).pending_count(release.pk) == 0
    # A retry of bob's claim after the sell-out still gets bob's voucher back.
    again = _claim(client, release, bob, "b1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"


@pytest.fixture
def _keep_test_connection():
    """The real WSGI handlers close the database connection around each request, which would
    close the test's own transaction; Django's test client switches that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _lean_client() -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=application), base_url="http://testserver"
    )


def test_token_claims_take_the_lean_path_and_answer_the_same(
    release, alice, bob, _keep_test_connection
):
    url = f"/vouchers/api/campaigns/{release.pk}/claim"
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": url, "HTTP_AUTHORIZATION": "Bearer x"}
    assert is_token_claim(env)
    assert not is_token_claim({**env, "REQUEST_METHOD": "GET"})
    assert not is_token_claim({**env, "HTTP_AUTHORIZATION": ""})
    assert not is_token_claim({**env, "PATH_INFO": url + "/../../admin/"})
    with _lean_client() as http:
        headers = {"Authorization": f"Bearer {resident_token(alice)}", "Idempotency-Key": "a1"}
        first = http.post(url, content=b"{}", headers=headers)
        again = http.post(url, content=b"{}", headers=headers)
        forged = http.post(url, content=b"{}", headers={**headers, "Authorization": "Bearer no"})
        bad_host = http.post(url, content=b"{}", headers={**headers, "Host": "evil.example"})
    assert first.status_code == 201
    assert first.headers["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == first.json()["code"]
    assert forged.status_code == 401 and forged.json()["error"] == "unauthenticated"
    assert bad_host.status_code == 400  # ALLOWED_HOSTS is still enforced
    assert Voucher.objects.filter(owner=alice).count() == 1


def test_session_claims_still_go_through_csrf(release, bob, _keep_test_connection):
    """A cookie-authenticated POST is not a token claim: the full stack and its CSRF check."""
    from django.test import Client

    session = Client()
    session.force_login(bob)
    cookie = session.cookies["sessionid"].value
    with _lean_client() as http:
        resp = http.post(
            f"/vouchers/api/campaigns/{release.pk}/claim",
            content=b"{}",
            headers={"Idempotency-Key": "s1", "Cookie": f"sessionid={cookie}"},
        )
    assert resp.status_code == 403 and resp.json()["error"] == "csrf"
    assert not Voucher.objects.filter(owner=bob).exists()


def test_a_claim_past_its_gate_deadline_is_rolled_back(release, alice, redis_url, settings):
    """The reconciler may already have handed a late reservation's stock back: the claim aborts
    before it commits, and the gate gets its stock and the person's counts back."""
    from policyledger.web.vouchers.services.claims import claim
    from policyledger.web.vouchers.services.errors import ClaimInProgress

    settings.REDIS_URL = redis_url
    settings.VOUCHERS_GATE_RESERVATION_MS = -1000  # every reservation is born late
    gate_mod._cache.gates.clear()
    try:
        gate = gate_mod.get_gate()
        gate.load(release)
        batch = release.batches.get()
        with pytest.raises(ClaimInProgress):
            claim(alice, release, idempotency_key="late", now=timezone.now())
        assert not Voucher.objects.filter(owner=alice).exists()
        assert release.claims.count() == 0
        assert gate.stock(release.pk, batch.pk) == 2 and gate.pending_count(release.pk) == 0
    finally:
        gate_mod._cache.gates.clear()
