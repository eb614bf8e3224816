"""What-if for a programme (PolicyEngine-style): one population, the programme's rule as it stands
(baseline) against the same rule with another rate, caps and budget (scenario), side by side.

The population is uploaded invoices (xlsx/csv), the programme's own applications, or a seeded
generated one. Both rules are built by the programme's template (``programmes.default_rule``) and
run by the vectorised ``policyledger.rules.whatif`` (integer fen throughout). The page and the API
call :func:`population` then :func:`run`.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from ..models import Application, Programme, yuan
from .calculator import parse_yuan
from .errors import ImportRefused, InvalidInput, SubsidyError

K = Programme.Kind
SUPPORTED = (K.RATE, K.FIXED)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_ROWS = 50_000
MAX_GENERATED = 1_000_000
NO_DISTRICT = "（未填地区）"

# Header -> field of an uploaded population; several spellings accepted (as in the offline import).
COLUMNS = {
    "amount": ("开票金额（元）", "开票金额", "金额（元）", "金额", "price_yuan"),
    "sector": ("行业", "品类", "行业/品类", "sector"),
    "district": ("区县", "地区", "所在地区", "district"),
    "figure": ("参与商户数", "指标", "participants"),
    "submitted": ("提交时间", "申报时间", "开票日期", "submitted_at"),
}


@dataclass(frozen=True)
class Params:
    """What an officer may change: rate (percent), per-application caps (fen), budget (fen)."""

    budget_fen: int
    rate_percent: Decimal | None = None
    max_award_fen: int | None = None
    min_award_fen: int | None = None


def current_params(programme: Programme) -> Params:
    """The programme's own figures (what the form is prefilled with and the baseline uses)."""
    return Params(
        budget_fen=programme.budget_fen,
        rate_percent=programme.rate_percent,
        max_award_fen=programme.max_award_fen,
        min_award_fen=programme.min_award_fen,
    )


def _check_supported(programme: Programme) -> None:
    if programme.kind not in SUPPORTED:
        raise InvalidInput(
            f"「{programme.get_kind_display()}」类项目暂不支持测算（支持按比例补贴、定额奖补）"
        )


def rule_for(programme: Programme, params: Params) -> dict:
    """The programme's template rule (JDM) with the given figures; the programme is not saved."""
    from .programmes import default_rule

    _check_supported(programme)
    if programme.kind == K.RATE:
        rate = params.rate_percent
        if rate is None or not (Decimal(0) < Decimal(rate) <= Decimal(100)):
            raise InvalidInput("补贴比例应大于0且不超过100（%）")
    if params.budget_fen is None or params.budget_fen <= 0:
        raise InvalidInput("资金总额应大于0")
    if (
        params.min_award_fen is not None
        and params.max_award_fen is not None
        and params.min_award_fen > params.max_award_fen
    ):
        raise InvalidInput("单笔下限不能高于单笔上限")
    shadow = copy.copy(programme)
    shadow.rate_percent = params.rate_percent
    shadow.max_award_fen = params.max_award_fen
    shadow.min_award_fen = params.min_award_fen
    shadow.budget_fen = params.budget_fen
    jdm, _cases = default_rule(shadow)
    return jdm


# --- populations --------------------------------------------------------------------------------


def _needs(programme: Programme) -> str:
    return "figure" if programme.kind == K.FIXED else "amount"


def _columns(
    programme: Programme,
    sectors: list[str],
    amounts: list[int],
    districts: list[str],
    order: np.ndarray,
) -> dict[str, Any]:
    from policyledger.rules.compile import Categorical

    pop: dict[str, Any] = {}
    if programme.kind == K.FIXED:
        pop["participants"] = np.asarray(amounts, dtype=np.int64)
    else:
        pop["sector"] = Categorical.from_values(sectors)
        pop["price_fen"] = np.asarray(amounts, dtype=np.int64)
    pop["district"] = Categorical.from_values(districts)
    pop["submitted_at"] = order
    return pop


