"""Rule sets: dated versions of one rule, each with its test cases (as OpenFisca dates parameters).

A rule set file (JSON) looks like::

    {"id": "...", "name": "...", "source": {...},
     "versions": [{"version": "2025.1", "effective_from": "2025-01-20", "effective_to": "2025-12-31",
                   "jdm": {...}, "cases": [{"name": "...", "inputs": {...},
                                             "expected": {"amount_fen": 30000, "eligible": true,
                                                          "reason": "...", "cap_applied": null}}]}]}

An application is decided by the version in force on its date (``version_for``); a version whose
cases fail (or that has none) cannot be published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from policyledger.rules.engine import Decision, evaluate, jdm_key, validate_jdm
from policyledger.rules.errors import RuleError

EXPECTED_KEYS = ("amount_fen", "eligible", "reason", "cap_applied")


@dataclass(frozen=True)
class TestCase:
    """Inputs and what the rule must answer; keys of ``expected`` absent are not checked."""

    __test__ = False  # not a pytest class

    name: str
    inputs: dict[str, Any]
    expected: dict[str, Any]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestCase:
        if not isinstance(data, dict) or "inputs" not in data or "expected" not in data:
            raise RuleError(None, f"测试用例格式错误（需要 inputs 与 expected）：{data!r}")
        unknown = set(data["expected"]) - set(EXPECTED_KEYS) - {"outputs"}
        if unknown:
            raise RuleError(
                None, f"测试用例「{data.get('name')}」的 expected 有未知字段：{sorted(unknown)}"
            )
        return cls(str(data.get("name") or ""), dict(data["inputs"]), dict(data["expected"]))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "inputs": self.inputs, "expected": self.expected}


@dataclass(frozen=True)
class CaseResult:
    case: TestCase
    passed: bool
    decision: Decision | None
    problems: list[str]

    @property
    def message(self) -> str:
        return "通过" if self.passed else "；".join(self.problems)


@dataclass
class RuleVersion:
    """One version of a rule: its JDM, the dates it is in force (inclusive) and its test cases."""

    version: str
    effective_from: date
    jdm: dict[str, Any]
    cases: list[TestCase] = field(default_factory=list)
    effective_to: date | None = None
    note: str = ""
    published: bool = False

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JDM: store it with each decision to re-explain it later."""
        return jdm_key(self.jdm)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def decide(self, inputs: dict[str, Any]) -> Decision:
        return evaluate(self.jdm, inputs)

    def publishable(self) -> bool:
        """True when the JDM is valid, there is at least one case and every case passes."""
        try:
            validate_jdm(self.jdm)
        except RuleError:
            return False
        return bool(self.cases) and all(r.passed for r in run_cases(self))

    def publish(self) -> None:
        """Mark published; raise RuleError (Chinese, naming the failed cases) otherwise."""
        validate_jdm(self.jdm)
        if not self.cases:
            raise RuleError(None, f"版本 {self.version} 没有测试用例，不能发布")
        failed = [r for r in run_cases(self) if not r.passed]
        if failed:
            lines = "；".join(f"「{r.case.name}」{r.message}" for r in failed)
            raise RuleError(
                None, f"版本 {self.version} 有 {len(failed)} 个测试用例未通过，不能发布：{lines}"
            )
        self.published = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleVersion:
        try:
            start = date.fromisoformat(data["effective_from"])
            end = date.fromisoformat(data["effective_to"]) if data.get("effective_to") else None
        except (KeyError, TypeError, ValueError) as exc:
            raise RuleError(None, f"版本 {data.get('version')!r} 的生效日期有误：{exc}") from None
        if end is not None and end < start:
            raise RuleError(None, f"版本 {data.get('version')!r} 的失效日期早于生效日期")
        return cls(
            version=str(data.get("version") or start.isoformat()),
            effective_from=start,
            effective_to=end,
            jdm=data.get("jdm") or {},
            cases=[TestCase.from_dict(c) for c in data.get("cases", [])],
            note=str(data.get("note") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "note": self.note,
            "jdm": self.jdm,
            "cases": [c.to_dict() for c in self.cases],
        }


def _check_case(case: TestCase, decision: Decision) -> list[str]:
    problems: list[str] = []
    got = {
        "amount_fen": decision.amount_fen,
        "eligible": decision.eligible,
        "reason": decision.reason,
        "cap_applied": decision.cap_applied,
    }
    for key in EXPECTED_KEYS:
        if key not in case.expected:
            continue
        want = case.expected[key]
        if key == "reason" and isinstance(want, str) and want and want in str(got[key]):
            continue  # the expected reason may be a phrase of the full reason
        if got[key] != want:
            problems.append(f"{key} 应为 {want!r}，实际为 {got[key]!r}")
    for key, want in (case.expected.get("outputs") or {}).items():
        actual = decision.outputs.get(key)
        if str(actual) != str(want):
            problems.append(f"输出 {key} 应为 {want!r}，实际为 {actual!r}")
    return problems


def run_cases(version: RuleVersion) -> list[CaseResult]:
    """Run every test case of a version; a case whose evaluation raises fails with the reason."""
    results: list[CaseResult] = []
    for case in version.cases:
        try:
            decision = evaluate(version.jdm, case.inputs)
        except RuleError as exc:
            results.append(CaseResult(case, False, None, [f"计算出错：{exc}"]))
            continue
        problems = _check_case(case, decision)
        results.append(CaseResult(case, not problems, decision, problems))
    return results


@dataclass
class RuleSet:
    """A rule's versions; at most one is in force on any date."""

    id: str
    name: str
    versions: list[RuleVersion] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.versions.sort(key=lambda v: v.effective_from)
        for a, b in zip(self.versions, self.versions[1:], strict=False):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                raise RuleError(
                    None, f"规则「{self.name}」的版本 {a.version} 与 {b.version} 生效期重叠"
                )

    def add(self, version: RuleVersion) -> None:
        self.versions.append(version)
        self.__post_init__()

    def version_for(self, on: date) -> RuleVersion:
        """The version in force on ``on``; RuleError when none is."""
        for version in self.versions:
            if version.in_force(on):
                return version
        raise RuleError(None, f"规则「{self.name}」在 {on.isoformat()} 没有生效的版本")

    def decide(self, on: date, inputs: dict[str, Any]) -> tuple[RuleVersion, Decision]:
        version = self.version_for(on)
        return version, version.decide(inputs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleSet:
        if not isinstance(data, dict) or not isinstance(data.get("versions"), list):
            raise RuleError(None, "规则集文件必须是含 versions 列表的 JSON 对象")
        return cls(
            id=str(data.get("id") or ""),
            name=str(data.get("name") or data.get("id") or ""),
            versions=[RuleVersion.from_dict(v) for v in data["versions"]],
            source=dict(data.get("source") or {}),
        )

    @classmethod
    def load(cls, path: str | Path) -> RuleSet:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RuleError(None, f"无法读取规则集文件 {path}：{exc.strerror}") from None
        except ValueError as exc:
            raise RuleError(None, f"规则集文件 {path} 不是有效的 JSON：{exc}") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "versions": [v.to_dict() for v in self.versions],
        }
