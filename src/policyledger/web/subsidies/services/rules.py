"""Rule versions of a programme, and deciding an application with the version in force.

The evaluation itself is the pure library ``policyledger.rules`` (JDM through zen-engine); this
module only stores versions, refuses to publish one whose test cases fail, picks the version in
force on a date and turns a ``Decision`` into the fields an application keeps.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from policyledger.formats.amounts import half_width, parse_amount

from ..models import Programme, RuleVersion
from .errors import NotAllowed, RuleProblem

log = logging.getLogger("policyledger.subsidies.rules")


@dataclass
class Outcome:
    """What a decision leaves on an application."""

    amount_fen: int
    eligible: bool
    reason: str
    cap_applied: str = ""
    manual: str = ""
    trace: list[dict] = field(default_factory=list)
    rule: RuleVersion | None = None
    outputs: dict = field(default_factory=dict)


def _engine():
    from policyledger import rules

    return rules


def check_jdm(jdm: dict) -> None:
    """RuleProblem naming the node, for a malformed decision model."""
    rules = _engine()
    try:
        rules.validate_jdm(jdm)
    except rules.RuleError as exc:
        raise RuleProblem(_rule_error_text(exc)) from None


def _rule_error_text(exc) -> str:
    node = getattr(exc, "node_id", None)
    message = getattr(exc, "message", "") or str(exc)
    return f"规则有误（节点 {node}）：{message}" if node else f"规则有误：{message}"


def run_cases(jdm: dict, cases: list[dict]) -> list[dict]:
    """[{"name", "ok", "message"}] for each case ({"name", "inputs", "expected": {amount_fen,
    eligible, reason, cap_applied}}), run by the rules library."""
    rules = _engine()
    try:
        version = rules.RuleVersion.from_dict(
            {
                "version": "check",
                "effective_from": "2000-01-01",
                "jdm": jdm,
                "cases": list(cases or []),
            }
        )
    except rules.RuleError as exc:
        return [{"name": "用例格式", "ok": False, "message": _rule_error_text(exc)}]
    return [
        {"name": r.case.name or f"用例{i + 1}", "ok": r.passed, "message": r.message}
        for i, r in enumerate(rules.run_cases(version))
    ]


def add_version(
    programme: Programme,
    jdm: dict,
    effective_from: dt.date,
    *,
    cases: list[dict] | None = None,
    effective_to: dt.date | None = None,
    note: str = "",
) -> RuleVersion:
    """A new draft version (checked for structure; its cases are run and recorded)."""
    check_jdm(jdm)
    if effective_to is not None and effective_to < effective_from:
        raise RuleProblem("失效日期不能早于生效日期")
    with transaction.atomic():
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        last = programme.rules.aggregate(n=Max("number"))["n"] or 0
        version = RuleVersion.objects.create(
            programme=programme,
            number=last + 1,
            jdm=jdm,
            effective_from=effective_from,
            effective_to=effective_to,
            cases=list(cases or []),
            case_results=run_cases(jdm, list(cases or [])),
            note=note,
        )
    return version


def publish(version: RuleVersion, user=None) -> RuleVersion:
    """Publish a draft whose test cases all pass (and that has at least one)."""
    if version.status == RuleVersion.Status.PUBLISHED:
        raise NotAllowed("该版本已发布，不能修改；请新建版本")
    check_jdm(version.jdm)
    results = run_cases(version.jdm, version.cases)
    RuleVersion.objects.filter(pk=version.pk).update(case_results=results)
    if not results:
        raise RuleProblem("规则至少要有一个测试用例才能发布")
    failed = [r for r in results if not r["ok"]]
    if failed:
        raise RuleProblem(
            "测试用例未通过，不能发布："
            + "；".join(f"{r['name']}（{r['message']}）" for r in failed[:5])
        )
    with transaction.atomic():
        _close_previous(version)
        changed = RuleVersion.objects.filter(pk=version.pk, status=RuleVersion.Status.DRAFT).update(
            status=RuleVersion.Status.PUBLISHED, published_at=timezone.now(), published_by=user
        )
        if not changed:
            raise NotAllowed("该版本已发布")
    version.refresh_from_db()
    log.info("rule %s of programme %s published", version.number, version.programme_id)
    return version


def _close_previous(version: RuleVersion) -> None:
    """Published versions never overlap: the one in force when the new one starts ends the day
    before; a published version starting on or after the new one's start is a conflict."""
    published = RuleVersion.objects.select_for_update().filter(
        programme_id=version.programme_id, status=RuleVersion.Status.PUBLISHED
    )
    start, end = version.effective_from, version.effective_to
    for other in published:
        if other.effective_from >= start and (end is None or other.effective_from <= end):
            raise RuleProblem(
                f"与已发布的版本v{other.number}（{other.effective_from:%Y-%m-%d}起）生效期重叠，"
                "请调整生效日期"
            )
        if other.effective_from < start and (
            other.effective_to is None or other.effective_to >= start
        ):
            RuleVersion.objects.filter(pk=other.pk).update(
                effective_to=start - dt.timedelta(days=1)
            )


