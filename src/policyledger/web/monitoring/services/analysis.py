"""运行分析: one month of a region's market, from the imported values (a fixed number of queries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from policyledger.web.monitoring.models import Indicator, IndicatorTarget, IndicatorValue

HEADLINE = "社会消费品零售总额"


@dataclass
class Figure:
    indicator: Indicator
    current: Decimal | None
    cumulative: Decimal | None
    yoy_current: Decimal | None
    yoy_cumulative: Decimal | None


@dataclass
class Analysis:
    region: str
    month: dt.date
    headline: Figure | None
    others: list[Figure] = field(default_factory=list)  # totals other than the headline
    categories: list[Figure] = field(default_factory=list)  # ranked by 本月同比, fastest first
    regions: list[Figure] = field(default_factory=list)  # the headline indicator in each region
    targets: list[IndicatorTarget] = field(default_factory=list)
    trend: list[tuple[dt.date, Decimal | None, Decimal | None]] = field(default_factory=list)

    @property
    def simulated(self) -> bool:
        figures = [self.headline, *self.others, *self.categories, *self.regions]
        return any(f is not None and f.indicator.simulated for f in figures)

    @property
    def label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"


def _figure(value: IndicatorValue) -> Figure:
    return Figure(
        value.indicator, value.current, value.cumulative, value.yoy_current, value.yoy_cumulative
    )


def regions() -> list[str]:
    return list(Indicator.objects.order_by("region").values_list("region", flat=True).distinct())


def latest_month(region: str) -> dt.date | None:
    return (
        IndicatorValue.objects.filter(indicator__region=region)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def analysis(region: str, month: dt.date) -> Analysis:
    rows = list(
        IndicatorValue.objects.filter(indicator__region=region, month=month).select_related(
            "indicator"
        )
    )
    figures = [_figure(v) for v in rows]
    headline = next((f for f in figures if f.indicator.name == HEADLINE), None)
    others = [f for f in figures if not f.indicator.category and f is not headline]
    categories = sorted(
        (f for f in figures if f.indicator.category),
        key=lambda f: (f.yoy_current is None, -(f.yoy_current or 0)),
    )
    name = headline.indicator.name if headline else HEADLINE
    compared = [
        _figure(v)
        for v in IndicatorValue.objects.filter(indicator__name=name, month=month)
        .select_related("indicator")
        .order_by("-yoy_cumulative")
    ]
    trend = []
    if headline is not None:
        trend = list(
            IndicatorValue.objects.filter(
                indicator=headline.indicator,
                month__gt=dt.date(month.year - 2, month.month, 1),
                month__lte=month,
            )
            .order_by("month")
            .values_list("month", "current", "yoy_current")
        )
    targets = list(
        IndicatorTarget.objects.filter(indicator__region=region, year=month.year).select_related(
            "indicator"
        )
    )
    return Analysis(region, month, headline, others, categories, compared, targets, trend)


def number(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal(1).scaleb(-places)):,}"


def growth(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{abs(value).quantize(Decimal('0.1'))}%"
    return ("增长" if value >= 0 else "下降") + text


def summary(data: Analysis) -> str:
    """The opening paragraph, as a 运行分析 states it."""
    if data.headline is None:
        return f"{data.label}{data.region}暂无{HEADLINE}数据。"
    h = data.headline
    unit = h.indicator.unit
    text = (
        f"{data.label}，{data.region}实现{HEADLINE}{number(h.current)}{unit}，同比{growth(h.yoy_current)}；"
        f"1—{data.month.month}月累计{number(h.cumulative)}{unit}，同比{growth(h.yoy_cumulative)}。"
    )
    if data.categories:
        top = data.categories[0]
        low = data.categories[-1]
        text += (
            f"分类别看，{top.indicator.name}增长最快（本月同比{growth(top.yoy_current)}），"
            f"{low.indicator.name}最慢（{growth(low.yoy_current)}）。"
        )
    return text
