"""The numpy compiler gives exactly what zen-engine gives (differential), or refuses clearly."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_jdm import chain, expr_node, table_node

from policyledger.rules import RuleError, evaluate, templates
from policyledger.rules.compile import Categorical, compile_jdm, decide_vector
from policyledger.rules.population import appliance_invoices, rows, take
from policyledger.rules.templates import RateRow, Tier

INPUT_SKIP = ("district", "submitted_at")


def columns_of(records: list[dict]) -> dict:
    cols: dict = {}
    for key in records[0]:
        values = [r[key] for r in records]
        if isinstance(values[0], str):
            cols[key] = Categorical.from_values(values)
        elif isinstance(values[0], bool):
            cols[key] = np.asarray(values, dtype=bool)
        else:
            cols[key] = np.asarray(values, dtype=np.int64)
    return cols


def assert_same(jdm: dict, records: list[dict], *, reason: bool = True) -> None:
    compiled = compile_jdm(jdm)
    got = decide_vector(compiled, columns_of(records), with_reason=reason)
    wants = [evaluate(jdm, record, trace=False) for record in records]
    for i, (record, want) in enumerate(zip(records, wants, strict=True)):
        assert int(got["amount_fen"][i]) == want.amount_fen, (record, want)
        assert bool(got["eligible"][i]) == want.eligible, (record, want)
        if reason:
            text = got["reason"].categories[got["reason"].codes[i]]
            assert text == want.reason, (record, text, want.reason)
    if reason and "cap_applied" in {k for d in compiled.defs for k in d}:
        caps = compiled.run(columns_of(records), ["cap_applied"])["cap_applied"]
        for i, (record, want) in enumerate(zip(records, wants, strict=True)):
            assert caps.categories[caps.codes[i]] == want.cap_applied, record


def test_jinan_on_a_seeded_population(jinan) -> None:
    pop = appliance_invoices(3_000, seed=7)
    recs = rows(pop, np.arange(3_000), skip=INPUT_SKIP)
    assert_same(jinan.versions[0].jdm, recs)


def test_jinan_compiled_totals_equal_zen_on_another_seed(jinan) -> None:
    jdm = jinan.versions[0].jdm
    pop = appliance_invoices(2_000, seed=11)
    got = decide_vector(
        jdm, {k: v for k, v in take(pop, slice(None)).items() if k not in INPUT_SKIP}
    )
    want = sum(
        evaluate(jdm, r, trace=False).amount_fen
        for r in rows(pop, np.arange(2_000), skip=INPUT_SKIP)
    )
    assert int(got["amount_fen"].sum()) == want > 0


rates = st.integers(0, 10_000).map(lambda k: Decimal(k).scaleb(-4))
caps = st.one_of(st.none(), st.integers(0, 10**9))
labels = st.sampled_from(["a", "b", "c"])


@st.composite
def rate_rules(draw):
    rows_ = []
    for _ in range(draw(st.integers(1, 4))):
        when = {}
        if draw(st.booleans()):
            when["kind"] = draw(st.lists(labels, min_size=1, max_size=3, unique=True))
        if draw(st.booleans()):
            when["grade"] = draw(st.sampled_from([1, 2, 3]))
        rate = draw(st.one_of(st.none(), rates))
        rows_.append(
            RateRow(
                when,
                rate,
                f"行{len(rows_) + 1}",
                draw(caps),
                draw(st.one_of(st.none(), st.integers(0, 3))),
            )
        )
    return templates.rate_with_caps(
        "随机",
        [("kind", "类别"), ("grade", "等级")],
        rows_,
        person_cap_fen=draw(caps),
        programme_cap_fen=draw(caps),
    )


records_st = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["a", "b", "c", "d"]),
            "grade": st.integers(0, 4),
            "price_fen": st.one_of(
                st.integers(0, 10**11), st.sampled_from([1, 3, 5, 10, 1010, 1333333])
            ),
            "items_claimed": st.integers(0, 4),
            "person_received_fen": st.integers(0, 10**8),
            "programme_used_fen": st.integers(0, 10**9),
        }
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rate_rules(), records_st)
def test_rate_template_differential(jdm, records) -> None:
    assert_same(jdm, records)


@settings(max_examples=25, deadline=None)
@given(
    rates.filter(lambda r: r > 0),
    st.integers(1, 10**10),
    st.integers(1, 10**10),
    st.lists(
        st.fixed_dictionaries(
            {
                "region_level": st.sampled_from(["省辖市", "县", "乡镇"]),
                "verified_spending_fen": st.integers(0, 10**12),
                "already_transferred_fen": st.integers(0, 10**10),
            }
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_matching_transfer_differential(share, city_cap, county_cap, records) -> None:
    jdm = templates.matching_transfer("随机", share, {"省辖市": city_cap, "县": county_cap})
    assert_same(jdm, records)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(0, 1000), min_size=1, max_size=4, unique=True),
    st.lists(
        st.fixed_dictionaries({"approved": st.booleans(), "merchants": st.integers(-5, 1200)}),
        min_size=1,
        max_size=20,
    ),
)
def test_fixed_award_differential(bounds, records) -> None:
    tiers = [Tier(b, 10_000 * (i + 1)) for i, b in enumerate(sorted(bounds))]
    jdm = templates.fixed_award(
        "随机", "merchants", "商户数", tiers, min_fen=10_000, max_fen=40_000
    )
    assert_same(jdm, records)


def test_ranking_differential() -> None:
    jdm = templates.ranking_award("随机", "销售额", [300, 200, 100], min_figure=10)
    recs = [{"rank": r, "figure": f} for r in range(0, 6) for f in (0, 9, 10, 11, 500)]
    assert_same(jdm, recs)


def test_functions_ranges_and_collect_differential() -> None:
    jdm = chain(
        table_node(
            "bonus",
            ["x", "tag"],
            ["b", "note"],
            [
                (["[0..100]", ""], ["7", '"低"']),
                (["(50..500)", '"v"'], ["x * 0.25", '"中"']),
                ([">= 300", '"v", "w"'], ["-3", '"高"']),
                (["< 0", ""], ["0", '"负"']),
            ],
            hit="collect",
            output_path="hits",
        ),
        expr_node(
            "calc",
            ("total", "sum(map(hits, #.b))"),
            ("n", "len(hits)"),
            (
                "amount_fen",
                "round($.total) + floor(x / 10) - ceil(x * 0.3) + trunc(-x * 0.07) + abs(-2)",
            ),
            ("extra", "max([min([x, 400]), (bonus_base ?? 5)]) % 7"),
            ("eligible", "$.n > 0 and not (x == 77) or x != x"),
            ("reason", '$.n > 1 ? "多项" + tag : (x >= 50 ? "单项" : "无")'),
        ),
    )
    recs = [
        {"x": x, "tag": t}
        for x in (-40, -1, 0, 1, 49, 50, 51, 77, 99, 100, 101, 299, 300, 499, 500, 501, 1234)
        for t in ("v", "w", "z")
    ]
    assert_same(jdm, recs)
    extra = compile_jdm(jdm).run(columns_of(recs), ["extra"])["extra"]
    for i, r in enumerate(recs):
        assert int(extra[i]) == int(evaluate(jdm, r, trace=False).outputs["extra"])


@pytest.mark.parametrize(
    ("jdm", "phrase"),
    [
        (chain(expr_node("c", ("amount_fen", "round(price_fen / 3)"))), "除法"),
        (chain(expr_node("c", ("amount_fen", "len(x)"))), "不支持向量化"),
        (chain(expr_node("c", ("amount_fen", "upper(name)"))), "不支持向量化"),
        (chain(table_node("t", ["x"], ["amount_fen"], [(["$ > 1"], ["1"])])), "无法向量化"),
        (
            chain(table_node("t", ["x"], ["amount_fen"], [(["1"], ["1"])], hit="collect")),
            "outputPath",
        ),
    ],
)
def test_unsupported_constructs_are_refused_with_the_node(jdm, phrase: str) -> None:
    with pytest.raises(RuleError, match=phrase) as err:
        decide_vector(
            jdm, {"price_fen": np.arange(3), "x": np.arange(3), "name": np.asarray(["a", "b", "c"])}
        )
    assert err.value.node_id in {"c", "t"}


def test_loop_mode_and_branches_are_refused() -> None:
    jdm = chain(expr_node("c", ("amount_fen", "1")))
    jdm["nodes"][1]["content"]["executionMode"] = "loop"
    with pytest.raises(RuleError, match="循环"):
        compile_jdm(jdm)
    jdm = chain(expr_node("a", ("amount_fen", "1")), expr_node("b", ("eligible", "true")))
    jdm["edges"].append({"id": "skip", "sourceId": "in", "targetId": "b"})
    with pytest.raises(RuleError, match="单链"):
        compile_jdm(jdm)


def test_a_table_without_a_catch_all_row_refuses_unmatched_records() -> None:
    jdm = chain(table_node("t", ["x"], ["amount_fen"], [(["> 1"], ["5"])]))
    assert list(decide_vector(jdm, {"x": np.asarray([2, 3])})["amount_fen"]) == [5, 5]
    with pytest.raises(RuleError, match="没有命中") as err:
        decide_vector(jdm, {"x": np.asarray([2, 0])})
    assert err.value.node_id == "t"


def test_overflow_is_refused_not_wrapped() -> None:
    jdm = chain(expr_node("c", ("amount_fen", "round(price_fen * 0.123456789)")))
    with pytest.raises(RuleError, match="int64"):
        decide_vector(jdm, {"price_fen": np.asarray([10**17])})
    assert (
        int(decide_vector(jdm, {"price_fen": np.asarray([10**9])})["amount_fen"][0]) == 123_456_789
    )


def test_float_columns_are_refused() -> None:
    jdm = chain(expr_node("c", ("amount_fen", "price_fen")))
    with pytest.raises(RuleError, match="浮点"):
        decide_vector(jdm, {"price_fen": np.asarray([0.1, 0.2])})


def test_point_one_plus_point_two_vectorised() -> None:
    jdm = chain(
        expr_node("c", ("amount_fen", "(0.1 + 0.2 == 0.3) ? round(price_fen * 1.005) : -1"))
    )
    assert list(decide_vector(jdm, {"price_fen": np.asarray([100, 1000])})["amount_fen"]) == [
        101,
        1005,
    ]


def test_string_of_a_number_matches_zen_digits() -> None:
    jdm = chain(
        expr_node(
            "c",
            ("amount_fen", "round(x * 0.15)"),
            (
                "reason",
                '"应补" + string(round(x * 0.15)) + "分，合计" + string(x * 3 - 1)',
            ),
        )
    )
    assert_same(jdm, [{"x": x} for x in (0, 1, 10, 333, 1_000_000, -7)])


@pytest.mark.parametrize("text", ["string(x / 100)", "string(x * 0.15)"])
def test_string_of_a_fraction_is_refused_rather_than_guessed(text: str) -> None:
    # zen shows 150/100 as "1.50" but 200000/100 as "2000", 0 x 0.15 as "0" but 10 x 0.15 as
    # "1.50": the compiler does not guess the engine's internal scale.
    jdm = chain(expr_node("c", ("amount_fen", "x"), ("reason", text)))
    with pytest.raises(RuleError, match="string"):
        decide_vector(jdm, {"x": np.asarray([150])}, with_reason=True)


def test_chunked_evaluation_equals_one_pass(jinan) -> None:
    jdm = jinan.versions[0].jdm
    pop = take(appliance_invoices(1_000, seed=5), slice(None))
    cols = {k: v for k, v in pop.items() if k not in INPUT_SKIP}
    whole = decide_vector(jdm, cols, with_reason=True, chunk_rows=10**6)
    chunked = decide_vector(jdm, cols, with_reason=True, chunk_rows=7)
    assert np.array_equal(whole["amount_fen"], chunked["amount_fen"])
    assert np.array_equal(whole["eligible"], chunked["eligible"])
    assert whole["reason"].values() == chunked["reason"].values()
    assert len(set(whole["reason"].values())) > 5
