"""The monthly 消费市场运行情况 (.docx) in the 通报's house style: the same page, fonts, masthead,
headings and bordered tables (``tracking.briefings.docx``)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

from docx import Document

from policyledger.web.monitoring.services.analysis import Analysis, growth, number, summary
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
    house._set_defaults(document)
    house._set_page(document)
    house._header_block(
        document,
        SimpleNamespace(issuer=issuer, doc_number=f"{data.month.year}年第{data.month.month}期"),
    )
    house._paragraph(
        document, f"{data.label}{data.region}消费市场运行情况", font=house.SERIF, size=22,
        bold=True, centre=True, after=12,
    )  # fmt: skip
    sections = [("总体情况", _overall), ("分类别情况", _categories), ("分地区情况", _regions),
                ("目标进度", _targets)]  # fmt: skip
    for index, (heading, body) in enumerate(sections):
        house._paragraph(
            document, f"{house._ordinal(index + 1)}、{heading}", font=house.SANS, before=6
        )
        body(document, data)
    house._paragraph(
        document, "数据来源：统计局月度发布及监测企业报送；表中金额单位见各指标。", size=12
    )
    house._signature(document, SimpleNamespace(issuer=issuer, issued_on=today))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _overall(document, data: Analysis) -> None:
    house._paragraph(document, summary(data))
    for f in data.others:
        house._paragraph(
            document,
            f"{f.indicator.name}{number(f.current)}{f.indicator.unit}，同比{growth(f.yoy_current)}；"
            f"累计{number(f.cumulative)}{f.indicator.unit}，同比{growth(f.yoy_cumulative)}。",
        )


def _categories(document, data: Analysis) -> None:
    if not data.categories:
        house._paragraph(document, "本月暂无分类别数据。")
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
    house._table(document, CATEGORY_COLUMNS, rows, left_columns={1})


def _regions(document, data: Analysis) -> None:
    if len(data.regions) < 2:
        house._paragraph(document, "暂无其他地区的可比数据。")
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
    house._table(document, REGION_COLUMNS, rows, left_columns={1})


def _targets(document, data: Analysis) -> None:
    if not data.targets:
        house._paragraph(document, "本年度暂无关联的量化目标。")
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
    house._table(document, TARGET_COLUMNS, rows, left_columns={1, 4})


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.1'))}%"
