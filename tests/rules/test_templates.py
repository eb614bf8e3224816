"""Each template against hand-computed examples: caps binding and not, tier edges, ranks, levels."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from policyledger.rules import RuleError, evaluate, templates, validate_jdm
from policyledger.rules.templates import RateRow, Raw, Tier

WAN = 1_000_000  # 1万元 in fen


@pytest.fixture(scope="module")
def rate_rule() -> dict:
    return templates.rate_with_caps(
        "节能家电补贴",
        [("category", "品类"), ("grade", "能效")],
        [
            RateRow(
                {"category": "空调", "grade": "1级"},
                D("0.20"),
                "空调1级20%",
                item_cap_fen=200_000,
                max_items=3,
            ),
            RateRow(
                {"grade": ["1级", "2级"]}, D("0.10"), "其他10%", item_cap_fen=100_000, max_items=1
            ),
            RateRow({"grade": Raw('"3级"')}, None, "3级不补"),
        ],
        person_cap_fen=300_000,
        programme_cap_fen=30 * WAN,
    )


def decide(rule: dict, **inputs) -> tuple[int, bool, str, str | None]:
    base = {"items_claimed": 0, "person_received_fen": 0, "programme_used_fen": 0}
    base.update(inputs)
    d = evaluate(rule, base)
    return d.amount_fen, d.eligible, d.reason, d.cap_applied


def test_rate_times_base_without_cap(rate_rule) -> None:
    # 5000.00元 x 20% = 1000.00元, below the 2000元 item cap
    assert decide(rate_rule, category="空调", grade="1级", price_fen=500_000) == (
        100_000,
        True,
        "空调1级20%",
        None,
    )


def test_rate_rounds_to_the_fen_half_away_from_zero(rate_rule) -> None:
    # 123.45元 x 10% = 12.345元 -> 12.35元
    assert decide(rate_rule, category="电视", grade="2级", price_fen=12_345)[0] == 1_235


def test_item_cap_binds(rate_rule) -> None:
    # 15000元 x 20% = 3000元 > 2000元
    amount, ok, reason, cap = decide(rate_rule, category="空调", grade="1级", price_fen=1_500_000)
    assert (amount, ok, cap) == (200_000, True, "每件补贴上限2000元")
    assert "封顶" in reason


def test_item_cap_exactly_reached_is_not_reported_as_binding(rate_rule) -> None:
    # 10000元 x 20% = 2000元 = the cap
    assert decide(rate_rule, category="空调", grade="1级", price_fen=1_000_000)[::3] == (
        200_000,
        None,
    )


def test_person_cap_binds(rate_rule) -> None:
    # 2500元 already received of 3000元: 1000元 due but only 500元 left
    amount, ok, _, cap = decide(
        rate_rule, category="空调", grade="1级", price_fen=500_000, person_received_fen=250_000
    )
    assert (amount, ok, cap) == (50_000, True, "每人补贴上限3000元")


def test_person_cap_used_up_is_not_eligible(rate_rule) -> None:
    amount, ok, reason, _ = decide(
        rate_rule, category="空调", grade="1级", price_fen=500_000, person_received_fen=300_000
    )
    assert (amount, ok) == (0, False) and "每人补贴上限3000元已用完" in reason


def test_programme_cap_binds(rate_rule) -> None:
    amount, ok, _, cap = decide(
        rate_rule,
        category="电视",
        grade="1级",
        price_fen=500_000,
        programme_used_fen=30 * WAN - 1_000,
    )
    assert (amount, ok, cap) == (1_000, True, "项目资金总额30万元")


def test_items_per_person_edge(rate_rule) -> None:
    assert decide(rate_rule, category="空调", grade="1级", price_fen=100_000, items_claimed=2)[
        :2
    ] == (20_000, True)
    amount, ok, reason, _ = decide(
        rate_rule, category="空调", grade="1级", price_fen=100_000, items_claimed=3
    )
    assert (amount, ok) == (0, False) and "件数已用完" in reason
    assert decide(rate_rule, category="电视", grade="1级", price_fen=100_000, items_claimed=1)[
        :2
    ] == (0, False)


def test_ineligible_row_and_default_row(rate_rule) -> None:
    assert decide(rate_rule, category="电视", grade="3级", price_fen=100_000)[:3] == (
        0,
        False,
        "3级不补",
    )
    assert decide(rate_rule, category="电视", grade="5级", price_fen=100_000)[:3] == (
        0,
        False,
        "不在补贴范围内",
    )


def test_rate_table_is_readable(rate_rule) -> None:
    table = rate_rule["nodes"][1]
    assert table["name"] == "补贴标准" and table["content"]["hitPolicy"] == "first"
    assert [c["name"] for c in table["content"]["inputs"]] == ["品类", "能效"]
    assert table["content"]["rules"][0]["_description"].startswith("20%")
    validate_jdm(rate_rule)


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"rows": [RateRow({}, 0.15, "x")]}, "Decimal"),  # float rate
        ({"rows": [RateRow({}, D("1.5"), "x")]}, "0 到 1"),
        ({"rows": [RateRow({}, D("0.1"), "x", item_cap_fen=-1)]}, "非负整数分"),
        ({"rows": [RateRow({"nope": 1}, D("0.1"), "x")]}, "不存在"),
        ({"rows": []}, "至少"),
    ],
)
def test_rate_builder_refuses_bad_parameters(kwargs, phrase: str) -> None:
    with pytest.raises(RuleError, match=phrase):
        templates.rate_with_caps("x", [("category", "品类")], **kwargs)


# --- fixed award, tiered ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def award_rule() -> dict:
    return templates.fixed_award(
        "活动组织补贴",
        "merchants",
        "参与商户数",
        [Tier(10, 1 * WAN), Tier(50, 5 * WAN), Tier(100, 10 * WAN)],
        min_fen=1 * WAN,
        max_fen=10 * WAN,
    )


@pytest.mark.parametrize(
    ("merchants", "amount"),
    [
        (9, 0),
        (10, 1 * WAN),
        (49, 1 * WAN),
        (50, 5 * WAN),
        (99, 5 * WAN),
        (100, 10 * WAN),
        (5000, 10 * WAN),
    ],
)
def test_tier_edges(award_rule, merchants: int, amount: int) -> None:
    d = evaluate(award_rule, {"approved": True, "merchants": merchants})
    assert d.amount_fen == amount and d.eligible == (amount > 0)


def test_unapproved_application_gets_nothing(award_rule) -> None:
    d = evaluate(award_rule, {"approved": False, "merchants": 500})
    assert (d.amount_fen, d.reason) == (0, "申请未通过审核")


def test_award_outside_the_range_is_refused() -> None:
    with pytest.raises(RuleError, match="超出范围"):
        templates.fixed_award(
            "x", "m", "商户数", [Tier(1, 11 * WAN)], min_fen=WAN, max_fen=10 * WAN
        )


# --- ranking ---------------------------------------------------------------------------------


def test_ranking_awards_top_n() -> None:
    rule = templates.ranking_award(
        "经销商销售奖励", "销售额", [20 * WAN, 15 * WAN, 10 * WAN, 5 * WAN, 5 * WAN], min_figure=1
    )
    figures = [300, 900, 100, 900, 50, 700, 0]
    ranks = templates.assign_ranks(figures)
    assert ranks == [4, 1, 5, 2, 6, 3, 7]  # the tie at 900 goes to the earlier application
    amounts = [
        evaluate(rule, {"rank": r, "figure": f}).amount_fen
        for r, f in zip(ranks, figures, strict=True)
    ]
    assert amounts == [5 * WAN, 20 * WAN, 5 * WAN, 15 * WAN, 0, 10 * WAN, 0]
    assert evaluate(rule, {"rank": 1, "figure": 0}).reason == "销售额未达到1"


def test_ranking_ties_by_submission_order() -> None:
    assert templates.assign_ranks([5, 5, 5], order=[30, 10, 20]) == [3, 1, 2]


# --- matching transfers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def transfer_rule() -> dict:
    return templates.matching_transfer(
        "促消费资金奖补", D("0.2"), {"省辖市": 2000 * WAN, "县": 400 * WAN}
    )


@pytest.mark.parametrize(
    ("level", "spent", "already", "amount", "cap"),
    [
        ("省辖市", 10_000 * WAN, 0, 2000 * WAN, None),  # 1亿 x 20% = 2000万 = the cap, not binding
        ("省辖市", 15_000 * WAN, 0, 2000 * WAN, "省辖市上限2000万元"),  # 3000万 capped
        ("县", 1000 * WAN, 0, 200 * WAN, None),
        ("县", 3000 * WAN, 0, 400 * WAN, "县上限400万元"),
        ("县", 3000 * WAN, 300 * WAN, 100 * WAN, "县上限400万元"),
        ("县", 1, 0, 0, None),  # 0.2分 rounds to 0: nothing to pay
    ],
)
def test_matching_transfer(transfer_rule, level, spent, already, amount, cap) -> None:
    d = evaluate(
        transfer_rule,
        {"region_level": level, "verified_spending_fen": spent, "already_transferred_fen": already},
    )
    assert (d.amount_fen, d.cap_applied) == (amount, cap)


def test_matching_transfer_outside_the_levels(transfer_rule) -> None:
    d = evaluate(transfer_rule, {"region_level": "乡镇", "verified_spending_fen": 10 * WAN})
    assert (d.amount_fen, d.eligible, d.reason) == (0, False, "地区层级不在奖补范围")


def test_builders_refuse_float_money() -> None:
    with pytest.raises(RuleError):
        templates.matching_transfer("x", D("0.2"), {"县": 4e8})  # type: ignore[dict-item]


def test_an_application_not_yet_reviewed_gets_nothing(award_rule) -> None:
    d = evaluate(award_rule, {"merchants": 500})  # approved missing: not reviewed yet
    assert (d.amount_fen, d.reason) == (0, "申请未通过审核")


def test_without_approval_the_table_has_only_the_figure() -> None:
    rule = templates.fixed_award(
        "x",
        "merchants",
        "商户数",
        [Tier(10, WAN)],
        min_fen=WAN,
        max_fen=WAN,
        require_approved=False,
    )
    assert [c["name"] for c in rule["nodes"][1]["content"]["inputs"]] == ["商户数"]
    assert evaluate(rule, {"merchants": 10}).amount_fen == WAN
    assert evaluate(rule, {"merchants": 9}).amount_fen == 0


def test_duplicate_tier_starts_are_refused() -> None:
    with pytest.raises(RuleError, match="起点相同"):
        templates.fixed_award(
            "x", "m", "商户数", [Tier(10, WAN), Tier(10, 2 * WAN)], min_fen=WAN, max_fen=2 * WAN
        )
