"""validate_jdm names the wrong node; evaluate reads money exactly and explains itself."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from rules_jdm import chain, expr_node, node, table_node

from policyledger.rules import RuleError, evaluate, fen_to_yuan, validate_jdm, yuan_to_fen
from policyledger.rules.engine import EXACT_NODE_ID


def rate_rule() -> dict:
    return chain(
        table_node(
            "rates",
            ["category"],
            ["rate", "reason"],
            [
                (['"fridge"'], ["0.15", '"冰箱15%"']),
                (['"tv", "washer"'], ["0.1", '"电视洗衣机10%"']),
                ([""], ["0", '"不在范围"']),
            ],
        ),
        expr_node(
            "calc",
            ("amount_fen", "round(price_fen * rate)"),
            ("eligible", "rate > 0"),
        ),
    )


def test_a_valid_rule_passes() -> None:
    validate_jdm(rate_rule())


@pytest.mark.parametrize(
    ("mutate", "node_id", "phrase"),
    [
        (lambda j: j["nodes"][1].update(type="fancyNode"), "rates", "类型未知"),
        (lambda j: j["nodes"][1].update(type="functionNode"), "rates", "不允许"),
        (
            lambda j: j["nodes"][1]["content"]["rules"][0].update(i_category="> > 1"),
            "rates",
            "第1行",
        ),
        (lambda j: j["nodes"][1]["content"]["rules"][1].update(o_rate="0.1 +"), "rates", "第2行"),
        (lambda j: j["nodes"][1]["content"].update(hitPolicy="unique"), "rates", "命中策略"),
        (
            lambda j: j["nodes"][1]["content"]["rules"][0].update(i_missing='"x"'),
            "rates",
            "不存在的列",
        ),
        (
            lambda j: j["nodes"][2]["content"]["expressions"][0].update(value="round(price_fen *"),
            "calc",
            "amount_fen",
        ),
        (lambda j: j["nodes"][2]["content"]["expressions"][1].update(value=""), "calc", "不能为空"),
        (lambda j: j["edges"][0].update(targetId="ghost"), "ghost", "不存在的节点"),
        (lambda j: j["nodes"].append(node("rates", "expressionNode")), "rates", "重复"),
        (lambda j: j["nodes"].append(expr_node("orphan", ("a", "1"))), "orphan", "没有上游"),
        (lambda j: j["nodes"][2].pop("name"), "calc", "缺少名称"),
        (lambda j: j["edges"][1].pop("id"), "calc", "缺少 id"),
    ],
)
def test_errors_name_the_wrong_node(mutate, node_id: str, phrase: str) -> None:
    jdm = rate_rule()
    mutate(jdm)
    with pytest.raises(RuleError) as err:
        validate_jdm(jdm)
    assert err.value.node_id == node_id
    assert phrase in err.value.message


def test_a_cycle_is_refused_with_a_node() -> None:
    jdm = rate_rule()
    jdm["edges"].append({"id": "back", "sourceId": "calc", "targetId": "rates"})
    with pytest.raises(RuleError) as err:
        validate_jdm(jdm)
    assert err.value.node_id in {"rates", "calc", "out"}


@pytest.mark.parametrize("bad", [None, [], {"nodes": []}, {"nodes": [{"id": "a"}]}, {"edges": []}])
def test_malformed_structure_is_refused_in_chinese(bad) -> None:
    with pytest.raises(RuleError) as err:
        validate_jdm(bad)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)


def test_two_input_nodes_are_refused() -> None:
    jdm = rate_rule()
    jdm["nodes"].append(node("in2", "inputNode"))
    jdm["edges"].append({"id": "x", "sourceId": "in2", "targetId": "calc"})
    with pytest.raises(RuleError, match="输入节点"):
        validate_jdm(jdm)


def test_evaluate_explains_the_row_that_matched() -> None:
    d = evaluate(rate_rule(), {"category": "tv", "price_fen": 123457})
    assert d.amount_fen == 12346  # 12345.7 rounds up
    assert d.eligible and d.reason == "电视洗衣机10%" and d.cap_applied is None
    table = next(step for step in d.trace if step["node_id"] == "rates")
    assert table["matched"][0]["row"] == 2
    assert table["matched"][0]["conditions"] == {"category": '"tv", "washer"'}
    assert all(step["node_id"] != EXACT_NODE_ID for step in d.trace)


def test_not_eligible_pays_nothing_whatever_the_amount() -> None:
    jdm = chain(
        expr_node("calc", ("amount_fen", "500"), ("eligible", "false"), ("reason", '"不符合"'))
    )
    d = evaluate(jdm, {})
    assert (d.amount_fen, d.eligible, d.reason) == (0, False, "不符合")


# --- money is never float -------------------------------------------------------------------


def test_rounding_is_decimal_not_binary_float() -> None:
    # 100 * 1.005 = 100.5 exactly -> 101 (half away from zero); a float gives 100.49999999999999.
    assert round(100 * 1.005) == 100  # the float trap this test guards against
    jdm = chain(expr_node("calc", ("amount_fen", "round(price_fen * 1.005)")))
    assert evaluate(jdm, {"price_fen": 100}).amount_fen == 101


def test_point_one_plus_point_two_is_point_three() -> None:
    jdm = chain(
        expr_node(
            "calc", ("amount_fen", "(0.1 + 0.2 == 0.3) ? round(price_fen * (0.1 + 0.2)) : -1")
        )
    )
    assert evaluate(jdm, {"price_fen": 10}).amount_fen == 3


def test_large_amounts_survive_exactly() -> None:
    big = 123_456_789_012_345_678  # beyond 2**53: a float would change the last digits
    jdm = chain(expr_node("calc", ("amount_fen", "price_fen * 1"), ("cap_fen", "price_fen - 1")))
    d = evaluate(jdm, {"price_fen": big})
    assert d.amount_fen == big and d.outputs["cap_fen"] == big - 1
    assert float(big) != big


def test_half_away_from_zero_on_negative_amounts() -> None:
    jdm = chain(expr_node("calc", ("amount_fen", "round(x * 0.5)"), ("eligible", "true")))
    assert evaluate(jdm, {"x": -5}).amount_fen == -3


def test_a_fraction_of_a_fen_is_an_error_not_a_float() -> None:
    jdm = chain(expr_node("calc", ("amount_fen", "price_fen * 0.15")))
    with pytest.raises(RuleError, match="整数分"):
        evaluate(jdm, {"price_fen": 333})


def test_float_inputs_are_refused() -> None:
    with pytest.raises(RuleError, match="浮点"):
        evaluate(rate_rule(), {"category": "tv", "price_fen": 100.5})
    with pytest.raises(RuleError, match="浮点"):
        evaluate(rate_rule(), {"category": "tv", "nested": {"x": [0.1]}, "price_fen": 1})


def test_decimal_inputs_are_passed_with_all_their_digits() -> None:
    jdm = chain(expr_node("calc", ("amount_fen", "round(price_fen * r)")))
    d = evaluate(jdm, {"price_fen": 10**12, "r": Decimal("0.123456789")})
    assert d.amount_fen == 123_456_789_000
    assert not any(isinstance(v, float) for v in d.outputs.values())


def test_outputs_hold_no_float() -> None:
    d = evaluate(rate_rule(), {"category": "fridge", "price_fen": 1000})
    assert d.outputs["rate"] == Decimal("0.15")
    assert not any(isinstance(v, float) for v in d.outputs.values())


def test_an_evaluation_error_names_the_node() -> None:
    jdm = chain(expr_node("calc", ("amount_fen", "round(price_fen - missing)")))
    with pytest.raises(RuleError) as err:
        evaluate(jdm, {"price_fen": 1})
    assert err.value.node_id == "calc"


def test_evaluate_does_not_change_the_callers_jdm() -> None:
    jdm = rate_rule()
    before = copy.deepcopy(jdm)
    evaluate(jdm, {"category": "fridge", "price_fen": 1})
    assert jdm == before


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12.34", 1234), ("0.1", 10), ("1,000.00", 100000), (Decimal("0.3"), 30), (5, 500)],
)
def test_yuan_to_fen(text, fen: int) -> None:
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("bad", [0.1, "1.234", "abc", True, "NaN"])
def test_yuan_to_fen_refuses(bad) -> None:
    with pytest.raises(RuleError):
        yuan_to_fen(bad)


def test_fen_to_yuan() -> None:
    assert (
        fen_to_yuan(123456) == "1234.56" and fen_to_yuan(-5) == "-0.05" and fen_to_yuan(0) == "0.00"
    )


def test_concurrent_evaluations_of_many_rules_stay_correct(monkeypatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from policyledger.rules import engine

    monkeypatch.setattr(engine, "CACHE_SIZE", 4)  # force evictions while other threads evaluate

    def job(k: int) -> tuple[int, int]:
        jdm = chain(expr_node("calc", ("amount_fen", f"round(price_fen * 0.{k:02d})")))
        return k, evaluate(jdm, {"price_fen": 10_000}).amount_fen

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(job, [k % 40 + 1 for k in range(400)]))
    assert all(amount == k * 100 for k, amount in results)


def test_passed_through_inputs_keep_their_exact_values() -> None:
    big = 123_456_789_012_345_678
    d = evaluate(rate_rule(), {"category": "tv", "price_fen": big, "note": "原样"})
    assert d.outputs["price_fen"] == big and d.outputs["note"] == "原样"


def test_evaluate_many_equals_one_by_one(monkeypatch) -> None:
    from policyledger.rules import engine
    from policyledger.rules.engine import evaluate_many

    rules = [
        chain(expr_node("c", ("amount_fen", f"round(price_fen * 0.{k})"))) for k in range(1, 9)
    ]
    rules.append(chain(expr_node("c", ("amount_fen", "round(missing - 1)"))))  # fails on this input
    rules.append({"nodes": []})  # not a valid rule at all
    inputs = {"price_fen": 1234}
    got = evaluate_many(rules, inputs, trace=True)
    for rule, result in zip(rules[:8], got[:8], strict=True):
        assert result == evaluate(rule, inputs, trace=True)
    assert isinstance(got[8], RuleError) and got[8].node_id == "c"
    assert isinstance(got[9], RuleError)
    monkeypatch.setattr(engine, "CACHE_SIZE", 2)  # keys evicted while the batch is built
    again = evaluate_many(rules[:8], inputs)
    assert [d.amount_fen for d in again] == [(1234 * k + 5) // 10 for k in range(1, 9)]  # half up
