"""Programmes: created from a published measure with its money targets filled in (editable),
with a first rule version built from the programme's kind by the rules library's templates."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import Programme, RegionCap, RuleVersion
from . import rules as rule_service
from .errors import InvalidInput, RuleProblem

log = logging.getLogger("policyledger.subsidies.programmes")
K = Programme.Kind

# 001: 每个省辖市、每个县（市）奖补金额分别不超过2000万元、400万元.
TRANSFER_LEVELS = {"省辖市": 2000_0000_00, "县": 400_0000_00}


def prefill_from_measure(measure) -> dict[str, Any]:
    """The programme fields the measure's parsed targets suggest, and where each came from.

    money total → 资金总额; percent → 补贴比例; money range → 单笔下限/上限; money max → 单笔上限.
    Values are yuan in the parse; stored as fen here. Each suggestion keeps the target's text and
    span so the page can highlight the clause it came from.
    """
    out: dict[str, Any] = {"sources": {}}

    def note(field: str, t) -> None:
        out["sources"][field] = {"text": t.text, "span": [t.span_start, t.span_end]}

    for t in measure.targets.order_by("order", "id"):
        if t.kind == "money" and t.qualifier == "range" and isinstance(t.value, list):
            if "min_award_fen" not in out and len(t.value) == 2:
                out["min_award_fen"] = _fen(t.value[0])
                out["max_award_fen"] = _fen(t.value[1])
                note("min_award_fen", t)
                note("max_award_fen", t)
        elif t.kind == "money" and t.qualifier == "total" and "budget_fen" not in out:
            if isinstance(t.value, int | float | str) and not t.per:
                out["budget_fen"] = _fen(t.value)
                note("budget_fen", t)
        elif t.kind == "money" and t.qualifier == "max" and "max_award_fen" not in out:
            if isinstance(t.value, int | float | str):
                out["max_award_fen"] = _fen(t.value)
                note("max_award_fen", t)
        elif (
            t.kind == "percent"
            and "rate_percent" not in out
            and isinstance(t.value, int | float | str)
        ):
            out["rate_percent"] = str(Decimal(str(t.value)))
            note("rate_percent", t)
    if out.get("rate_percent"):
        out["kind"] = K.TRANSFER if "奖补" in measure.text and "核销" in measure.text else K.RATE
    elif "min_award_fen" in out:
        out["kind"] = K.FIXED
    return out


def _fen(yuan_value) -> int:
    return int((Decimal(str(yuan_value)) * 100).to_integral_value())


def create_programme(*, measure=None, **fields) -> Programme:
    """A draft programme; fields not given come from the measure's targets."""
    data: dict[str, Any] = {}
    prefill: dict[str, Any] = {}
    if measure is not None:
        prefill = prefill_from_measure(measure)
        data.update({k: v for k, v in prefill.items() if k != "sources"})
        data.setdefault("name", measure.heading or str(measure))
    data.update({k: v for k, v in fields.items() if v is not None})
    if data.get("budget_fen") is None:
        raise InvalidInput("请填写资金总额（措施中没有可带出的总额）")
    if int(data["budget_fen"]) < 0:
        raise InvalidInput("资金总额不能为负")
    if "rate_percent" in data and data["rate_percent"] is not None:
        data["rate_percent"] = Decimal(str(data["rate_percent"]))
    low, high = data.get("min_award_fen"), data.get("max_award_fen")
    if low is not None and high is not None and int(low) > int(high):
        raise InvalidInput("单笔下限不能高于上限")
    data["prefill"] = prefill
    programme = Programme.objects.create(measure=measure, **data)
    log.info("programme %s created (measure %s)", programme.pk, getattr(measure, "pk", None))
    return programme


def default_rule(programme: Programme, **options) -> tuple[dict, list[dict]]:
    """(JDM, test cases) for the programme's kind from its figures, via the rules templates."""
    from policyledger.rules import RuleError

    try:
        return _default_rule(programme, **options)
    except RuleError as exc:
        node = f"（节点 {exc.node_id}）" if exc.node_id else ""
        raise RuleProblem(f"无法按项目参数生成规则{node}：{exc.message}") from None


