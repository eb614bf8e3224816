"""The Jinan 2025 appliance trade-in rules, end to end: file, cases, dates, the source text."""

from __future__ import annotations

import os
import re
from datetime import date

import pytest
from rules_jdm import JINAN_FILE, SHARED

from policyledger.cli import main
from policyledger.rules import RuleError, RuleSet, evaluate, run_cases

CHILD = SHARED / "shandong-jinan-appliance-tradein-2025-child.txt"
PARENT = SHARED / "shandong-jinan-appliance-tradein-2025-parent.txt"


def _text(path) -> str:
    if not path.exists():
        if os.environ.get("PL_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{path} is required")
        pytest.skip(f"{path} not available (../shared/lineage-dev)")
    return path.read_text(encoding="utf-8")


def person(**kw) -> dict:
    base = {"buyer_type": "个人消费者", "items_claimed": 0}
    base.update(kw)
    return base


def test_every_case_passes_and_the_version_publishes(jinan: RuleSet) -> None:
    (version,) = jinan.versions
    results = run_cases(version)
    assert len(results) >= 12
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    version.publish()


@pytest.mark.parametrize(
    ("day", "in_force"),
    [("2025-01-19", False), ("2025-01-20", True), ("2025-12-31", True), ("2026-01-01", False)],
)
def test_in_force_from_the_notice_to_the_end_of_2025(
    jinan: RuleSet, day: str, in_force: bool
) -> None:
    on = date.fromisoformat(day)
    if in_force:
        assert jinan.version_for(on).version == "2025.1"
    else:
        with pytest.raises(RuleError):
            jinan.version_for(on)


def test_the_categories_are_the_twelve_of_the_text(jinan: RuleSet) -> None:
    text = _text(CHILD)
    article = text[text.index("第一条") : text.index("第二条")]
    rows = jinan.versions[0].jdm["nodes"][1]["content"]["rules"]
    encoded = set(re.findall(r'"([^"]+)"', rows[-2]["in_category"]))
    assert len(encoded) == 12
    for name in encoded:
        assert name in article, name
    assert "12类家电产品" in article


def test_rates_and_caps_are_the_texts(jinan: RuleSet) -> None:
    child, parent = _text(CHILD), _text(PARENT)
    for text in (child, parent):
        assert re.search(r"最终销售价格的?\s*\$?15\\?%", text)
        assert re.search(r"额外再给予产品最终销售价格\s*\$?5\\?%", text)
        assert "每件补贴不超过2000元" in text
        assert "空调类产品最多补贴3件" in text
    rows = jinan.versions[0].jdm["nodes"][1]["content"]["rules"]
    rates = {r["out_rate"] for r in rows if r["out_in_scope"] == "true"}
    caps = {r["out_item_cap_fen"] for r in rows if r["out_in_scope"] == "true"}
    assert rates == {"0.2", "0.15"} and caps == {"200000"}


def test_a_grade_one_air_conditioner_walkthrough(jinan: RuleSet) -> None:
    version, d = jinan.decide(
        date(2025, 7, 1), person(category="空调", efficiency_grade="1级", price_fen=699_900)
    )
    assert (d.amount_fen, d.eligible, d.cap_applied) == (139_980, True, None)  # 6999元 x 20%
    assert "第二条" in d.reason
    rows = next(s for s in d.trace if s["node_id"] == "rates")["matched"]
    assert rows[0]["conditions"]["产品类别"] == '"空调"'


def test_three_air_conditioners_then_no_more(jinan: RuleSet) -> None:
    rule = jinan.versions[0].jdm
    paid = [
        evaluate(
            rule,
            person(category="空调", efficiency_grade="2级", price_fen=300_000, items_claimed=k),
        ).amount_fen
        for k in range(5)
    ]
    assert paid == [45_000, 45_000, 45_000, 0, 0]


def test_cli_runs_the_cases(jinan: RuleSet) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["rules", "test", str(JINAN_FILE)])
    assert result.exit_code == 0, result.output
    assert "失败 0 个" in result.output


def test_the_items_guard_matters(jinan: RuleSet) -> None:
    """Control: with the per-category item check switched off, a second fridge would be paid."""
    import copy

    rule = copy.deepcopy(jinan.versions[0].jdm)
    second = person(category="电冰箱", efficiency_grade="2级", price_fen=300_000, items_claimed=1)
    assert evaluate(rule, second).amount_fen == 0
    calc = next(n for n in rule["nodes"] if n["id"] == "calc")
    for expr in calc["content"]["expressions"]:
        if expr["key"] == "items_ok":
            expr["value"] = "true"
    assert evaluate(rule, second).amount_fen == 45_000


def test_the_item_cap_guard_matters(jinan: RuleSet) -> None:
    """Control: without the 2000元 cap a 20000元 television would get 4000元."""
    import copy

    rule = copy.deepcopy(jinan.versions[0].jdm)
    tv = person(category="电视机", efficiency_grade="1级", price_fen=2_000_000)
    assert evaluate(rule, tv).amount_fen == 200_000
    for row in rule["nodes"][1]["content"]["rules"]:
        if row.get("out_item_cap_fen") == "200000":
            row["out_item_cap_fen"] = "1000000000000000"
    assert evaluate(rule, tv).amount_fen == 400_000
