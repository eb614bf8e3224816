"""What-if totals by hand, pool run-out in submission order, and the calculator's matching."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_jdm import chain, expr_node

from policyledger.rules import RuleError, evaluate, templates
from policyledger.rules.compile import Categorical
from policyledger.rules.population import appliance_invoices, rows
from policyledger.rules.whatif import Programme, match_programmes, scenario_totals, whatif


def capped(rate: str) -> dict:
    return chain(
        expr_node(
            "calc",
            ("raw_fen", f"round(price_fen * {rate})"),
            ("amount_fen", "min([$.raw_fen, 500])"),
            ("eligible", "$.amount_fen > 0"),
        )
    )


# six applications, submitted out of row order
POPULATION = {
    "price_fen": np.asarray([1000, 3000, 9000, 0, 2000, 4000], dtype=np.int64),
    "district": Categorical(np.asarray([0, 1, 0, 1, 0, 1]), ["A区", "B区"]),
    "submitted_at": np.asarray([5, 1, 3, 2, 4, 6], dtype=np.int64),
}


def test_baseline_totals_by_hand() -> None:
    t = scenario_totals(capped("0.1"), POPULATION, 1000)
    # entitlements 100, 300, 500 (900 capped), 0, 200, 400; in submission order
    # 300, 0, 500, 200 | 100, 400: the pool of 1000 is out at the application submitted at 5
    assert (t.total_cost_fen, t.funded_fen, t.eligible, t.people_served) == (1500, 1000, 5, 3)
    assert t.share_of_budget == Decimal("1.5000")
    assert (t.runs_out_at, t.runs_out_after) == (5, 3)
    assert t.by_group["A区"].cost_fen == 800 and t.by_group["A区"].funded_fen == 700
    assert (t.by_group["A区"].eligible, t.by_group["A区"].served) == (3, 2)
    assert (t.by_group["B区"].cost_fen, t.by_group["B区"].funded_fen, t.by_group["B区"].served) == (
        700,
        300,
        1,
    )


def test_side_by_side_scenario() -> None:
    w = whatif(capped("0.1"), capped("0.2"), POPULATION, 1000, by="district")
    s = w.scenario
    # 200, 500, 500, 0, 400, 500: order 500, 0, 500 | 400 ... out at the one submitted at 4
    assert (s.total_cost_fen, s.funded_fen, s.people_served) == (2100, 1000, 2)
    assert (s.runs_out_at, s.runs_out_after) == (4, 2)
    assert s.share_of_budget == Decimal("2.1000")
    table = dict((label, (b, sc)) for label, b, sc in w.table())
    assert table["总成本（元）"] == ("15.00", "21.00")
    assert table["资金用完于"] == ("第4笔（5）", "第3笔（4）")
    assert "A区：预算内兑付（元）" in table


def test_a_budget_that_is_never_exhausted() -> None:
    t = scenario_totals(capped("0.1"), POPULATION, 10_000)
    assert (t.funded_fen, t.runs_out_at, t.runs_out_after) == (1500, None, None)


def test_scenario_budget_can_differ() -> None:
    w = whatif(capped("0.1"), capped("0.1"), POPULATION, 1000, scenario_budget_fen=1500)
    assert w.baseline.funded_fen == 1000 and w.scenario.funded_fen == 1500


@pytest.mark.parametrize("budget", [0, -5, 10.5, True])
def test_bad_budget_is_refused(budget) -> None:
    with pytest.raises(RuleError, match="预算"):
        scenario_totals(capped("0.1"), POPULATION, budget)


def test_missing_group_column_is_refused() -> None:
    with pytest.raises(RuleError, match="分组列"):
        scenario_totals(capped("0.1"), POPULATION, 1000, by="street")


def test_whatif_totals_equal_zen_engine(jinan) -> None:
    jdm = jinan.versions[0].jdm
    pop = appliance_invoices(1_500, seed=3)
    t = scenario_totals(jdm, pop, 10**9)
    recs = rows(pop, np.arange(1_500), skip=("district", "submitted_at"))
    decisions = [evaluate(jdm, r, trace=False) for r in recs]
    assert t.total_cost_fen == sum(d.amount_fen for d in decisions)
    assert t.eligible == sum(d.eligible for d in decisions)


# --- calculator ------------------------------------------------------------------------------


def programmes(jinan) -> list[Programme]:
    return [
        Programme("jinan", "家电以旧换新", jinan.versions[0].jdm, "济南细则第二条"),
        Programme(
            "transfer",
            "促消费奖补",
            templates.matching_transfer("促消费奖补", Decimal("0.2"), {"县": 400 * 1_000_000}),
        ),
        Programme(
            "award",
            "活动组织补贴",
            templates.fixed_award(
                "活动组织补贴",
                "merchants",
                "商户数",
                [templates.Tier(10, 1_000_000)],
                min_fen=1_000_000,
                max_fen=10_000_000,
            ),
        ),
        Programme(
            "flat",
            "每单10元",
            chain(expr_node("c", ("amount_fen", "1000"), ("reason", '"每单10元"'))),
        ),
        Programme(
            "broken",
            "缺字段即出错",
            chain(expr_node("c", ("amount_fen", "round(missing_fen - 1)"))),
        ),
    ]


def test_calculator_lists_every_programme_that_applies(jinan) -> None:
    profile = {
        "buyer_type": "个人消费者",
        "category": "电冰箱",
        "efficiency_grade": "1级",
        "price_fen": 399_900,
        "items_claimed": 0,
    }
    found = match_programmes(profile, programmes(jinan))
    assert [(m.programme.id, m.amount_fen) for m in found] == [("jinan", 79_980), ("flat", 1_000)]
    assert "另加5%" in found[0].reason and found[0].programme.clause == "济南细则第二条"


def test_calculator_for_an_enterprise(jinan) -> None:
    profile = {
        "buyer_type": "企业",
        "approved": True,
        "merchants": 12,
        "price_fen": 1,
        "items_claimed": 0,
    }
    found = match_programmes(profile, programmes(jinan))
    assert [(m.programme.id, m.amount_fen) for m in found] == [
        ("award", 1_000_000),
        ("flat", 1_000),
    ]


def test_calculator_refuses_float_profiles(jinan) -> None:
    with pytest.raises(RuleError, match="浮点"):
        match_programmes({"price_fen": 1.5}, programmes(jinan))


def test_an_uploaded_population_with_dates() -> None:
    from datetime import datetime

    from policyledger.rules.population import columns_from_records

    records = [
        {"price_fen": 3000, "district": "B区", "submitted_at": datetime(2025, 3, 1, 9, 0)},
        {"price_fen": 9000, "district": "A区", "submitted_at": datetime(2025, 3, 1, 8, 0)},
        {"price_fen": 4000, "district": "B区", "submitted_at": datetime(2025, 3, 2, 8, 0)},
    ]
    t = scenario_totals(capped("0.1"), columns_from_records(records), 800)
    # 500 (8:00), 300 (9:00) fill the pool; the one of 3月2日 is not paid
    assert (t.funded_fen, t.people_served) == (800, 2)
    assert t.runs_out_at == datetime(2025, 3, 2, 8, 0)


@pytest.mark.parametrize(
    ("records", "phrase"),
    [
        ([], "为空"),
        ([{"price_fen": 1.5}], "浮点"),
        ([{"price_fen": 1}, {"x": 2}], "缺少列"),
        ([{"price_fen": 1}, {"price_fen": "1"}], "不一致"),
    ],
)
def test_bad_uploads_are_refused(records, phrase: str) -> None:
    from policyledger.rules.population import columns_from_records

    with pytest.raises(RuleError, match=phrase):
        columns_from_records(records)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 5_000), min_size=1, max_size=60),
    st.integers(1, 100_000),
    st.randoms(use_true_random=False),
)
def test_the_pool_never_pays_more_than_the_budget(prices, budget, rnd) -> None:
    order = list(range(len(prices)))
    rnd.shuffle(order)
    population = {
        "price_fen": np.asarray(prices, dtype=np.int64),
        "district": Categorical(
            np.asarray([i % 3 for i in range(len(prices))]), ["甲", "乙", "丙"]
        ),
        "submitted_at": np.asarray(order, dtype=np.int64),
    }
    t = scenario_totals(capped("0.1"), population, budget)
    assert t.funded_fen <= budget
    assert sum(g.funded_fen for g in t.by_group.values()) == t.funded_fen
    assert sum(g.cost_fen for g in t.by_group.values()) == t.total_cost_fen
    # first come, first served: walk the applications in submission order by hand
    amounts = [min(round_half_up(Decimal(p) / 10), 500) for p in prices]
    paid = 0
    stopped = False
    for i in sorted(range(len(prices)), key=lambda i: order[i]):
        if not stopped and paid + amounts[i] <= budget:
            paid += amounts[i]
        elif amounts[i] > 0:
            stopped = True
    assert t.funded_fen == paid


def round_half_up(value: Decimal) -> int:
    from decimal import ROUND_HALF_UP

    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def test_parallel_and_sequential_runs_agree(jinan) -> None:
    from policyledger.rules.compile import compile_jdm

    pop = appliance_invoices(20_000, seed=8)
    compiled = compile_jdm(jinan.versions[0].jdm)
    a = whatif(compiled, compiled, pop, 10**8, parallel=True)  # the same object twice, too
    b = whatif(jinan.versions[0].jdm, jinan.versions[0].jdm, pop, 10**8, parallel=False)
    assert a == b and a.baseline == a.scenario
