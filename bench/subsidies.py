"""Subsidy rules at scale: what-if over 10 million invoices, zen-engine's batch, explained decisions.

    .venv/bin/python bench/subsidies.py [--quick] [--full-zen]

The pure parts (this file's functions) need no database; the subsidies app adds the database parts
(calculator page, simultaneous approvers) as more functions and fills their summary lines, which print
``n/a`` until then. The run ends with ``key: value`` lines:

- ``whatif_10m_seconds``: one ``whatif()`` call (baseline and scenario, both compiled to numpy, by
  district, pool run-out in submission order) over 10,000,000 generated Jinan trade-in invoices;
- ``zen_batch_1m_seconds``: zen-engine's fastest mode (``evaluate_batch``, ``evaluate(key)`` in a
  loop or ``ZenDecision.evaluate``, timed on 3,000 invoices first; ``zen_batch_mode`` names it) on
  the first 1,000,000 of the same invoices; by default measured on as many as fit in
  ``--zen-budget`` seconds and extrapolated (``zen_batch_measured`` says how many), ``--full-zen``
  evaluates all of them;
- ``zen_ratio``: zen's seconds per invoice over the compiled seconds per invoice and rule;
- ``*_cpu_seconds`` / ``zen_ratio_cpu``: the same in CPU seconds of this process, which the other
  load on a shared machine does not inflate (the wall figures are the targets);
- ``sample_totals_equal``: compiled amounts and eligibility == zen-engine's on a 100,000-invoice sample;
- ``decision_p95_ms``: one explained decision (``evaluate`` with trace) p95;
- ``calculator_core_p95_ms``: ``match_programmes`` over 200 open programmes (no page, no database).

Fails fast (exit 2, reason printed) when numpy, zen-engine or the rule file is missing; a whole-run
alarm stops it rather than let it hang.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RULE_FILE = ROOT / "src" / "policyledger" / "rules" / "data" / "jinan-appliance-tradein-2025.json"
GROUPING = ("district", "submitted_at")

# Filled by the subsidies app's database benches (bench functions registered by name).
PLACEHOLDERS = (
    "calculator_p95_ms",
    "calculator_p95_cpu_ms",
    "approvers",
    "overcommitted",
    "invoices_used_twice",
)


def fail(reason: str) -> None:
    print(f"bench/subsidies.py: {reason}", file=sys.stderr)
    sys.exit(2)


def check_dependencies() -> None:
    try:
        import numpy  # noqa: F401
        import zen  # noqa: F401

        import policyledger.rules  # noqa: F401
    except ImportError as exc:
        fail(f"missing dependency: {exc.name} (run .venv/bin/pip install -e '.[test]')")
    if not RULE_FILE.exists():
        fail(f"rule file not found: {RULE_FILE}")


def rules() -> tuple[dict, dict]:
    """The Jinan 2025 rule (baseline) and a scenario: 1500元 per item, grade 1 at 18%."""
    from policyledger.rules import RuleSet

    baseline = RuleSet.load(RULE_FILE).versions[0].jdm
    scenario = json.loads(json.dumps(baseline))
    for row in scenario["nodes"][1]["content"]["rules"]:
        if row.get("out_item_cap_fen") == "200000":
            row["out_item_cap_fen"] = "150000"
            row["out_item_cap_label"] = '"每件补贴上限1500元"'
        if row.get("out_rate") == "0.2":
            row["out_rate"] = "0.18"
    return baseline, scenario


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def timed_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds of this process (the CPU figure is what the machine's other load
    cannot inflate; both are reported)."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall0, time.process_time() - cpu0, result


def bench_whatif(n: int, budget_fen: int = 30_000_000_000) -> dict[str, Any]:
    """Seconds for one what-if over ``n`` generated invoices (generation not counted)."""
    from policyledger.rules.population import appliance_invoices
    from policyledger.rules.whatif import whatif

    baseline, scenario = rules()
    gen_s, population = timed(lambda: appliance_invoices(n, seed=2025))
    whatif(baseline, scenario, appliance_invoices(1_000, seed=1), budget_fen)  # compile, warm up
    seconds, cpu, result = timed_cpu(lambda: whatif(baseline, scenario, population, budget_fen))
    return {"seconds": seconds, "cpu": cpu, "generate_seconds": gen_s, "n": n, "result": result}


def zen_run(
    jdm: dict, records: list[dict], mode: str = "batch", chunk: int = 20_000
) -> tuple[float, list[int], list[bool]]:
    """zen-engine over ``records`` in one of its modes, amounts read exactly (decimal text):
    ``batch`` (``ZenEngine.evaluate_batch``), ``loop`` (``ZenEngine.evaluate(key)`` through a
    loader) or ``decision`` (``ZenDecision.evaluate``)."""
    import zen

    from policyledger.rules.engine import EXACT_PREFIX, _with_exact_node
    from policyledger.rules.money import decimal_text_to_fen

    content = _with_exact_node(jdm)
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"r": content}}})
    decision = engine.create_decision(json.dumps(content))
    outputs: list[dict] = []
    elapsed = 0.0
    cpu = 0.0
    for start in range(0, len(records), chunk):
        part = records[start : start + chunk]
        t0, c0 = time.perf_counter(), time.process_time()
        if mode == "batch":
            results = engine.evaluate_batch([{"key": "r", "context": r} for r in part])
        elif mode == "loop":
            results = [{"success": True, "data": engine.evaluate("r", r)} for r in part]
        else:
            results = [{"success": True, "data": decision.evaluate(r)} for r in part]
        elapsed += time.perf_counter() - t0
        cpu += time.process_time() - c0
        for res in results:
            if not res.get("success"):
                fail(f"zen-engine failed on a record: {res.get('error')}")
            outputs.append(res["data"]["result"])
    amounts: list[int] = []
    eligible: list[bool] = []
    for out in outputs:
        ok = bool(out.get("eligible"))
        amounts.append(
            decimal_text_to_fen(out[f"{EXACT_PREFIX}amount_fen"], "amount_fen") if ok else 0
        )
        eligible.append(ok)
    zen_run.cpu = cpu  # type: ignore[attr-defined]
    return elapsed, amounts, eligible


def fastest_zen_mode(jdm: dict, records: list[dict]) -> tuple[str, dict[str, float]]:
    """Time each zen mode on the same records; the fastest is used for the 1M run."""
    per = {}
    for mode in ("batch", "loop", "decision"):
        seconds, _, _ = zen_run(jdm, records, mode)
        per[mode] = seconds / len(records) * 1e6
    return min(per, key=per.__getitem__), per


def bench_zen_and_sample(n: int, sample: int, budget_s: float, full: bool) -> dict[str, Any]:
    """zen's batch on the first ``n`` invoices (within ``budget_s`` unless ``full``) and the
    compiled == zen check on the first ``sample`` of them."""
    import numpy as np

    from policyledger.rules.compile import decide_vector
    from policyledger.rules.population import appliance_invoices, rows, take

    baseline, _ = rules()
    population = appliance_invoices(n, seed=2025)
    mode, per_mode = fastest_zen_mode(
        baseline, rows(population, np.arange(min(n, 3_000)), skip=GROUPING)
    )
    step = 50_000
    measured = 0
    zen_s = 0.0
    zen_cpu = 0.0
    zen_amounts: list[int] = []
    zen_eligible: list[bool] = []
    while measured < n:
        upto = min(n, measured + step)
        records = rows(population, np.arange(measured, upto), skip=GROUPING)
        seconds, amounts, eligible = zen_run(baseline, records, mode)
        zen_s += seconds
        zen_cpu += zen_run.cpu  # type: ignore[attr-defined]
        zen_amounts += amounts
        zen_eligible += eligible
        measured = upto
        if not full and measured >= sample and zen_s > budget_s:
            break
    sample = min(sample, measured)
    part = take(population, np.arange(sample))
    compiled = decide_vector(baseline, {k: v for k, v in part.items() if k not in GROUPING})
    equal = (
        int(compiled["amount_fen"].sum()) == sum(zen_amounts[:sample])
        and list(compiled["amount_fen"]) == zen_amounts[:sample]
        and list(compiled["eligible"]) == zen_eligible[:sample]
    )
    return {
        "mode": mode,
        "per_mode_us": per_mode,
        "zen_seconds_measured": zen_s,
        "measured": measured,
        "zen_1m_seconds": zen_s * (1_000_000 / measured),
        "zen_1m_cpu": zen_cpu * (1_000_000 / measured),
        "sample": sample,
        "sample_total_fen": sum(zen_amounts[:sample]),
        "sample_equal": equal,
    }


def bench_decision_p95(k: int = 1_000) -> dict[str, Any]:
    """p95 of one explained decision (``evaluate`` with trace) on varied invoices, warm cache."""
    import numpy as np

    from policyledger.rules import evaluate
    from policyledger.rules.population import appliance_invoices, rows

    baseline, _ = rules()
    records = rows(appliance_invoices(k, seed=9), np.arange(k), skip=GROUPING)
    evaluate(baseline, records[0])
    times = []
    cpu_times = []
    for record in records:
        t0, c0 = time.perf_counter(), time.thread_time()
        decision = evaluate(baseline, record)
        cpu_times.append((time.thread_time() - c0) * 1000)
        times.append((time.perf_counter() - t0) * 1000)
        assert decision.trace
    times.sort()
    cpu_times.sort()
    return {
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "p50_ms": statistics.median(times),
        "p95_cpu_ms": cpu_times[int(len(cpu_times) * 0.95) - 1],
    }


def bench_calculator_core(programmes: int = 200, profiles: int = 60) -> dict[str, float]:
    """p95 of ``match_programmes`` (the calculator's core, no page) over ``programmes`` open
    programmes of the four template kinds; the page figure (``calculator_p95_ms``) is the app's."""
    from decimal import Decimal

    from policyledger.rules import Programme, match_programmes, templates
    from policyledger.rules.templates import RateRow, Tier

    baseline, _ = rules()
    progs = []
    for i in range(programmes):
        kind = i % 4
        if kind == 0:
            jdm = (
                baseline
                if i == 0
                else templates.rate_with_caps(
                    f"项目{i}",
                    [("category", "产品类别")],
                    [
                        RateRow(
                            {"category": ["电冰箱", "空调"][i % 2]},
                            Decimal(i % 20 + 1) / 100,
                            f"项目{i}",
                            200_000,
                        )
                    ],
                )
            )
        elif kind == 1:
            jdm = templates.fixed_award(
                f"项目{i}",
                "merchants",
                "商户数",
                [Tier(10 + i, 1_000_000)],
                min_fen=1_000_000,
                max_fen=10_000_000,
            )
        elif kind == 2:
            jdm = templates.ranking_award(f"项目{i}", "销售额", [2_000_000, 1_000_000])
        else:
            jdm = templates.matching_transfer(f"项目{i}", Decimal("0.2"), {"县": 400_000_000})
        progs.append(Programme(f"p{i}", f"项目{i}", jdm))
    profile = {
        "buyer_type": "个人消费者",
        "category": "空调",
        "efficiency_grade": "1级",
        "price_fen": 450_000,
        "items_claimed": 0,
        "approved": True,
        "merchants": 120,
        "rank": 1,
        "figure": 10,
    }
    match_programmes(profile, progs)  # register every rule once
    times = []
    for k in range(profiles):
        t0 = time.perf_counter()
        found = match_programmes({**profile, "price_fen": 100_000 + k * 997}, progs)
        times.append((time.perf_counter() - t0) * 1000)
        assert found
    times.sort()
    return {"p95_ms": times[int(len(times) * 0.95) - 1]}


def bench_zen_overhead(k: int = 2_000) -> dict[str, float]:
    """zen-engine 2.1.x per-call cost from Python on a one-expression rule (docs/dependencies.md)."""
    import zen

    jdm = {
        "nodes": [
            {"id": "i", "type": "inputNode", "name": "i", "position": {"x": 0, "y": 0}},
            {
                "id": "e",
                "type": "expressionNode",
                "name": "e",
                "position": {"x": 0, "y": 0},
                "content": {"expressions": [{"id": "x", "key": "y", "value": "x + 1"}]},
            },
            {"id": "o", "type": "outputNode", "name": "o", "position": {"x": 0, "y": 0}},
        ],
        "edges": [
            {"id": "a", "sourceId": "i", "targetId": "e"},
            {"id": "b", "sourceId": "e", "targetId": "o"},
        ],
    }
    decision = zen.ZenEngine().create_decision(json.dumps(jdm))
    seconds, _ = timed(lambda: [decision.evaluate({"x": i}) for i in range(k)])
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"r": jdm}}})
    requests = [{"key": "r", "context": {"x": i}} for i in range(k)]
    batch_s, _ = timed(lambda: engine.evaluate_batch(requests))
    keyed_s, _ = timed(lambda: [engine.evaluate("r", {"x": i}) for i in range(k)])
    return {
        "call_us": seconds / k * 1e6,
        "keyed_us": keyed_s / k * 1e6,
        "batch_us": batch_s / k * 1e6,
    }


