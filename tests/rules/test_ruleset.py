"""Versions by date, cases that block publishing, rule set files."""

from __future__ import annotations

import json
from datetime import date

import pytest
from rules_jdm import chain, expr_node

from policyledger.rules import RuleError, RuleSet, RuleVersion, TestCase, run_cases


def rate_jdm(rate: str) -> dict:
    return chain(
        expr_node("calc", ("amount_fen", f"round(price_fen * {rate})"), ("reason", f'"按{rate}"'))
    )


def version(name: str, start: str, end: str | None, rate: str, expect: int) -> RuleVersion:
    return RuleVersion(
        version=name,
        effective_from=date.fromisoformat(start),
        effective_to=date.fromisoformat(end) if end else None,
        jdm=rate_jdm(rate),
        cases=[TestCase("一万元", {"price_fen": 1_000_000}, {"amount_fen": expect})],
    )


def two_versions() -> RuleSet:
    return RuleSet(
        "demo",
        "示例",
        [
            version("2025", "2025-01-01", None, "0.15", 150_000),
            version("2024", "2024-01-01", "2024-12-31", "0.1", 100_000),
        ],
    )


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2024-01-01", "2024"),
        ("2024-12-31", "2024"),
        ("2025-01-01", "2025"),
        ("2030-06-01", "2025"),
    ],
)
def test_version_for_picks_the_version_in_force(day: str, name: str) -> None:
    assert two_versions().version_for(date.fromisoformat(day)).version == name


def test_no_version_before_the_first() -> None:
    with pytest.raises(RuleError, match="没有生效的版本"):
        two_versions().version_for(date(2023, 12, 31))


def test_old_decisions_are_re_explained_by_their_version() -> None:
    rs = two_versions()
    v_old, d_old = rs.decide(date(2024, 6, 1), {"price_fen": 1000})
    v_new, d_new = rs.decide(date(2025, 6, 1), {"price_fen": 1000})
    assert (v_old.version, d_old.amount_fen) == ("2024", 100)
    assert (v_new.version, d_new.amount_fen) == ("2025", 150)


def test_a_gap_between_versions_has_no_rule() -> None:
    rs = RuleSet(
        "g",
        "有间隔",
        [
            version("a", "2024-01-01", "2024-03-31", "0.1", 100_000),
            version("b", "2024-05-01", None, "0.1", 100_000),
        ],
    )
    with pytest.raises(RuleError):
        rs.version_for(date(2024, 4, 15))


def test_overlapping_versions_are_refused() -> None:
    with pytest.raises(RuleError, match="重叠"):
        RuleSet(
            "o",
            "重叠",
            [
                version("a", "2024-01-01", None, "0.1", 1),
                version("b", "2024-06-01", None, "0.1", 1),
            ],
        )
    rs = two_versions()
    with pytest.raises(RuleError, match="重叠"):
        rs.add(version("c", "2024-06-01", "2024-07-01", "0.1", 1))


def test_passing_cases_publish() -> None:
    v = version("ok", "2025-01-01", None, "0.15", 150_000)
    assert v.publishable()
    v.publish()
    assert v.published


def test_a_failing_case_blocks_publishing() -> None:
    v = version("bad", "2025-01-01", None, "0.15", 150_001)
    results = run_cases(v)
    assert [r.passed for r in results] == [False]
    assert "150001" in results[0].message and "150000" in results[0].message
    assert not v.publishable()
    with pytest.raises(RuleError, match="未通过"):
        v.publish()
    assert not v.published


def test_a_version_without_cases_cannot_be_published() -> None:
    v = RuleVersion("none", date(2025, 1, 1), rate_jdm("0.1"))
    assert not v.publishable()
    with pytest.raises(RuleError, match="没有测试用例"):
        v.publish()


def test_a_case_whose_rule_errors_fails_with_the_reason() -> None:
    v = version("err", "2025-01-01", None, "0.15", 1)
    v.cases.append(TestCase("缺少价格", {}, {"amount_fen": 0}))
    results = run_cases(v)
    assert not results[1].passed and "计算出错" in results[1].message


def test_an_invalid_jdm_is_not_publishable() -> None:
    v = version("broken", "2025-01-01", None, "0.15", 150_000)
    v.jdm["nodes"][1]["content"]["expressions"][0]["value"] = "round("
    assert not v.publishable()
    with pytest.raises(RuleError):
        v.publish()


def test_expected_reason_may_be_a_phrase_and_outputs_are_checked() -> None:
    v = version("r", "2025-01-01", None, "0.15", 150_000)
    v.cases[0] = TestCase(
        "x", {"price_fen": 100}, {"reason": "0.15", "outputs": {"amount_fen": 15}}
    )
    assert all(r.passed for r in run_cases(v))
    v.cases[0] = TestCase("x", {"price_fen": 100}, {"reason": "其他"})
    assert not run_cases(v)[0].passed


def test_round_trip_through_a_file(tmp_path) -> None:
    rs = two_versions()
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rs.to_dict(), ensure_ascii=False), encoding="utf-8")
    loaded = RuleSet.load(path)
    assert [v.version for v in loaded.versions] == ["2024", "2025"]
    assert loaded.version_for(date(2024, 5, 5)).effective_to == date(2024, 12, 31)
    assert all(r.passed for v in loaded.versions for r in run_cases(v))


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("not json", "不是有效的 JSON"),
        ('{"versions": [{"effective_from": "2025-13-01", "jdm": {}}]}', "生效日期"),
        ('{"versions": [{"effective_from": "2025-02-01", "effective_to": "2025-01-01"}]}', "早于"),
        ('{"nothing": 1}', "versions"),
        ('{"versions": [{"effective_from": "2025-01-01", "cases": [{"inputs": {}}]}]}', "测试用例"),
    ],
)
def test_bad_files_are_refused_in_chinese(tmp_path, content: str, phrase: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RuleError, match=phrase):
        RuleSet.load(path)


def test_a_missing_file_is_a_rule_error(tmp_path) -> None:
    with pytest.raises(RuleError, match="无法读取"):
        RuleSet.load(tmp_path / "nope.json")


def test_content_hash_ignores_key_order_and_sees_changes() -> None:
    a = version("a", "2025-01-01", None, "0.15", 1)
    b = RuleVersion("b", date(2025, 1, 1), json.loads(json.dumps(a.jdm, sort_keys=True)))
    assert a.content_hash == b.content_hash and len(a.content_hash) == 64
    b.jdm["nodes"][1]["content"]["expressions"][0]["value"] = "round(price_fen * 0.16)"
    assert a.content_hash != b.content_hash
