"""The monthly 消费市场运行情况 (.docx) in the 通报's house style: the same page, fonts, masthead,
headings and bordered tables (``tracking.briefings.docx``)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

from docx import Document

from policyledger.web.monitoring import charts
from policyledger.web.monitoring.services.analysis import Analysis, growth, number, summary
from policyledger.web.monitoring.services.targets import path_of
from policyledger.web.tracking.briefings import docx as house
from policyledger.web.tracking.briefings.data import DEFAULT_ISSUER

CATEGORY_COLUMNS = [
    ("序号", 1.3),
    ("类别", 5.0),
    ("本月", 2.6),
    ("本月同比", 2.4),
    ("累计同比", 2.4),
]
REGION_COLUMNS = [("序号", 1.3), ("地区", 5.0), ("累计", 2.6), ("累计同比", 2.4), ("本月同比", 2.4)]
TARGET_COLUMNS = [("序号", 1.3), ("指标", 5.2), ("目标", 3.4), ("预警", 1.8), ("说明", 3.7)]


def render_analysis_docx(
    data: Analysis, *, issuer: str = DEFAULT_ISSUER, today: dt.date | None = None
) -> bytes:
    today = today or dt.date.today()
    document = Document()
    house.set_defaults(document)
    house.set_page(document)
    house.header_block(
        document,
        SimpleNamespace(issuer=issuer, doc_number=f"{data.month.year}年第{data.month.month}期"),
    )
    house.paragraph(
        document, f"{data.label}{data.region}消费市场运行情况", font=house.SERIF, size=22,
        bold=True, centre=True, after=12,
    )  # fmt: skip
    sections = [("总体情况", _overall), ("分类别情况", _categories), ("分地区情况", _regions),
                ("目标进度", _targets)]  # fmt: skip
    for index, (heading, body) in enumerate(sections):
        house.paragraph(
            document, f"{house.ordinal(index + 1)}、{heading}", font=house.SANS, before=6
        )
        body(document, data)
    source = "数据来源：统计局月度发布及监测企业报送；表中金额单位见各指标。"
    if data.simulated:
        source = "注：本文所用数据为演示用模拟数据（程序生成），并非统计部门发布的数据。"
    house.paragraph(document, source, size=12)
    house.signature(document, SimpleNamespace(issuer=issuer, issued_on=today))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _overall(document, data: Analysis) -> None:
    house.paragraph(document, summary(data))
    for f in data.others:
        house.paragraph(
            document,
            f"{f.indicator.name}{number(f.current)}{f.indicator.unit}，同比{growth(f.yoy_current)}；"
            f"累计{number(f.cumulative)}{f.indicator.unit}，同比{growth(f.yoy_cumulative)}。",
        )


def _categories(document, data: Analysis) -> None:
    if not data.categories:
        house.paragraph(document, "本月暂无分类别数据。")
        return
    rows = [
        [
            str(i),
            f.indicator.name,
            f"{number(f.current)}{f.indicator.unit}",
            _pct(f.yoy_current),
            _pct(f.yoy_cumulative),
        ]
        for i, f in enumerate(data.categories, start=1)
    ]
    house.table(document, CATEGORY_COLUMNS, rows, left_columns={1})
    ranked = [f for f in data.categories if f.yoy_current is not None]
    if ranked:
        _chart(
            document,
            lambda: charts.ranked_growth(
                f"{data.label}分类别本月同比增速",
                [f.indicator.category or f.indicator.name for f in ranked],
                [f.yoy_current for f in ranked],
            ),
            "图：各类别按本月同比增速排序",
        )


def _regions(document, data: Analysis) -> None:
    if len(data.regions) < 2:
        house.paragraph(document, "暂无其他地区的可比数据。")
        return
    rows = [
        [
            str(i),
            f.indicator.region,
            f"{number(f.cumulative)}{f.indicator.unit}",
            _pct(f.yoy_cumulative),
            _pct(f.yoy_current),
        ]
        for i, f in enumerate(data.regions, start=1)
    ]
    house.table(document, REGION_COLUMNS, rows, left_columns={1})


def _targets(document, data: Analysis) -> None:
    if not data.targets:
        house.paragraph(document, "本年度暂无关联的量化目标。")
        return
    rows = [
        [
            str(i),
            t.indicator.name,
            f"{t.get_kind_display()}{number(t.value, 2)}",
            t.get_warning_display(),
            t.warning_detail or "—",
        ]
        for i, t in enumerate(data.targets, start=1)
    ]
    house.table(document, TARGET_COLUMNS, rows, left_columns={1, 4})
    _target_charts(document, data.targets)


def _chart(document, draw, caption: str) -> None:
    """A chart under the table it illustrates, or (once per report) why charts are left out."""
    if not charts.available():
        if not getattr(document, "_charts_missing_noted", False):
            house.paragraph(document, charts.MISSING_FONT, size=12)
            document._charts_missing_noted = True
        return
    house.picture(document, draw(), caption=caption)


def _target_charts(document, links, limit: int = 3) -> None:
    for link in links[:limit]:
        points = path_of(link)
        _chart(
            document,
            lambda link=link, points=points: charts.target_path(
                f"{link.indicator}（{link.year}年）",
                [p.month for p in points],
                [p.path for p in points],
                [p.actual for p in points],
            ),
            f"图：{link.indicator.name}实际与目标路径（{link.get_kind_display()}{number(link.value, 2)}）",
        )


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.1'))}%"


DISTRICT_COLUMNS = [
    ("区县", 3.0),
    ("核销笔数", 2.0),
    ("带动消费（元）", 3.2),
    ("政府资金（元）", 3.2),
    ("商户数", 1.8),
    ("受益人数", 2.0),
]
PROGRAMME_COLUMNS = [("项目", 6.0), ("数值", 9.4)]
SECTOR_COLUMNS = [
    ("行业", 3.0),
    ("核销笔数", 2.4),
    ("政府资金（元）", 3.4),
    ("带动消费（元）", 3.4),
    ("商户数", 2.0),
]


def render_evaluation_docx(
    evaluation, *, issuer: str = DEFAULT_ISSUER, today: dt.date | None = None
) -> bytes:
    """绩效评价报告 of one programme: money, reach, 拉动消费, sectors, and the effect estimate with
    its method and assumptions (never a number without them)."""
    from policyledger.web.monitoring.services.evaluation import Evaluation

    assert isinstance(evaluation, Evaluation)
    today = today or dt.date.today()
    r = evaluation.result
    document = Document()
    house.set_defaults(document)
    house.set_page(document)
    house.header_block(
        document, SimpleNamespace(issuer=issuer, doc_number=f"{today.year}年绩效评价")
    )
    house.paragraph(
        document,
        f"{r.name}绩效评价报告",
        font=house.SERIF,
        size=22,
        bold=True,
        centre=True,
        after=12,
    )
    leverage = r.leverage
    house.paragraph(document, "一、资金与成效", font=house.SANS, before=6)
    rows = [
        ["项目类型", r.kind],
        [
            "实施期间",
            f"{r.start:%Y年%m月%d日}至{r.end:%Y年%m月%d日}".replace("年0", "年").replace(
                "月0", "月"
            ),
        ],
        ["计划资金", f"{r.planned:,.2f}元"],
        ["已承诺（已领券中的政府资金）", f"{r.committed:,.2f}元"],
        ["已拨付（已放款的政府承担部分）", f"{r.paid:,.2f}元"],
        ["发券/领券/核销", f"{r.issued}张 / {r.claimed}张 / {r.redeemed}张"],
        ["带动消费（核销账单合计）", f"{r.bills:,.2f}元"],
        ["拉动消费（账单÷政府资金）", f"{leverage}倍" if leverage is not None else "—（尚无核销）"],
        ["覆盖商户/受益人数", f"{r.merchants}家 / {r.people}人"],
    ]
    house.table(document, PROGRAMME_COLUMNS, rows, left_columns={0, 1})
    house.paragraph(document, "二、分行业情况", font=house.SANS, before=6)
    if r.by_sector:
        rows = [
            [s.sector, str(s.redeemed), f"{s.government:,.2f}", f"{s.bills:,.2f}", str(s.merchants)]
            for s in r.by_sector
        ]
        house.table(document, SECTOR_COLUMNS, rows, left_columns={0})
        _chart(
            document,
            lambda: charts.grouped_bars(
                "分行业政府资金与带动消费（元）",
                [s.sector for s in r.by_sector],
                [
                    ("政府资金", [s.government for s in r.by_sector]),
                    ("带动消费", [s.bills for s in r.by_sector]),
                ],
            ),  # fmt: skip
            "图：分行业政府资金与带动消费",
        )
    else:
        house.paragraph(document, "尚无核销。")
    for note in r.notes:
        house.paragraph(document, note)
    house.paragraph(document, "三、分区县情况", font=house.SANS, before=6)
    if r.districts:
        rows = [
            [d.district, str(d.redeemed), f"{d.bills:,.2f}", f"{d.government:,.2f}",
             str(d.merchants), str(d.people)]
            for d in r.districts
        ]  # fmt: skip
        house.table(document, DISTRICT_COLUMNS, rows, left_columns={0})
    else:
        house.paragraph(document, "尚无核销。")
    house.paragraph(document, "四、对照统计指标的效果估计", font=house.SANS, before=6)
    effect = evaluation.effect
    house.paragraph(document, effect.summary)
    if effect.basis_note:
        house.paragraph(document, f"数据：{effect.basis_note}{effect.periods}")
    house.paragraph(document, f"方法：{effect.method}")
    if evaluation.simulated:
        house.paragraph(
            document, "注：对照的统计指标为演示用模拟数据（程序生成），估计值仅作演示。"
        )
    house.paragraph(document, "前提假设：" + "".join(effect.assumptions))
    house.paragraph(
        document,
        f"参加行业：{'、'.join(effect.treated) or '无'}；对照行业：{'、'.join(effect.control) or '无'}。",
    )
    house.signature(document, SimpleNamespace(issuer=issuer, issued_on=today))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DOCUMENT_COLUMNS = [
    ("政策文件", 8.3),  # the widths add up to under the 15.6 cm text block, floats included
    ("任务", 1.7),
    ("已完成", 1.8),
    ("逾期未完成", 2.2),
    ("完成率", 1.5),
]
MONEY_COLUMNS = [("措施", 9.6), ("资金目标", 6.0)]
YEAR_TARGET_COLUMNS = [
    ("指标", 5.0),
    ("目标", 3.6),
    ("最近实际", 2.6),
    ("应达", 2.0),
    ("预警", 1.6),
]
RESULT_COLUMNS = [
    ("项目", 5.0),
    ("计划（元）", 2.8),
    ("已拨付（元）", 2.8),
    ("拉动消费", 1.8),
    ("效果估计", 2.8),
]


def render_year_end_docx(report, *, issuer: str = DEFAULT_ISSUER) -> bytes:
    """The whole policy's 绩效评价报告 for a year: measures, money, indicators, programmes."""
    document = Document()
    house.set_defaults(document)
    house.set_page(document)
    house.header_block(
        document, SimpleNamespace(issuer=issuer, doc_number=f"{report.year}年度绩效评价")
    )
    house.paragraph(
        document, f"{report.year}年度政策落实绩效评价报告", font=house.SERIF, size=22, bold=True,
        centre=True, after=12,
    )  # fmt: skip
    rate = f"{100 * report.done / report.tasks:.1f}%" if report.tasks else "—"
    house.paragraph(document, "一、任务完成情况", font=house.SANS, before=6)
    house.paragraph(
        document,
        f"截至{report.as_of.year}年{report.as_of.month}月{report.as_of.day}日，纳入台账的任务"
        f"{report.tasks}项，已完成{report.done}项（完成率{rate}），逾期未完成{report.late}项。",
    )
    if report.documents:
        rows = [
            [d.title, str(d.tasks), str(d.done), str(d.late),
             f"{100 * d.done / d.tasks:.1f}%" if d.tasks else "—"]
            for d in report.documents
        ]  # fmt: skip
        house.table(document, DOCUMENT_COLUMNS, rows, left_columns={0})
    house.paragraph(document, "二、资金目标（按措施）", font=house.SANS, before=6)
    if report.money:
        house.table(document, MONEY_COLUMNS, [list(m) for m in report.money], left_columns={0, 1})
    else:
        house.paragraph(document, "已发布文件中没有金额目标。")
    house.paragraph(document, "三、指标与目标", font=house.SANS, before=6)
    if report.targets:
        rows = [
            [str(t.link.indicator), f"{t.link.get_kind_display()}{number(t.link.value, 2)}",
             f"{t.latest_month}月{number(t.actual)}" if t.actual is not None else "—",
             number(t.path), t.link.get_warning_display()]
            for t in report.targets
        ]  # fmt: skip
        house.table(document, YEAR_TARGET_COLUMNS, rows, left_columns={0})
        _target_charts(document, [t.link for t in report.targets])
    else:
        house.paragraph(document, "本年度没有关联到监测指标的目标。")
    house.paragraph(document, "四、项目成效", font=house.SANS, before=6)
    if report.evaluations:
        rows = []
        for e in report.evaluations:
            r = e.result
            estimate = e.effect.short
            rows.append([r.name, f"{r.planned:,.0f}", f"{r.paid:,.2f}",
                         f"{r.leverage}倍" if r.leverage is not None else "—", estimate])  # fmt: skip
        house.table(document, RESULT_COLUMNS, rows, left_columns={0})
        results = [e.result for e in report.evaluations]
        _chart(
            document,
            lambda: charts.grouped_bars(
                "各项目资金（元）",
                [r.name for r in results],
                [
                    ("计划", [r.planned for r in results]),
                    ("已承诺", [r.committed for r in results]),
                    ("已拨付", [r.paid for r in results]),
                ],
            ),  # fmt: skip
            "图：各项目计划、已承诺与已拨付资金",
        )
        methods = {}
        for e in report.evaluations:  # each method once, with its assumptions
            methods.setdefault(e.effect.method, e.effect.assumptions)
        for method, assumptions in methods.items():
            house.paragraph(document, f"效果估计的方法：{method}")
            house.paragraph(document, "前提假设：" + "".join(assumptions))
        if any(e.simulated for e in report.evaluations):
            house.paragraph(document, "注：对照的统计指标含演示用模拟数据，估计值仅作演示。")
    else:
        house.paragraph(document, "本年度没有项目。")
    house.signature(document, SimpleNamespace(issuer=issuer, issued_on=report.as_of))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
