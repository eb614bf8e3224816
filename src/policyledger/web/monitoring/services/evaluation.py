"""绩效评价 of a programme: its own results next to the indicators of its sectors and period, and
an effect estimate that is printed only with its method and assumptions.

The estimate is a difference in differences on the monthly releases (the finest the statistics
bureau publishes): for the campaign's months and the same number of months before it,

    effect = (treated sectors' 本月同比 during − before) − (other sectors' 本月同比 during − before)

in percentage points, where the treated sectors are the indicator categories the vouchers could be
spent in and the comparison sectors are the other categories of the same region. Using 同比 (growth
over the same month a year earlier) takes the seasons out. Where a side has no data the estimate is
not given, and the page says why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from policyledger.web.monitoring.models import Indicator, IndicatorValue
from policyledger.web.tracking import hooks as tracking_hooks
from policyledger.web.tracking.hooks import ProgrammeResult

ASSUMPTIONS = [
    "平行趋势：若没有消费券，参加行业与未参加行业的同比增速变化幅度相同；",
    "无溢出：消费券没有把消费从未参加行业转移过来（若有转移，估计值偏大）；",
    "同期没有只影响参加行业的其他政策或冲击（如车展、限购调整）；",
    "统计口径在前后两段时间内一致；月度数据只能按整月计算，活动不足整月的月份按整月计入。",
]
METHOD = (
    "双重差分（difference in differences）：参加行业在活动期间各月本月同比的平均值减去活动前同样月数的平均值，"
    "再减去未参加行业同一差值，单位为百分点。"
)


@dataclass
class Effect:
    estimate: Decimal | None
    treated: list[str]
    control: list[str]
    treated_before: Decimal | None = None
    treated_during: Decimal | None = None
    control_before: Decimal | None = None
    control_during: Decimal | None = None
    months_during: list[dt.date] = field(default_factory=list)
    months_before: list[dt.date] = field(default_factory=list)
    reason: str = ""
    method: str = METHOD
    assumptions: list[str] = field(default_factory=lambda: list(ASSUMPTIONS))


@dataclass
class SectorIndicator:
    sector: str
    indicator: Indicator | None
    yoy_during: Decimal | None


@dataclass
class Evaluation:
    result: ProgrammeResult
    region: str
    effect: Effect
    sectors: list[SectorIndicator]
    simulated: bool = False


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], dt.date(start.year, start.month, 1)
    while day <= end:
        months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values) / len(values)).quantize(Decimal("0.01")) if values else None


def _matches(sector: str, category: str) -> bool:
    return bool(sector and category) and (sector in category or category in sector)


def evaluate(key: str, region: str = "") -> Evaluation | None:
    result = tracking_hooks.programme(key)
    if result is None:
        return None
    region = region or result.region
    during = months_between(result.start, result.end)
    # As many months before the campaign as it lasts.
    before: list[dt.date] = []
    day = during[0]
    for _ in during:
        day = dt.date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)
        before.insert(0, day)
    categories = list(
        Indicator.objects.filter(region=region).exclude(category="").order_by("category")
    )
    treated = [i for i in categories if any(_matches(s, i.category) for s in result.sectors)]
    control = [i for i in categories if i not in treated]
    values: dict[tuple[int, dt.date], Decimal] = {
        (indicator_id, month): yoy
        for indicator_id, month, yoy in IndicatorValue.objects.filter(
            indicator__in=categories, month__in=before + during, yoy_current__isnull=False
        ).values_list("indicator_id", "month", "yoy_current")
    }

    def mean(indicators: list[Indicator], months: list[dt.date]) -> Decimal | None:
        return _mean([values[(i.pk, m)] for i in indicators for m in months if (i.pk, m) in values])

    effect = Effect(
        None,
        [i.name for i in treated],
        [i.name for i in control],
        mean(treated, before),
        mean(treated, during),
        mean(control, before),
        mean(control, during),
        during,
        before,
    )
    parts = [
        effect.treated_before,
        effect.treated_during,
        effect.control_before,
        effect.control_during,
    ]
    if not treated:
        effect.reason = f"{region or '该地区'}没有与活动行业（{'、'.join(result.sectors) or '未设置'}）对应的类别指标"
    elif not control:
        effect.reason = "没有未参加活动的行业作对照"
    elif any(p is None for p in parts):
        effect.reason = "活动期间或活动前缺少同比数据"
    else:
        effect.estimate = (parts[1] - parts[0]) - (parts[3] - parts[2])  # type: ignore[operator]
    sectors = []
    for sector in result.sectors:
        match = next((i for i in treated if _matches(sector, i.category)), None)
        sectors.append(SectorIndicator(sector, match, mean([match], during) if match else None))
    return Evaluation(result, region, effect, sectors, any(i.simulated for i in categories))