def population_from_upload(programme: Programme, data: bytes, filename: str) -> dict[str, Any]:
    """Invoices (or figures) from an xlsx/csv; every bad cell is named by row and column and
    nothing is run. Columns: 开票金额（元）(or 参与商户数 for 定额奖补), 行业, 区县, 提交时间."""
    from .auto import read_table

    _check_supported(programme)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"文件过大：最多 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    table = read_table(data, filename or "upload.csv")
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise ImportRefused(["文件是空的"])
    if len(table) - 1 > MAX_UPLOAD_ROWS:
        raise InvalidInput(f"一次最多测算 {MAX_UPLOAD_ROWS} 行")
    header = [(h or "").strip() for h in table[0]]
    cols: dict[str, int] = {}
    for i, title in enumerate(header):
        for key, names in COLUMNS.items():
            if title in names and key not in cols:
                cols[key] = i
    need = _needs(programme)
    missing = [COLUMNS[need][0]] if need not in cols else []
    if programme.sectors and programme.kind == K.RATE and "sector" not in cols:
        missing.append(COLUMNS["sector"][0])
    if missing:
        raise ImportRefused([f"第1行（表头）缺少列：{'、'.join(missing)}"])
    errors: list[str] = []
    sectors: list[str] = []
    amounts: list[int] = []
    districts: list[str] = []
    times: list[dt.datetime] = []
    for line, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue

        def get(key: str, raw=raw) -> str:
            i = cols.get(key)
            return (raw[i] or "").strip() if i is not None and i < len(raw) else ""

        def err(key: str, message: str, line=line) -> None:
            errors.append(f"第{line}行“{header[cols[key]]}”：{message}")

        value = get(need)
        if need == "amount":
            try:
                amount = Decimal(parse_yuan(value)) / 100  # 600万 too
                if (
                    not amount.is_finite()
                    or amount <= 0
                    or amount != amount.quantize(Decimal("0.01"))
                ):
                    raise InvalidOperation
                if amount > Decimal("1e10"):
                    raise InvalidOperation
                amounts.append(int(amount * 100))
            except (InvalidOperation, ValueError, InvalidInput):
                err("amount", f"应为大于0、最多两位小数的金额（元），实际“{value}”")
                amounts.append(0)
        else:
            if value.isdigit() and len(value) <= 9:
                amounts.append(int(value))
            else:
                err("figure", f"应为非负整数，实际“{value}”")
                amounts.append(0)
        sectors.append(get("sector"))
        districts.append(get("district") or NO_DISTRICT)
        if "submitted" in cols:
            text = get("submitted").replace("/", "-")
            try:
                times.append(dt.datetime.fromisoformat(text))
            except ValueError:
                err("submitted", f"应为时间，如 2026-05-01 09:30，实际“{get('submitted')}”")
        if len(errors) > 200:
            break
    if errors:
        raise ImportRefused(errors)
    if not amounts:
        raise ImportRefused(["文件中没有数据行"])
    if "submitted" in cols:
        order = np.asarray(times, dtype="datetime64[s]")
    else:
        order = np.arange(1, len(amounts) + 1, dtype=np.int64)  # row order is submission order
    return _columns(programme, sectors, amounts, districts, order)


def population_from_applications(programme: Programme) -> dict[str, Any]:
    """The programme's own applications (all but those finally refused), in submission order."""
    _check_supported(programme)
    apps = list(
        Application.objects.filter(programme=programme)
        .exclude(status__in=(Application.Status.REJECTED, Application.Status.REVOKED))
        .order_by("submitted_at", "id")
        .values_list("inputs", "sector", "region", "submitted_at")
    )
    if not apps:
        raise InvalidInput("该项目还没有申请，无法按申请人测算（可上传发票或生成模拟人群）")
    key = "participants" if programme.kind == K.FIXED else "price_fen"
    amounts = []
    for inputs, *_ in apps:
        value = (inputs or {}).get(key, 0)
        amounts.append(value if isinstance(value, int) and not isinstance(value, bool) else 0)
    order = np.asarray(
        [a[3].astimezone(dt.UTC).replace(tzinfo=None) for a in apps], dtype="datetime64[s]"
    )
    return _columns(
        programme,
        [a[1] or str((a[0] or {}).get("sector", "")) for a in apps],
        amounts,
        [a[2] or NO_DISTRICT for a in apps],
        order,
    )


def generated_population(programme: Programme, size: int, seed: int) -> dict[str, Any]:
    """A seeded synthetic population (same size and seed, same people): prices 100—20000元
    (or 0—200 participants), the programme's sectors, districts of the demo city."""
    from policyledger.rules.population import DISTRICTS

    _check_supported(programme)
    if not (1 <= size <= MAX_GENERATED):
        raise InvalidInput(f"模拟人数应在 1 到 {MAX_GENERATED} 之间")
    rng = np.random.default_rng(seed)
    sectors = list(programme.sectors or []) or ["家电"]
    if programme.kind == K.FIXED:
        amounts = rng.integers(0, 201, size=size, dtype=np.int64)
    else:
        amounts = rng.integers(100_00, 20_000_00 + 1, size=size, dtype=np.int64)
    from policyledger.rules.compile import Categorical

    pop: dict[str, Any] = {}
    if programme.kind == K.FIXED:
        pop["participants"] = amounts
    else:
        pop["sector"] = Categorical(
            rng.integers(0, len(sectors), size=size, dtype=np.int32), sectors
        )
        pop["price_fen"] = amounts
    pop["district"] = Categorical(
        rng.integers(0, len(DISTRICTS), size=size, dtype=np.int32), DISTRICTS
    )
    pop["submitted_at"] = np.arange(1, size + 1, dtype=np.int64)
    return pop


# --- the run ------------------------------------------------------------------------------------


def _when(t) -> str:
    if t.runs_out_at is None:
        return "未用完"
    at = t.runs_out_at
    where = at.strftime("%Y-%m-%d %H:%M") if isinstance(at, dt.datetime) else f"第{at}条"
    return f"第{t.runs_out_after + 1}笔符合条件的申请之前（{where}）"


