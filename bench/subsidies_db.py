"""Database parts of the subsidies bench: the calculator page with 200 open programmes, and 50
simultaneous approvers (plus 50 simultaneous claims of one invoice) on PostgreSQL.

    .venv/bin/python bench/subsidies_db.py            # calculator on SQLite (in memory)
    DATABASE_URL=postgres://... .venv/bin/python bench/subsidies_db.py   # + approvers

bench/subsidies.py calls ``run(values)`` after its pure parts; run alone, this prints the same
``key: value`` lines for its own figures: ``calculator_p95_ms``, ``approvers``, ``overcommitted``
(fen committed beyond the budget or a region's cap; must be 0) and ``invoices_used_twice`` (must
be 0). A throwaway test database is created and dropped; nothing else is touched.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTORS = ["家电", "汽车", "餐饮", "零售", "文旅", "家居", "数码", "住宿"]
DEADLINE_S = 120


def fail(reason: str) -> None:
    print(f"bench/subsidies_db.py: {reason}", file=sys.stderr)
    sys.exit(2)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")
    os.environ.setdefault("POLICYLEDGER_VAR", str(ROOT / "var" / "bench"))
    try:
        import django
    except ImportError as exc:
        fail(f"missing dependency: {exc.name}")
    django.setup()


def _setup_database():
    from django.conf import settings
    from django.db import connection

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False
    old = connection.settings_dict["NAME"]
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    except Exception as exc:  # database down or no right to create one
        fail(f"cannot create a bench database: {exc}")
    return old


def _teardown_database(old_name) -> None:
    from django.db import connection

    connection.creation.destroy_test_db(old_name, verbosity=0)


def _programmes(n: int) -> None:
    from policyledger.web.subsidies.services import programmes as ps

    start = dt.date.today() - dt.timedelta(days=30)
    for i in range(n):
        sector = SECTORS[i % len(SECTORS)]
        if i % 4 == 3:
            p = ps.create_programme(
                name=f"活动组织补贴{i}",
                kind="fixed",
                budget_fen=200_0000_00,
                min_award_fen=1_0000_00,
                max_award_fen=10_0000_00,
            )
        else:
            p = ps.create_programme(
                name=f"{sector}消费补贴{i}",
                kind="rate",
                budget_fen=500_0000_00,
                rate_percent=Decimal(5 + i % 16),
                max_award_fen=(1000 + 100 * (i % 20)) * 100,
                sectors=[sector],
            )
        ps.install_default_rule(p, effective_from=start)
        ps.open_programme(p)


def calculator_p95_ms(programmes: int = 200, requests: int = 60) -> dict[str, Any]:
    """p95 of the public calculator page (GET with a profile) over ``programmes`` open ones."""
    from django.test import Client

    from policyledger.web.subsidies.models import Programme

    if Programme.objects.filter(status="open").count() < programmes:
        _programmes(programmes)
    client = Client()
    times = []
    cpu = []
    offers = 0
    for i in range(requests + 5):
        params = {
            "applicant_kind": "person",
            "sector": SECTORS[i % len(SECTORS)],
            "amount": f"{2000 + 37 * i}.50",
            "participants": str(10 + i),
        }
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get("/subsidies/calculator/", params)
        elapsed = (time.perf_counter() - t0) * 1000
        cpu_ms = (time.process_time() - c0) * 1000
        if response.status_code != 200:
            fail(f"calculator page answered {response.status_code}")
        offers = response.content.decode().count('class="card offer"')
        if i >= 5:  # the first few warm the caches (compiled rules, templates)
            times.append(elapsed)
            cpu.append(cpu_ms)
    times.sort()
    cpu.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    cpu95 = cpu[int(len(cpu) * 0.95) - 1]
    print(
        f"calculator page, {programmes} open programmes: p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms wall (CPU of this process: p95 {cpu95:.1f} ms; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) over {len(times)} requests "
        f"({offers} offers on the last)"
    )
    return {"calculator_p95_ms": p95, "calculator_p95_cpu_ms": cpu95}


def _together(jobs) -> list[Any]:
    from django.db import connection

    barrier = threading.Barrier(len(jobs), timeout=DEADLINE_S)
    out: list[Any] = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            out[i] = job()
        except Exception as exc:
            out[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE_S)
    if any(t.is_alive() for t in threads):
        fail("an approver did not finish before the deadline")
    return out


def approvers(n: int = 50) -> dict[str, Any]:
    """``n`` approvers at once on one programme whose pool holds 10 awards (a region 5), and ``n``
    applicants claiming one invoice at once. Counts what went wrong (must be 0)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Sum

    from policyledger.web.subsidies.models import Application, RegionCap
    from policyledger.web.subsidies.services import applicants as applicant_service
    from policyledger.web.subsidies.services import applications as svc
    from policyledger.web.subsidies.services import programmes as ps
    from policyledger.web.subsidies.services.audit import audit
    from policyledger.web.subsidies.services.identity import uscc_check_char

    def code(serial: int) -> str:
        first17 = f"91320700{serial:08d}B"
        return first17 + uscc_check_char(first17)

    officer = get_user_model().objects.create_user("bench-officer", is_staff=True)
    programme = ps.create_programme(
        name="并发审批", kind="rate", budget_fen=1000_00, rate_percent=Decimal(10)
    )
    ps.install_default_rule(programme, effective_from=dt.date.today() - dt.timedelta(days=1))
    ps.open_programme(programme)
    RegionCap.objects.create(programme=programme, region="海州区", cap_fen=500_00)
    apps = []
    for i in range(n):
        applicant, _ = applicant_service.get_or_create(
            "enterprise", f"并发企业{i}", code(i), region="海州区" if i % 2 else "连云区"
        )
        apps.append(
            svc.submit(
                programme,
                applicant,
                figures={"price_fen": 1000_00},
                invoice_code="3207001234",
                invoice_number=f"{i:08d}",
            )
        )
    t0 = time.perf_counter()
    results = _together([lambda pk=a.pk: svc.approve(officer, pk) for a in apps])
    seconds = time.perf_counter() - t0
    approved = Application.objects.filter(programme=programme, status__in=svc.COMMITTED)
    total = approved.aggregate(s=Sum("awarded_fen"))["s"] or 0
    over = max(total - programme.budget_fen, 0)
    region = approved.filter(region="海州区").aggregate(s=Sum("awarded_fen"))["s"] or 0
    over += max(region - 500_00, 0)
    errors = [r for r in results if isinstance(r, Exception)]
    unexpected = [r for r in errors if type(r).__name__ not in ("BudgetExceeded", "NotAllowed")]
    # 50 applicants, one invoice, at once.
    rivals = [
        applicant_service.get_or_create("enterprise", f"抢发票{i}", code(1000 + i))[0]
        for i in range(n)
    ]
    claims = _together(
        [
            lambda a=a: svc.submit(
                programme,
                a,
                figures={"price_fen": 1000_00},
                invoice_code="3207009999",
                invoice_number="88888888",
            )
            for a in rivals
        ]
    )
    twice = (
        Application.objects.filter(status__in=svc.LIVE)
        .exclude(invoice_number="")
        .values("invoice_code", "invoice_number")
        .annotate(k=Count("id"))
        .filter(k__gt=1)
        .count()
    )
    wins = sum(isinstance(c, Application) for c in claims)
    problems = audit()
    print(
        f"{n} simultaneous approvers: {approved.count()} approved ({total / 100:.2f} 元 of "
        f"{programme.budget_fen / 100:.2f} 元), {len(errors)} refused, {len(unexpected)} unexpected "
        f"errors, {seconds:.2f} s; {n} claims of one invoice: {wins} accepted; audit: "
        f"{problems or 'clean'}"
    )
    if unexpected:
        print(f"unexpected: {unexpected[:3]}", file=sys.stderr)
    return {
        "approvers": n,
        "overcommitted": over + (1 if any("超额" in p for p in problems) else 0),
        "invoices_used_twice": twice + max(wins - 1, 0),
    }


def run(values: dict[str, Any], *, programmes: int = 200, approvers_n: int = 50) -> None:
    """Fill ``values`` with the database figures (approvers only on PostgreSQL)."""
    _django()
    from django.db import connection

    old = _setup_database()
    try:
        values.update(calculator_p95_ms(programmes))
        if connection.vendor == "postgresql":
            values.update(approvers(approvers_n))
        else:
            print("approvers: n/a (set DATABASE_URL to a PostgreSQL database to measure them)")
    finally:
        _teardown_database(old)


def main() -> int:
    values: dict[str, Any] = {}
    run(values)
    for key in (
        "calculator_p95_ms",
        "calculator_p95_cpu_ms",
        "approvers",
        "overcommitted",
        "invoices_used_twice",
    ):
        value = values.get(key)
        text = (
            "n/a" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))
        )
        print(f"{key}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
