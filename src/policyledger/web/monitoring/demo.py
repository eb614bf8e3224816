"""Demo figures for `make demo`: 24 months of 模拟数据 (generated, not a published series) for the
demo city, imported through the same service as a bureau's file; the samples' growth target linked
to 社会消费品零售总额 and running behind its path (so its warning shows); the voucher sectors
lifted in the campaign's month, so the evaluation has something to measure."""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import Decimal

from policyledger.web.monitoring.models import Indicator, IndicatorTarget, IndicatorWeekValue
from policyledger.web.monitoring.services.importing import import_release
from policyledger.web.monitoring.services.targets import link_target

log = logging.getLogger("policyledger.monitoring.demo")

REGION = "连云港市"
NEIGHBOURS = ["徐州市", "淮安市", "盐城市"]
HEAD = "地区,指标,类别,年月,单位,本月,1—N月累计,本月同比%,累计同比%\n"
# (name, category, base in tenths of 亿元, yearly growth ‰, voucher sector lifted in the campaign)
SERIES = [
    ("社会消费品零售总额", "", 3200, 50, False),
    ("限额以上单位消费品零售额", "", 1200, 45, False),
    ("餐饮收入", "餐饮", 380, 60, True),
    ("汽车类", "汽车", 260, 20, True),
    ("家用电器和音像器材类", "家用电器和音像器材", 90, 30, True),
    ("石油及制品类", "石油及制品", 150, 10, False),
    ("通讯器材类", "通讯器材", 60, 80, False),
    ("粮油、食品类", "粮油食品", 210, 55, False),
    ("服装、鞋帽、针纺织品类", "服装鞋帽针纺织品", 120, 25, False),
]


# Monitored enterprises' weekly sales (万元), 模拟数据: (name, category, base, voucher sector).
WEEKLY = [
    ("重点监测企业餐饮销售额", "餐饮", 5200, True),
    ("重点监测企业汽车销售额", "汽车", 9800, True),
    ("重点监测企业家电销售额", "家用电器和音像器材", 3100, True),
    ("重点监测企业石油及制品销售额", "石油及制品", 4400, False),
    ("重点监测企业通讯器材销售额", "通讯器材", 1900, False),
]
WEEKS = 26


def seed_weekly(today: dt.date, *, campaign_start: dt.date | None = None, seed: int = 14) -> int:
    """26 weeks of generated weekly sales up to this week for the demo city's monitored
    enterprises; the voucher sectors 10% higher from the campaign's first week (模拟数据)."""
    rng = random.Random(f"weekly{seed}")
    monday = today - dt.timedelta(days=today.weekday())
    weeks = [monday - dt.timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    start = campaign_start or today - dt.timedelta(days=1)
    lifted_from = start - dt.timedelta(days=start.weekday())
    rows = []
    for name, category, base, voucher in WEEKLY:
        indicator, _ = Indicator.objects.get_or_create(
            region=REGION, name=name,
            defaults={"category": category, "unit": "万元", "simulated": True,
                      "frequency": Indicator.Frequency.WEEKLY,
                      "source": Indicator.Source.ENTERPRISE},
        )  # fmt: skip
        for index, week in enumerate(weeks):
            value = Decimal(base) * (1 + Decimal(index) / 500)  # about 0.2% a week
            value *= 1 + Decimal(rng.randint(-15, 15)) / 1000
            if voucher and week >= lifted_from:
                value *= Decimal("1.10")
            rows.append(IndicatorWeekValue(indicator=indicator, week=week,
                                           current=value.quantize(Decimal("0.01"))))  # fmt: skip
    IndicatorWeekValue.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _months(last: dt.date, count: int) -> list[tuple[int, int]]:
    months, year, month = [], last.year, last.month
    for _ in range(count):
        months.insert(0, (year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def _tenths(v: int) -> str:
    return f"{'-' if v < 0 else ''}{abs(v) // 10}.{abs(v) % 10}"


def release_csv(
    today: dt.date, *, region: str = REGION, lifted: bool = True, seed: int = 14
) -> str:
    """36 months (12 to give the first 24 their 同比) ending this month, as a long table."""
    rng = random.Random(f"{seed}{region}")
    months = _months(today, 36)
    lines = []
    for name, category, base, growth, voucher in SERIES:
        seen: dict[tuple[int, int], tuple[int, int]] = {}
        cumulative = 0
        for index, (year, month) in enumerate(months):
            years = index / 12
            value = int(
                base * (1 + growth / 1000) ** years * (1 + 0.04 * ((month % 12) in (1, 2, 10, 12)))
            )
            value += rng.randint(-base // 50, base // 50)
            if name == "社会消费品零售总额" and (year, month) >= months[-3]:
                value = value * 97 // 100  # the last quarter slows: behind the 8% path
            if lifted and voucher and (year, month) == months[-1]:
                value = value * 112 // 100  # the campaign's month
            cumulative = value if month == 1 else cumulative + value
            seen[(year, month)] = (value, cumulative)
            if index < 12:
                continue
            pc, pk = seen[(year - 1, month)]
            yoy = _tenths((2000 * value + pc) // (2 * pc) - 1000)
            yoy_c = _tenths((2000 * cumulative + pk) // (2 * pk) - 1000)
            lines.append(
                f"{region},{name},{category},{year}-{month:02d},亿元,{_tenths(value)},"
                f"{_tenths(cumulative)},{yoy},{yoy_c}"
            )
    return "\n".join(lines) + "\n"


def seed(today: dt.date | None = None, stdout=print) -> None:
    from django.contrib.auth import get_user_model

    from policyledger.web.documents.models import Target

    if Indicator.objects.filter(region=REGION, simulated=True).exists():
        stdout("市场监测演示数据已存在，未重复导入")
        return
    today = today or dt.date.today()
    admin = get_user_model().objects.filter(username="admin").first()
    data = release_csv(today)
    for neighbour in NEIGHBOURS:
        data += release_csv(today, region=neighbour, lifted=False)
    # The history of the first 12 generated months is not imported: the file starts with the
    # 24 months that have their 同比.
    result = import_release(
        (HEAD + data).encode(), "模拟数据（演示生成）.csv", user=admin,
        yoy_tolerance=Decimal(0),
    )  # fmt: skip
    Indicator.objects.filter(region__in=[REGION, *NEIGHBOURS]).update(simulated=True)
    total = Indicator.objects.get(region=REGION, name="社会消费品零售总额")
    # The sample documents set no growth target on an indicator; one with "增长" and a percent is
    # linked when a document has it, otherwise the demo states the target itself and says so.
    target = (
        Target.objects.filter(kind=Target.Kind.PERCENT, text__contains="增长")
        .order_by("pk")
        .first()
    )
    text = "" if target else "社会消费品零售总额增长8%以上（演示设定：示例文件中没有此类增长目标）"
    if admin is not None:
        link_target(
            admin, indicator=total, year=today.year, kind=IndicatorTarget.Kind.GROWTH,
            value=Decimal("8"), target=target, text=text,
        )  # fmt: skip
    weekly = seed_weekly(today)
    stdout(
        f"市场监测：{REGION}重点监测企业{len(WEEKLY)}个行业{WEEKS}周的周度销售额（模拟数据）{weekly}条"
    )
    stdout(
        f"市场监测：导入{result.values}条模拟数据（{REGION}及{len(NEIGHBOURS)}个邻市，24个月），"
        "访问 /monitoring/"
    )
