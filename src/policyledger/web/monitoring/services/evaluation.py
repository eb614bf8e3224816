"""绩效评价 of a programme: its own results next to the indicators of its sectors and period, and
an effect estimate that is printed only with its method and assumptions.

Where monitored enterprises report weekly sales (``IndicatorWeekValue``) for the campaign's weeks,
the estimate is a difference in differences on those weeks (``weekly_effect``): for each weekly
category indicator, the mean log sales in the campaign's weeks minus the mean in the same number of
weeks just before; treated sectors' mean change minus untreated sectors' mean change, shown as a
percent. It gives no number when there are fewer than ``MIN_WEEKS`` weeks on either side, no
untreated sector, or when the weeks before already diverge (the treated sectors' weekly log trend
minus the untreated sectors' beyond ``PRETREND_TOLERANCE``), and says which.

Otherwise the estimate is a difference in differences on the monthly releases (the finest the
statistics bureau publishes): for the campaign's months and the same number of months before it,

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

from policyledger.web.monitoring.models import Indicator, IndicatorValue, IndicatorWeekValue
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


WEEKLY_ASSUMPTIONS = [
    "平行趋势：若没有消费券，参加行业与未参加行业的周销售额变化幅度（对数）相同；"
    "活动前各周的趋势差超过容许值时不作估计；",
    "无溢出：消费券没有把消费从未参加行业转移过来（若有转移，估计值偏大）；",
    "同期没有只影响参加行业的其他政策或冲击（如节假日促销只在参加行业）；",
    "监测企业样本在前后两段时间内不变，各周报送口径一致；周度数据未剔除季节因素，"
    "活动前后相邻各周的季节差异由对照行业抵消。",
]
WEEKLY_METHOD = (
    "双重差分（difference in differences，周度）：对每个周度类别指标，取活动覆盖各周销售额对数的平均值"
    "减去活动前同样周数的平均值；参加行业的平均变化减去未参加行业的平均变化，再换算为百分比"
    "（e^差值−1），即消费券使参加行业周销售额多增长的幅度。"
)
MIN_WEEKS = 3
# Largest gap allowed between the treated and untreated sectors' weekly log trends before the
# campaign (0.005 = 0.5% per week), measured by a least-squares slope over the weeks before.
PRETREND_TOLERANCE = Decimal("0.005")
PERCENT = Decimal("0.1")
# Weekly refusals after which the monthly estimate is tried instead.
FALL_BACK = {"few_weeks", "no_treated", "no_control"}


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
    basis: str = "monthly"  # or "weekly": which series the estimate uses
    basis_note: str = ""  # which series and why
    weeks_during: list[dt.date] = field(default_factory=list)
    weeks_before: list[dt.date] = field(default_factory=list)
    pretrend_gap: Decimal | None = None  # weekly: treated minus untreated log trend per week
    refusal: str = ""  # why there is no estimate, as a code (see weekly_effect)

    @property
    def unit(self) -> str:
        return "%" if self.basis == "weekly" else "个百分点"

    @property
    def short(self) -> str:
        """The estimate with its unit, for tables ("不作估计" without one)."""
        if self.estimate is None:
            return "不作估计"
        return (
            f"{self.estimate:+}%（周度）" if self.basis == "weekly" else f"{self.estimate}个百分点"
        )

    @property
    def periods(self) -> str:
        """The two stretches of time compared, in words."""
        if self.basis == "weekly" and self.weeks_during:
            n, last = len(self.weeks_during), self.weeks_during[-1] + dt.timedelta(days=6)
            return (
                f"比较期：活动期间{self.weeks_during[0]:%Y-%m-%d}至{last:%Y-%m-%d}（{n}周），"
                f"活动前{self.weeks_before[0]:%Y-%m-%d}起{n}周。"
            )
        if self.months_during:
            n = len(self.months_during)
            return (
                f"比较期：活动期间{self.months_during[0]:%Y年%m月}起{n}个月，"
                f"活动前{self.months_before[0]:%Y年%m月}起{n}个月。"
            )
        return ""

    @property
    def summary(self) -> str:
        """The estimate in one sentence with the figures it comes from, or why there is none."""
        if self.estimate is None:
            return f"不作估计：{self.reason}。"
        if self.basis == "weekly":
            n = len(self.weeks_during)
            return (
                f"估计效果：活动覆盖的{n}周与此前{n}周相比，参加行业周销售额变化"
                f"{self.treated_during:+}%，未参加行业变化{self.control_during:+}%；"
                f"双重差分估计消费券使参加行业销售额多增长{self.estimate:+}%。"
            )
        return (
            f"估计效果：参加行业的本月同比增速相对未参加行业多变化{self.estimate}个百分点"
            f"（参加行业：活动前{self.treated_before}%，活动期间{self.treated_during}%；"
            f"未参加行业：活动前{self.control_before}%，活动期间{self.control_during}%）。"
        )


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


# Voucher sectors under the names the statistics use for their categories.
SECTOR_ALIASES = {"家电": ("家用电器",)}


def _matches(sector: str, category: str) -> bool:
    if not (sector and category):
        return False
    names = (sector, *SECTOR_ALIASES.get(sector, ()))
    return any(name in category for name in names) or category in sector


def _slope(values: list[Decimal]) -> Decimal:
    """Least-squares slope of values against 0, 1, 2 …"""
    n = len(values)
    mean_x = Decimal(n - 1) / 2
    mean_y = sum(values) / n
    num = sum((Decimal(i) - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((Decimal(i) - mean_x) ** 2 for i in range(n))
    return num / den if den else Decimal(0)


def _change(log_diff: Decimal) -> Decimal:
    return ((log_diff.exp() - 1) * 100).quantize(PERCENT)


def weekly_effect(result: ProgrammeResult, region: str) -> Effect | None:
    """The weekly estimate, or None when the region has no weekly category figures in the
    campaign's weeks (the monthly estimate is used then).

    The campaign's weeks run from the week of its first day to the week of its last day or the
    latest reported week, whichever is earlier; the weeks before are as many, just before. An
    Effect without an estimate has ``refusal``: "few_weeks", "no_treated", "no_control" (the
    caller may then use the months) or "pretrend" (final: the months would hide it, not cure it).
    """
    weekly = list(
        Indicator.objects.filter(region=region, frequency=Indicator.Frequency.WEEKLY)
        .exclude(category="")
        .order_by("category", "name")
    )
    first = result.start - dt.timedelta(days=result.start.weekday())
    last_wanted = result.end - dt.timedelta(days=result.end.weekday())
    latest = (
        IndicatorWeekValue.objects.filter(
            indicator__in=weekly, week__gte=first, week__lte=last_wanted
        )
        .order_by("-week")
        .values_list("week", flat=True)
        .first()
    )
    if latest is None:
        return None
    n = (latest - first).days // 7 + 1
    during = [first + dt.timedelta(weeks=i) for i in range(n)]
    before = [first - dt.timedelta(weeks=n - i) for i in range(n)]
    values: dict[tuple[int, dt.date], Decimal] = {
        (i, w): v
        for i, w, v in IndicatorWeekValue.objects.filter(
            indicator__in=weekly, week__in=before + during
        ).values_list("indicator_id", "week", "current")
    }
    treated = [i for i in weekly if any(_matches(s, i.category) for s in result.sectors)]
    control = [i for i in weekly if i not in treated]
    effect = Effect(
        None, [i.name for i in treated], [i.name for i in control],
        method=WEEKLY_METHOD, assumptions=list(WEEKLY_ASSUMPTIONS), basis="weekly",
        weeks_during=during, weeks_before=before,
        basis_note=(
            f"使用周度数据：{region}的监测企业报送了活动期间{n}周及此前{n}周的周度销售额，"
            "比整月计算的月度数据更贴近活动的起止日期。"
        ),
    )  # fmt: skip

    def complete(indicators: list[Indicator]) -> list[Indicator]:
        return [
            i for i in indicators
            if all(values.get((i.pk, w), 0) > 0 for w in before + during)
        ]  # fmt: skip

    treated_full, control_full = complete(treated), complete(control)
    if not treated:
        effect.refusal = "no_treated"
        effect.reason = (
            f"{region}没有与活动行业（{'、'.join(result.sectors) or '未设置'}）对应的周度指标"
        )
        return effect
    if not control:
        effect.refusal = "no_control"
        effect.reason = "没有未参加活动的行业的周度指标作对照"
        return effect
    if n < MIN_WEEKS or not treated_full or not control_full:
        effect.refusal = "few_weeks"
        effect.reason = (
            f"周数太少：活动至今覆盖{n}周，需活动期间及此前各至少{MIN_WEEKS}周、"
            f"且参加与未参加行业在这{2 * n}周都有报送数据"
        )
        return effect

    def logs(i: Indicator, weeks: list[dt.date]) -> list[Decimal]:
        return [values[(i.pk, w)].ln() for w in weeks]

    def mean(xs: list[Decimal]) -> Decimal:
        return sum(xs) / len(xs)

    def shift(indicators: list[Indicator]) -> Decimal:
        return mean([mean(logs(i, during)) - mean(logs(i, before)) for i in indicators])

    gap = mean([_slope(logs(i, before)) for i in treated_full]) - mean(
        [_slope(logs(i, before)) for i in control_full]
    )
    effect.pretrend_gap = gap.quantize(Decimal("0.0001"))
    effect.treated = [i.name for i in treated_full]
    effect.control = [i.name for i in control_full]
    if abs(gap) > PRETREND_TOLERANCE:
        effect.refusal = "pretrend"
        effect.reason = (
            f"活动前趋势不平行：活动前{n}周参加行业周销售额每周比未参加行业多变化"
            f"{_change(gap)}%，超过容许的±{PRETREND_TOLERANCE * 100}%"
        )
        return effect
    treated_shift, control_shift = shift(treated_full), shift(control_full)
    effect.treated_during = _change(treated_shift)
    effect.control_during = _change(control_shift)
    effect.estimate = _change(treated_shift - control_shift)
    return effect


def evaluate(key: str, region: str = "") -> Evaluation | None:
    result = tracking_hooks.programme(key)
    if result is None:
        return None
    region = region or result.region
    weekly = weekly_effect(result, region)
    if weekly is not None and weekly.refusal not in FALL_BACK:
        categories = list(
            Indicator.objects.filter(region=region).exclude(category="").order_by("category")
        )
        return Evaluation(
            result, region, weekly, _sectors(result, categories, region),
            any(i.simulated for i in categories),
        )  # fmt: skip
    during = months_between(result.start, result.end)
    # As many months before the campaign as it lasts.
    before: list[dt.date] = []
    day = during[0]
    for _ in during:
        day = dt.date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)
        before.insert(0, day)
    categories = list(
        Indicator.objects.filter(region=region, frequency=Indicator.Frequency.MONTHLY)
        .exclude(category="")
        .order_by("category")
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
    effect.basis_note = (
        f"使用月度数据：{region or '该地区'}没有活动期间的周度监测数据，"
        "按统计局月度发布的本月同比计算。"
    )
    if weekly is not None:
        effect.basis_note = (
            f"使用月度数据：周度数据不能用（{weekly.reason}），改按统计局月度发布的本月同比计算。"
        )
    if not treated:
        effect.reason = f"{region or '该地区'}没有与活动行业（{'、'.join(result.sectors) or '未设置'}）对应的类别指标"
    elif not control:
        effect.reason = "没有未参加活动的行业作对照"
    elif any(p is None for p in parts):
        effect.reason = "活动期间或活动前缺少同比数据"
    else:
        effect.estimate = (parts[1] - parts[0]) - (parts[3] - parts[2])  # type: ignore[operator]
    if effect.estimate is None and weekly is not None:
        effect.reason = f"周度数据{weekly.reason}；月度数据{effect.reason}"
    return Evaluation(
        result, region, effect, _sectors(result, categories, region),
        any(i.simulated for i in categories),
    )  # fmt: skip


def _sectors(result: ProgrammeResult, categories: list[Indicator], region: str):
    """Each sector's monthly category indicator and its mean 本月同比 in the campaign's months."""
    during = months_between(result.start, result.end)
    monthly = [i for i in categories if i.frequency == Indicator.Frequency.MONTHLY]
    sectors = []
    for sector in result.sectors:
        match = next((i for i in monthly if _matches(sector, i.category)), None)
        yoy = None
        if match is not None:
            yoy = _mean(
                list(
                    IndicatorValue.objects.filter(
                        indicator=match, month__in=during, yoy_current__isnull=False
                    ).values_list("yoy_current", flat=True)
                )
            )
        sectors.append(SectorIndicator(sector, match, yoy))
    return sectors
