"""Firing simultaneous claim requests at a real server: shared by the concurrency tests of the
Django entry (test_vouchers_concurrency) and of the async entry (test_vouchers_claim_asgi)."""

from __future__ import annotations

import threading
import time

import httpx
from django.contrib.auth import get_user_model
from waiting import DEADLINE_S, join_all

from policyledger.web.vouchers.models import Batch, ResidentProfile, Voucher
from policyledger.web.vouchers.services.audit import audit


def users(n: int, prefix: str):
    User = get_user_model()
    User.objects.bulk_create(User(username=f"{prefix}{i}") for i in range(n))
    people = list(User.objects.filter(username__startswith=prefix).order_by("id"))
    ResidentProfile.objects.bulk_create(ResidentProfile(user=u, verified=True) for u in people)
    return people


def fire(url: str, requests: list[tuple[str, str]]) -> list[httpx.Response]:
    """POST all at once: one thread per (token, key), released together by a barrier."""
    barrier = threading.Barrier(len(requests), timeout=DEADLINE_S)
    out: list[httpx.Response | None] = [None] * len(requests)

    def run(i: int, token: str, key: str) -> None:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            for attempt in range(20):
                try:
                    out[i] = client.post(url, json={}, headers=headers)
                    return
                except httpx.TransportError:
                    # What a real client does: retry with the same Idempotency-Key.
                    time.sleep(0.05 * (attempt + 1))

    threads = [threading.Thread(target=run, args=(i, t, k)) for i, (t, k) in enumerate(requests)]
    for t in threads:
        t.start()
    join_all(threads)
    assert all(r is not None for r in out)
    return out  # type: ignore[return-value]


def check_no_oversell(campaign, responses, quantity):
    ok = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code == 422]
    assert len(ok) + len(refused) == len(responses), {r.status_code for r in responses}
    assert len(ok) == quantity
    assert {r.json()["error"] for r in refused} <= {"sold_out"}
    codes_ = [r.json()["code"] for r in ok]
    assert len(set(codes_)) == quantity  # no voucher acknowledged twice
    owned = Voucher.objects.filter(campaign=campaign, state="claimed")
    assert owned.count() == quantity
    assert set(owned.values_list("code", flat=True)) == set(codes_)  # every ack is in the ledger
    assert Batch.objects.get(campaign=campaign).claimed == quantity
    assert audit(campaign) == []