def summary(values: dict[str, Any]) -> None:
    """The ``key: value`` lines a script reads (n/a where a figure was not measured)."""
    keys = (
        "whatif_10m_seconds",
        "whatif_10m_cpu_seconds",
        "zen_batch_1m_seconds",
        "zen_batch_1m_cpu_seconds",
        "zen_batch_measured",
        "zen_batch_mode",
        "zen_ratio",
        "zen_ratio_cpu",
        "sample_totals_equal",
        "decision_p95_ms",
        "decision_p95_cpu_ms",
        "calculator_core_p95_ms",
        "zen_call_overhead_us",
        "zen_keyed_call_us",
        *PLACEHOLDERS,
    )
    for key in keys:
        value = values.get(key)
        if value is None:
            text = "n/a"
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, float):
            text = f"{value:.3f}" if value < 100 else f"{value:.1f}"
        else:
            text = str(value)
        print(f"{key}: {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (tests): 200k / 20k / 5k")
    parser.add_argument("--whatif-n", type=int, default=10_000_000)
    parser.add_argument("--zen-n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument(
        "--zen-budget", type=float, default=45.0, help="seconds of zen batch before extrapolating"
    )
    parser.add_argument(
        "--full-zen", action="store_true", help="evaluate all --zen-n invoices with zen"
    )
    parser.add_argument("--timeout", type=int, default=600, help="whole-run alarm in seconds")
    parser.add_argument(
        "--no-db", action="store_true", help="skip the database parts (bench/subsidies_db.py)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.whatif_n, args.zen_n, args.sample, args.zen_budget = 200_000, 20_000, 5_000, 5.0
        args.no_db = True  # the database parts build 200 programmes: minutes, not a quick run
    check_dependencies()

    def alarm(signum: int, frame: Any) -> None:
        fail(f"timed out after {args.timeout} s")

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(args.timeout)

    values: dict[str, Any] = {}
    w = bench_whatif(args.whatif_n)
    scale = 10_000_000 / args.whatif_n
    values["whatif_10m_seconds"] = w["seconds"] * scale
    values["whatif_10m_cpu_seconds"] = w["cpu"] * scale
    b, s = w["result"].baseline, w["result"].scenario
    print(
        f"what-if over {args.whatif_n:,} invoices: {w['seconds']:.2f} s wall, {w['cpu']:.2f} s CPU "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; generated in "
        f"{w['generate_seconds']:.2f} s); baseline cost {b.total_cost_fen / 100:,.2f} 元, "
        f"scenario {s.total_cost_fen / 100:,.2f} 元, served {b.people_served:,} / {s.people_served:,}"
    )
    z = bench_zen_and_sample(args.zen_n, args.sample, args.zen_budget, args.full_zen)
    values["zen_batch_1m_seconds"] = z["zen_1m_seconds"]
    values["zen_batch_1m_cpu_seconds"] = z["zen_1m_cpu"]
    values["zen_batch_measured"] = z["measured"]
    values["zen_batch_mode"] = z["mode"]
    per_zen = z["zen_1m_seconds"] / 1_000_000
    per_compiled = w["seconds"] / (2 * args.whatif_n)  # two rules per what-if
    values["zen_ratio"] = per_zen / per_compiled
    values["zen_ratio_cpu"] = (z["zen_1m_cpu"] / 1_000_000) / (w["cpu"] / (2 * args.whatif_n))
    values["sample_totals_equal"] = z["sample_equal"]
    print(
        "zen-engine per invoice by mode (µs): "
        + ", ".join(f"{k} {v:.0f}" for k, v in z["per_mode_us"].items())
        + f"; {z['mode']}: {z['measured']:,} invoices in {z['zen_seconds_measured']:.1f} s; "
        f"sample of {z['sample']:,}: total {z['sample_total_fen'] / 100:,.2f} 元, equal={z['sample_equal']}"
    )
    d = bench_decision_p95(1_000 if not args.quick else 200)
    values["decision_p95_ms"] = d["p95_ms"]
    values["decision_p95_cpu_ms"] = d["p95_cpu_ms"]
    values["calculator_core_p95_ms"] = bench_calculator_core(200, 60 if not args.quick else 10)[
        "p95_ms"
    ]
    o = bench_zen_overhead(2_000 if not args.quick else 300)
    values["zen_call_overhead_us"] = o["call_us"]
    values["zen_keyed_call_us"] = o["keyed_us"]
    print(
        f"explained decision p50 {d['p50_ms']:.2f} ms; zen per call (one-expression rule): "
        f"ZenDecision.evaluate {o['call_us']:.0f} µs, ZenEngine.evaluate(key) {o['keyed_us']:.0f} µs, "
        f"in a batch {o['batch_us']:.0f} µs"
    )
    if not args.no_db:
        # The subsidies app's database figures (bench/subsidies_db.py): the calculator page with
        # 200 open programmes; 50 simultaneous approvers on PostgreSQL when DATABASE_URL is set.
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import subsidies_db

        subsidies_db.run(values)
    signal.alarm(0)
    summary(values)
    ok = values["sample_totals_equal"] and not values.get("overcommitted")
    return 0 if ok and not values.get("invoices_used_twice") else 1


if __name__ == "__main__":
    sys.exit(main())
