"""Builders that turn a programme officer's parameters into readable JDM decision tables.

Every builder returns a JDM dict with the same output contract: ``eligible`` (bool), ``amount_fen``
(integer fen), ``reason`` (Chinese), ``cap_applied`` (Chinese label of the cap that bound, or null).
Money parameters are integer fen; rates are ``Decimal``. Condition cells are written with
:func:`cell`: ``None`` (any), a text or number (equals), a list (any of), or :class:`Raw` for a zen
unary expression such as ``Raw(">= 100000")`` or ``Raw("[1..5]")``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from policyledger.rules.errors import RuleError

Json = dict[str, Any]


@dataclass(frozen=True)
class Raw:
    """A zen unary expression written as is (``"> 100"``, ``"[1..5]"``)."""

    text: str


def lit(value: Any) -> str:
    """A zen literal: text quoted, numbers exact, booleans lower-case, None as null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise RuleError(None, f"规则参数不能使用浮点数：{value!r}，请用 Decimal 或整数分")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise RuleError(None, f"规则参数无效：{value}")
        return format(value.normalize(), "f") if value != 0 else "0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise RuleError(None, f"不支持的规则参数类型：{type(value).__name__}")


def cell(value: Any) -> str:
    """A condition cell from an officer's value (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(lit(v) for v in value)
    return lit(value)


def _node(node_id: str, node_type: str, name: str, content: Json | None = None, x: int = 0) -> Json:
    node: Json = {"id": node_id, "type": node_type, "name": name, "position": {"x": x, "y": 100}}
    if content is not None:
        node["content"] = content
    return node


def table(
    node_id: str,
    name: str,
    inputs: Sequence[tuple[str, str]],
    outputs: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Sequence[str], Sequence[str], str]],
    hit_policy: str = "first",
    x: int = 300,
) -> Json:
    """A decision table node: ``inputs``/``outputs`` are (field, 列名); rows are (cells, cells, 说明)."""
    content: Json = {
        "hitPolicy": hit_policy,
        "passThrough": True,
        "inputField": None,
        "outputPath": None,
        "executionMode": "single",
        "inputs": [{"id": f"in_{f}", "name": n, "field": f} for f, n in inputs],
        "outputs": [{"id": f"out_{f}", "name": n, "field": f} for f, n in outputs],
        "rules": [],
    }
    for i, (conds, outs, desc) in enumerate(rows, start=1):
        if len(conds) != len(inputs) or len(outs) != len(outputs):
            raise RuleError(node_id, f"决策表「{name}」第{i}行的列数与表头不符")
        row: Json = {"_id": f"r{i}", "_description": desc}
        row.update({f"in_{f}": c for (f, _), c in zip(inputs, conds, strict=True)})
        row.update({f"out_{f}": o for (f, _), o in zip(outputs, outs, strict=True)})
        content["rules"].append(row)
    return _node(node_id, "decisionTableNode", name, content, x)


def expressions(node_id: str, name: str, items: Sequence[tuple[str, str]], x: int = 600) -> Json:
    """An expression node: (key, expression) in order; later ones read earlier ones as ``$.key``."""
    content: Json = {
        "passThrough": True,
        "inputField": None,
        "outputPath": None,
        "executionMode": "single",
        "expressions": [{"id": f"e{i}", "key": k, "value": v} for i, (k, v) in enumerate(items)],
    }
    return _node(node_id, "expressionNode", name, content, x)


def chain(name: str, middle: Sequence[Json]) -> Json:
    """input -> middle nodes in order -> output."""
    nodes = [_node("input", "inputNode", "申请信息", x=0), *middle]
    nodes.append(_node("output", "outputNode", "补贴结果", x=300 * (len(middle) + 1)))
    edges = [
        {"id": f"edge{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
        for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False))
    ]
    return {"name": name, "nodes": nodes, "edges": edges}


def _fen_text(fen: int) -> str:
    yuan, part = divmod(int(fen), 100)
    if part:
        return f"{yuan}.{part:02d}元"
    if yuan % 10000 == 0 and yuan >= 10000:
        return f"{yuan // 10000}万元"
    return f"{yuan}元"


def _pct(rate: Decimal) -> str:
    return f"{format((rate * 100).normalize(), 'f')}%"


def _check_rate(rate: Any) -> Decimal:
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0 or rate > 1:
        raise RuleError(None, f"比例必须是 0 到 1 之间的 Decimal，实际为 {rate!r}")
    return rate


def _check_fen(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError(None, f"{what}必须是非负整数分，实际为 {value!r}")
    return value


# --- rate x base with caps ------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    """One row of a rate table: conditions (field -> officer value), rate (None: not eligible),
    the per-item cap in fen, how many items a person may claim, and the reason shown."""

    when: dict[str, Any]
    rate: Decimal | None
    reason: str
    item_cap_fen: int | None = None
    max_items: int | None = None


@dataclass(frozen=True)
class RateProgramme:
    name: str
    columns: list[tuple[str, str]]
    rows: list[RateRow]
    base_field: str = "price_fen"
    person_cap_fen: int | None = None
    programme_cap_fen: int | None = None
    default_reason: str = "不在补贴范围内"
    extra: dict[str, Any] = field(default_factory=dict)


BIG_FEN = 10**15  # "no cap": larger than any programme


def rate_with_caps(
    name: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[RateRow],
    *,
    base_field: str = "price_fen",
    person_cap_fen: int | None = None,
    programme_cap_fen: int | None = None,
    default_reason: str = "不在补贴范围内",
) -> Json:
    """Rate x base, rounded to the fen (half away from zero), capped per item, per person and per
    programme.

    Inputs: the condition ``columns`` fields, ``base_field`` (fen), ``items_claimed`` (items this
    person already had subsidised in the matching row's class; when a row sets ``max_items``),
    ``person_received_fen`` (when ``person_cap_fen``) and ``programme_used_fen`` (when
    ``programme_cap_fen``).
    """
    if not rows:
        raise RuleError(None, "费率表至少需要一行")
    fields = [f for f, _ in columns]
    table_rows = []
    for row in rows:
        unknown = set(row.when) - set(fields)
        if unknown:
            raise RuleError("rates", f"费率表的条件字段不存在：{sorted(unknown)}")
        conds = [cell(row.when.get(f)) for f in fields]
        if row.rate is None:
            outs = ["false", "0", "0", "0", "null", lit(row.reason)]
        else:
            rate = _check_rate(row.rate)
            cap = BIG_FEN if row.item_cap_fen is None else _check_fen(row.item_cap_fen, "每件上限")
            items = 10**6 if row.max_items is None else _check_fen(row.max_items, "件数上限")
            label = lit(f"每件补贴上限{_fen_text(cap)}") if row.item_cap_fen is not None else "null"
            outs = ["true", lit(rate), str(cap), str(items), label, lit(row.reason)]
        desc = row.reason if row.rate is None else f"{_pct(row.rate)}；{row.reason}"
        table_rows.append((conds, outs, desc))
    table_rows.append(
        ([""] * len(fields), ["false", "0", "0", "0", "null", lit(default_reason)], default_reason)
    )
    rates = table(
        "rates",
        "补贴标准",
        list(columns),
        [
            ("in_scope", "是否补贴"),
            ("rate", "补贴比例"),
            ("item_cap_fen", "每件上限（分）"),
            ("max_items", "每人件数上限"),
            ("item_cap_label", "每件上限说明"),
            ("reason", "依据"),
        ],
        table_rows,
    )
    uses_items = any(r.max_items is not None for r in rows)
    person_left = (
        f"max([{_check_fen(person_cap_fen, '每人上限')} - person_received_fen, 0])"
        if person_cap_fen is not None
        else str(BIG_FEN)
    )
    prog_left = (
        f"max([{_check_fen(programme_cap_fen, '项目总额')} - programme_used_fen, 0])"
        if programme_cap_fen is not None
        else str(BIG_FEN)
    )
    items_ok = "items_claimed < max_items" if uses_items else "true"
    person_label = f"每人补贴上限{_fen_text(person_cap_fen)}" if person_cap_fen else "每人补贴上限"
    prog_label = (
        f"项目资金总额{_fen_text(programme_cap_fen)}" if programme_cap_fen else "项目资金总额"
    )
    calc = expressions(
        "calc",
        "计算补贴",
        [
            ("items_ok", items_ok),
            ("raw_fen", f"in_scope ? round({base_field} * rate) : 0"),
            ("person_left_fen", person_left),
            ("programme_left_fen", prog_left),
            (
                "capped_fen",
                "min([$.raw_fen, item_cap_fen, $.person_left_fen, $.programme_left_fen])",
            ),
            ("eligible", "in_scope and $.items_ok and $.capped_fen > 0"),
            ("amount_fen", "$.eligible ? $.capped_fen : 0"),
            (
                "cap_applied",
                "$.eligible and $.capped_fen < $.raw_fen ? "
                "($.capped_fen == item_cap_fen ? item_cap_label : "
                f"($.capped_fen == $.person_left_fen ? {lit(person_label)} : {lit(prog_label)})) : null",
            ),
            (
                "reason",
                'not in_scope ? reason : (not $.items_ok ? reason + "；该类产品可补贴件数已用完" : '
                f'($.capped_fen <= 0 ? reason + "；" + ($.person_left_fen <= 0 ? {lit(person_label)} : '
                f'{lit(prog_label)}) + "已用完" : '
                '($.cap_applied != null ? reason + "；按" + $.cap_applied + "封顶" : reason)))',
            ),
        ],
    )
    return chain(name, [rates, calc])


# --- fixed award, tiered, within a range -----------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """Figures ``>= at_least`` (and below the next tier) get ``amount_fen``."""

    at_least: int | Decimal
    amount_fen: int
    label: str = ""


def fixed_award(
    name: str,
    figure_field: str,
    figure_label: str,
    tiers: Sequence[Tier],
    *,
    min_fen: int,
    max_fen: int,
    require_approved: bool = True,
) -> Json:
    """A fixed award per approved application, chosen by tier of a figure, within [min, max].

    Example (004 活动组织 1—10万元): tiers by number of participating merchants. Inputs:
    ``approved`` (bool) and ``figure_field``. Every tier amount must lie in the range (checked here,
    so a typo cannot publish a 100万元 award).
    """
    _check_fen(min_fen, "奖补下限")
    _check_fen(max_fen, "奖补上限")
    if min_fen > max_fen:
        raise RuleError("tiers", "奖补下限高于上限")
    if not tiers:
        raise RuleError("tiers", "至少需要一个档次")
    ordered = sorted(tiers, key=lambda t: Decimal(t.at_least), reverse=True)
    starts = [Decimal(t.at_least) for t in ordered]
    if len(set(starts)) != len(starts):
        raise RuleError("tiers", "两个档次的起点相同，后一个永远不会命中")
    # with approval required, the first column is 审核通过 (anything but true — false or not yet
    # reviewed — gets nothing); without it the table has the figure column only
    pre = [""] if require_approved else []
    rows = []
    if require_approved:
        rows.append((["!= true", ""], ["false", "0", lit("申请未通过审核")], "未通过审核"))
    for tier in ordered:
        _check_fen(tier.amount_fen, "档次金额")
        if not min_fen <= tier.amount_fen <= max_fen:
            raise RuleError(
                "tiers",
                f"档次「{tier.label or tier.at_least}」的金额 {_fen_text(tier.amount_fen)} 超出范围 "
                f"{_fen_text(min_fen)}—{_fen_text(max_fen)}",
            )
        label = tier.label or f"{figure_label}≥{tier.at_least}"
        reason = f"{label}，奖补{_fen_text(tier.amount_fen)}"
        rows.append(
            (
                [*pre, f">= {lit(Decimal(tier.at_least))}"],
                ["true", str(tier.amount_fen), lit(reason)],
                reason,
            )
        )
    lowest = ordered[-1]
    rows.append(
        (
            [*pre, ""],
            ["false", "0", lit(f"{figure_label}未达到最低档（{lowest.at_least}）")],
            "未达最低档",
        )
    )
    columns = [("approved", "审核通过")] if require_approved else []
    award = table(
        "tiers",
        "奖补档次",
        [*columns, (figure_field, figure_label)],
        [("eligible", "是否奖补"), ("amount_fen", "奖补金额（分）"), ("reason", "依据")],
        rows,
    )
    finish = expressions("finish", "结果", [("cap_applied", "null")])
    return chain(name, [award, finish])


# --- ranking awards ---------------------------------------------------------------------------


def ranking_award(
    name: str,
    figure_label: str,
    awards_fen: Sequence[int],
    *,
    min_figure: int | Decimal | None = None,
    figure_field: str = "figure",
) -> Json:
    """Top-N awards: rank 1 gets ``awards_fen[0]``, ... rank N gets ``awards_fen[N-1]``.

    The rank is an input (``rank``, 1 = best), computed over the whole population with
    :func:`assign_ranks`; ``min_figure`` optionally requires the figure itself to reach a floor.
    Example (003 销售前5名的经销商最高20万元).
    """
    if not awards_fen:
        raise RuleError("ranks", "至少需要一个名次的奖励")
    rows = []
    floor_cell = "" if min_figure is None else f"< {lit(Decimal(min_figure))}"
    if min_figure is not None:
        rows.append(
            (["", floor_cell], ["false", "0", lit(f"{figure_label}未达到{min_figure}")], "未达门槛")
        )
    for i, amount in enumerate(awards_fen, start=1):
        _check_fen(amount, f"第{i}名奖励")
        reason = f"{figure_label}第{i}名，奖励{_fen_text(amount)}"
        rows.append(([str(i), ""], ["true", str(amount), lit(reason)], reason))
    rows.append(
        (["", ""], ["false", "0", lit(f"{figure_label}未进入前{len(awards_fen)}名")], "未进前列")
    )
    ranks = table(
        "ranks",
        "名次奖励",
        [("rank", "名次"), (figure_field, figure_label)],
        [("eligible", "是否奖励"), ("amount_fen", "奖励金额（分）"), ("reason", "依据")],
        rows,
    )
    finish = expressions("finish", "结果", [("cap_applied", "null")])
    return chain(name, [ranks, finish])


def assign_ranks(figures: Sequence[int | Decimal], order: Sequence[Any] | None = None) -> list[int]:
    """Ranks (1 = largest figure); ties go to the earlier ``order`` key (e.g. submission time)."""
    keys = list(order) if order is not None else list(range(len(figures)))
    idx = sorted(range(len(figures)), key=lambda i: (-Decimal(figures[i]), keys[i]))
    ranks = [0] * len(figures)
    for rank, i in enumerate(idx, start=1):
        ranks[i] = rank
    return ranks


# --- matching transfers between levels of government -----------------------------------------


def matching_transfer(
    name: str,
    share: Decimal,
    caps_fen: dict[str, int],
    *,
    spending_label: str = "实际核销的促消费补贴资金",
) -> Json:
    """A higher level pays ``share`` of verified spending, capped per region level.

    Example (001): 20%, 2000万元 per 省辖市, 400万元 per 县. Inputs: ``region_level`` (one of the
    ``caps_fen`` keys), ``verified_spending_fen`` and optionally ``already_transferred_fen``.
    """
    _check_rate(share)
    if not caps_fen:
        raise RuleError("levels", "至少需要一个地区层级的上限")
    rows = []
    for level, cap in caps_fen.items():
        _check_fen(cap, f"{level}上限")
        rows.append(
            (
                [lit(level)],
                [
                    "true",
                    str(cap),
                    lit(f"{level}上限{_fen_text(cap)}"),
                    lit(f"{level}：按{spending_label}的{_pct(share)}奖补"),
                ],
                f"{level}上限{_fen_text(cap)}",
            )
        )
    rows.append(([""], ["false", "0", "null", lit("地区层级不在奖补范围")], "其他层级"))
    levels = table(
        "levels",
        "层级上限",
        [("region_level", "地区层级")],
        [
            ("in_scope", "是否奖补"),
            ("level_cap_fen", "层级上限（分）"),
            ("level_cap_label", "上限说明"),
            ("reason", "依据"),
        ],
        rows,
    )
    calc = expressions(
        "calc",
        "计算奖补",
        [
            ("raw_fen", f"in_scope ? round(verified_spending_fen * {lit(share)}) : 0"),
            ("left_fen", "max([level_cap_fen - (already_transferred_fen ?? 0), 0])"),
            ("capped_fen", "min([$.raw_fen, $.left_fen])"),
            ("eligible", "in_scope and $.capped_fen > 0"),
            ("amount_fen", "$.eligible ? $.capped_fen : 0"),
            (
                "cap_applied",
                "$.eligible and $.capped_fen < $.raw_fen ? level_cap_label : null",
            ),
            (
                "reason",
                'not in_scope ? reason : ($.cap_applied != null ? reason + "；按" + $.cap_applied + '
                '"封顶" : ($.capped_fen <= 0 ? reason + "；本层级上限已用完" : reason))',
            ),
        ],
    )
    return chain(name, [levels, calc])