def in_force(programme: Programme, day: dt.date) -> RuleVersion | None:
    """The published version in force on ``day``: the latest effective_from not after it."""
    return (
        programme.rules.filter(status=RuleVersion.Status.PUBLISHED, effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from", "-number")
        .first()
    )


def evaluate(version: RuleVersion, inputs: dict[str, Any]) -> Outcome:
    rules = _engine()
    try:
        decision = rules.evaluate(version.jdm, dict(inputs))
    except rules.RuleError as exc:
        raise RuleProblem(_rule_error_text(exc)) from None
    outputs = dict(getattr(decision, "outputs", None) or {})
    manual = outputs.get("manual") or outputs.get("manual_reason") or ""
    if manual is True:
        manual = "规则要求人工复核"
    cap = getattr(decision, "cap_applied", "") or ""
    return Outcome(
        amount_fen=int(decision.amount_fen or 0),
        eligible=bool(decision.eligible),
        reason=decision.reason or "",
        cap_applied=str(cap) if cap else "",
        manual=str(manual) if manual else "",
        trace=list(decision.trace or []),
        rule=version,
        outputs=_jsonable(outputs),
    )


def decide(programme: Programme, inputs: dict[str, Any], day: dt.date) -> Outcome:
    version = in_force(programme, day)
    if version is None:
        return Outcome(0, False, f"{day:%Y年%m月%d日}没有生效的规则，无法测算", rule=None)
    return evaluate(version, inputs)


def _jsonable(value):
    from decimal import Decimal

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


# An amount written with its unit inside a cell expression: 600万, 2,000元, 1.5亿元, >= 3000元.
_AMOUNT_WITH_UNIT = re.compile(
    r"(?<!\w)(?<!\d\.)\d[\d,]*(?:\.\d+)?\s*(?:(?:千万|百万|十万|千|万|亿)元?|元)"
)


def fen_cell(text: str) -> str:
    """A cell of a money column (``*_fen``) with every amount written with its unit (600万,
    2,000元) turned into fen through the one amount parser: ``">= 600万"`` -> ``">= 600000000"``.
    Bare numbers are fen already and stay as they are."""

    def fen(match: re.Match) -> str:
        value = parse_amount(match.group(0)) * 100
        if value != value.to_integral_value():
            raise RuleProblem(f"金额“{match.group(0)}”最多到分")
        return str(int(value))

    try:
        # Full-width digits first: "６．５万" was cut at the point ("６．50000"), "１，０００万" at
        # the comma.
        return _AMOUNT_WITH_UNIT.sub(fen, half_width(text))
    except ValueError as exc:
        raise RuleProblem(str(exc)) from None


def _cell_text(column: dict | None, text: str | None) -> str:
    text = (text or "").strip()
    if column is not None and str(column.get("field") or "").endswith("_fen"):
        return fen_cell(text)
    return text


def edit_tables(jdm: dict, cells: dict[str, str], new_rows: dict[str, dict[str, str]]) -> dict:
    """A copy of ``jdm`` with decision-table cells replaced: ``cells`` maps
    "<node id>|<row index>|<column id>" to the new text; ``new_rows`` maps a node id to a new row
    ({column id: text}, with "_description"), inserted above the table's last (fallback) row.
    Unknown nodes, rows or columns are refused; the result is still checked by ``check_jdm``."""
    import copy

    out = copy.deepcopy(jdm)
    tables = {n.get("id"): n for n in out.get("nodes", []) if n.get("type") == "decisionTableNode"}
    for key, text in cells.items():
        try:
            node_id, row_text, column = key.split("|", 2)
            node = tables[node_id]
            row = node["content"]["rules"][int(row_text)]
        except (KeyError, ValueError, IndexError):
            raise RuleProblem(f"决策表中没有这个单元格：{key}") from None
        columns = {c["id"]: c for c in node["content"]["inputs"] + node["content"]["outputs"]}
        if column not in columns and column != "_description":
            raise RuleProblem(f"决策表「{node.get('name')}」没有列 {column}")
        row[column] = _cell_text(columns.get(column), text)
    for node_id, values in new_rows.items():
        if not any(v.strip() for k, v in values.items() if k != "_description"):
            continue
        node = tables.get(node_id)
        if node is None:
            raise RuleProblem(f"没有决策表 {node_id}")
        content = node["content"]
        row = {
            c["id"]: _cell_text(c, values.get(c["id"]))
            for c in content["inputs"] + content["outputs"]
        }
        row["_id"] = f"r{len(content['rules']) + 1}"
        row["_description"] = (values.get("_description") or "").strip()
        content["rules"].insert(max(len(content["rules"]) - 1, 0), row)
    check_jdm(out)
    return out