def _default_rule(programme: Programme, **options) -> tuple[dict, list[dict]]:
    from policyledger.rules import templates as T

    clause = _clause(programme)
    if programme.kind == K.RATE:
        if programme.rate_percent is None:
            raise InvalidInput("按比例补贴须填写补贴比例")
        rate = Decimal(str(programme.rate_percent)) / 100
        cap = programme.max_award_fen
        sectors = list(programme.sectors or [])
        row = T.RateRow(
            when={"sector": sectors} if sectors else {},
            rate=rate,
            reason=f"按开票金额的{_pct(programme.rate_percent)}补贴（{clause}）",
            item_cap_fen=cap,
        )
        jdm = T.rate_with_caps(
            programme.name,
            [("sector", "行业")],
            [row],
            base_field="price_fen",
            default_reason="不属于本项目补贴的行业/品类",
        )
        price = 359900
        expect = (
            min(round(Decimal(price) * rate), cap)
            if cap is not None
            else round(Decimal(price) * rate)
        )
        cases = [
            {
                "name": "开票3599元",
                "inputs": {"sector": sectors[0] if sectors else "家电", "price_fen": price},
                "expected": {"amount_fen": int(expect), "eligible": True},
            }
        ]
        if sectors:
            cases.append(
                {
                    "name": "其他行业不补",
                    "inputs": {"sector": "其他", "price_fen": price},
                    "expected": {"amount_fen": 0, "eligible": False},
                }
            )
        return jdm, cases
    if programme.kind == K.FIXED:
        low, high = programme.min_award_fen, programme.max_award_fen
        if low is None or high is None:
            raise InvalidInput("定额奖补须填写单笔下限和上限")
        tiers = options.get("tiers") or _default_tiers(low, high)
        figure_field = options.get("figure_field", "participants")
        figure_label = options.get("figure_label", "参与商户数")
        jdm = T.fixed_award(
            programme.name,
            figure_field,
            figure_label,
            tiers,
            min_fen=low,
            max_fen=high,
            require_approved=False,
        )
        top = max(tiers, key=lambda t: Decimal(t.at_least))
        low_tier = min(tiers, key=lambda t: Decimal(t.at_least))
        cases = [
            {
                "name": "最高档",
                "inputs": {figure_field: int(Decimal(top.at_least))},
                "expected": {"amount_fen": top.amount_fen, "eligible": True},
            },
            {
                "name": "未达最低档",
                "inputs": {figure_field: max(int(Decimal(low_tier.at_least)) - 1, 0)},
                "expected": {"amount_fen": 0, "eligible": False},
            },
        ]
        return jdm, cases
    if programme.kind == K.TRANSFER:
        share = Decimal(str(programme.rate_percent or 20)) / 100
        levels = options.get("levels") or TRANSFER_LEVELS
        jdm = T.matching_transfer(programme.name, share, dict(levels))
        first_level, first_cap = next(iter(levels.items()))
        cases = [
            {
                "name": f"{first_level}封顶",
                "inputs": {"region_level": first_level, "verified_spending_fen": first_cap * 10},
                "expected": {"amount_fen": first_cap, "eligible": True},
            },
            {
                "name": f"{first_level}按比例",
                "inputs": {"region_level": first_level, "verified_spending_fen": 100_000_00},
                "expected": {
                    "amount_fen": int(round(Decimal(100_000_00) * share)),
                    "eligible": True,
                },
            },
        ]
        return jdm, cases
    if programme.kind == K.RANKING:
        awards = options.get("awards_fen") or [programme.max_award_fen or 200_000_00]
        jdm = T.ranking_award(programme.name, options.get("figure_label", "销售额"), awards)
        cases = [
            {
                "name": "第1名",
                "inputs": {"rank": 1, "figure": 1},
                "expected": {"amount_fen": awards[0]},
            },
            {
                "name": "未进前列",
                "inputs": {"rank": len(awards) + 1, "figure": 1},
                "expected": {"amount_fen": 0, "eligible": False},
            },
        ]
        return jdm, cases
    raise InvalidInput("未知的项目类型")


def _default_tiers(low: int, high: int):
    """Four tiers from the range's bottom to its top (e.g. 1万, 3万, 5万, 10万 for 1—10万元)."""
    from policyledger.rules.templates import Tier

    steps = [low, low + (high - low) * 2 // 9, low + (high - low) * 4 // 9, high]
    steps = [int(round(s / 100_00) * 100_00) if s >= 100_00 else s for s in steps]
    steps[0], steps[-1] = low, high
    counts = [10, 30, 50, 100]
    return [Tier(c, s, f"参与商户{c}家及以上") for c, s in zip(counts, steps, strict=True)]


def _pct(value: Decimal) -> str:
    return f"{format(Decimal(value).normalize(), 'f')}%"


def _clause(programme: Programme) -> str:
    m = programme.measure
    if m is None:
        return programme.name
    doc = m.document
    return f"{doc.doc_number or doc.title}第{m.number.rstrip('、')}条" if doc else str(m)


def install_default_rule(
    programme: Programme,
    *,
    effective_from: dt.date | None = None,
    publish: bool = True,
    user=None,
    **options,
) -> RuleVersion:
    jdm, cases = default_rule(programme, **options)
    version = rule_service.add_version(
        programme,
        jdm,
        effective_from or programme.opens_on or timezone.localdate(),
        cases=cases,
        note="由项目参数生成",
    )
    if publish:
        version = rule_service.publish(version, user)
    return version


def set_region_caps(programme: Programme, caps: dict[str, tuple[str, int]]) -> None:
    """{region: (level, cap_fen)}; a cap cannot be set below what is already committed there."""
    with transaction.atomic():
        for region, (level, cap_fen) in caps.items():
            cap, created = RegionCap.objects.select_for_update().get_or_create(
                programme=programme, region=region, defaults={"level": level, "cap_fen": cap_fen}
            )
            if not created:
                if cap_fen < cap.committed_fen:
                    raise InvalidInput(f"{region}的上限不能低于已承诺金额")
                RegionCap.objects.filter(pk=cap.pk).update(level=level, cap_fen=cap_fen)


def open_programme(programme: Programme) -> Programme:
    if not programme.rules.filter(status=RuleVersion.Status.PUBLISHED).exists():
        raise InvalidInput("项目还没有已发布的规则版本，不能开始受理")
    Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.OPEN)
    programme.refresh_from_db()
    return programme


def set_budget(programme: Programme, budget_fen: int) -> Programme:
    """Change the pool; never below what is already committed (conditional UPDATE)."""
    if budget_fen < 0:
        raise InvalidInput("资金总额不能为负")
    moved = Programme.objects.filter(pk=programme.pk, committed_fen__lte=budget_fen).update(
        budget_fen=budget_fen
    )
    if not moved:
        raise InvalidInput("资金总额不能低于已承诺金额")
    programme.refresh_from_db()
    return programme