def _side(t) -> dict[str, Any]:
    return {
        "total_cost_fen": t.total_cost_fen,
        "funded_fen": t.funded_fen,
        "eligible": t.eligible,
        "people_served": t.people_served,
        "budget_fen": t.budget_fen,
        "share_of_budget": str(t.share_of_budget),
        "runs_out": t.runs_out_at is not None,
        "runs_out_after": t.runs_out_after,
        "runs_out_at": (
            t.runs_out_at.isoformat() if isinstance(t.runs_out_at, dt.datetime) else t.runs_out_at
        ),
        "runs_out_text": _when(t),
    }


def run(programme: Programme, population: dict[str, Any], scenario: Params) -> dict[str, Any]:
    """Baseline (the programme's figures) vs scenario over ``population``: a JSON-ready report
    (money in integer fen, plus display text with the project's money formatting)."""
    from policyledger import rules
    from policyledger.rules.whatif import GroupTotals

    baseline = current_params(programme)
    try:
        base_jdm = rule_for(programme, baseline)
    except InvalidInput as exc:
        raise InvalidInput(f"项目当前参数无法测算：{exc.message}") from None
    scen_jdm = rule_for(programme, scenario)
    try:
        result = rules.whatif(
            base_jdm,
            scen_jdm,
            population,
            baseline.budget_fen,
            by="district",
            scenario_budget_fen=scenario.budget_fen,
            order="submitted_at",
        )
    except rules.RuleError as exc:
        raise InvalidInput(f"测算失败：{exc.message}") from None
    b, s = result.baseline, result.scenario

    def pct(share: Decimal) -> str:
        return f"{share * 100:.2f}%"

    rows = [
        ("资金总额（元）", yuan(b.budget_fen), yuan(s.budget_fen)),
        ("总成本（元，按规则应补）", yuan(b.total_cost_fen), yuan(s.total_cost_fen)),
        ("预算内兑付（元）", yuan(b.funded_fen), yuan(s.funded_fen)),
        ("符合条件人次", f"{b.eligible:,}", f"{s.eligible:,}"),
        ("预算内受益人次", f"{b.people_served:,}", f"{s.people_served:,}"),
        ("总成本占预算", pct(b.share_of_budget), pct(s.share_of_budget)),
        ("资金池用完于", _when(b), _when(s)),
    ]
    districts = sorted(set(b.by_group) | set(s.by_group))
    zero = GroupTotals(0, 0, 0, 0)
    by_district = []
    for d in districts:
        gb, gs = b.by_group.get(d, zero), s.by_group.get(d, zero)
        by_district.append(
            {
                "district": d,
                "baseline": {
                    "cost_fen": gb.cost_fen,
                    "funded_fen": gb.funded_fen,
                    "eligible": gb.eligible,
                    "served": gb.served,
                },
                "scenario": {
                    "cost_fen": gs.cost_fen,
                    "funded_fen": gs.funded_fen,
                    "eligible": gs.eligible,
                    "served": gs.served,
                },
                "baseline_funded": yuan(gb.funded_fen),
                "scenario_funded": yuan(gs.funded_fen),
                "baseline_cost": yuan(gb.cost_fen),
                "scenario_cost": yuan(gs.cost_fen),
            }
        )
    return {
        "programme": programme.pk,
        "size": len(population["submitted_at"]),
        "params": {"baseline": params_out(baseline), "scenario": params_out(scenario)},
        "baseline": _side(b),
        "scenario": _side(s),
        "rows": rows,
        "by_district": by_district,
        "chart": {
            "districts": districts,
            "baseline_funded_fen": [r["baseline"]["funded_fen"] for r in by_district],
            "scenario_funded_fen": [r["scenario"]["funded_fen"] for r in by_district],
        },
    }


def params_out(p: Params) -> dict[str, Any]:
    return {
        "budget_fen": p.budget_fen,
        "rate_percent": str(p.rate_percent) if p.rate_percent is not None else None,
        "max_award_fen": p.max_award_fen,
        "min_award_fen": p.min_award_fen,
    }


def population(
    programme: Programme,
    source: str,
    *,
    data: bytes | None = None,
    filename: str = "",
    size: int = 10_000,
    seed: int = 2026,
) -> dict[str, Any]:
    """The population named by ``source``: "upload", "applications" or "generated"."""
    if source == "upload":
        if not data:
            raise InvalidInput("请选择要上传的发票文件（xlsx 或 csv）")
        return population_from_upload(programme, data, filename)
    if source == "applications":
        return population_from_applications(programme)
    if source == "generated":
        return generated_population(programme, size, seed)
    raise InvalidInput("人群来源应为：上传发票、本项目申请人或模拟生成")


__all__ = [
    "Params",
    "SubsidyError",
    "current_params",
    "generated_population",
    "params_out",
    "population",
    "population_from_applications",
    "population_from_upload",
    "rule_for",
    "run",
]
