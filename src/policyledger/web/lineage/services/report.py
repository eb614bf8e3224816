"""对标 report: parent measures not taken up, child measures with no parent, numbers compared;
and the coverage of a parent's measures across regions."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from policyledger.web.documents.models import Measure, PolicyDocument, Target
from policyledger.web.lineage.models import DocumentPlace, MeasureLink

KINDS = {"money": "金额", "percent": "比例", "count": "数量"}


@dataclass
class Comparison:
    link: MeasureLink
    kind: str
    parent: Target
    child: Target
    flag: str  # "弱于上级" / "强于上级" / "一致" / "不同"


@dataclass
class Report:
    child: PolicyDocument
    parents: list[PolicyDocument]
    links: list[MeasureLink]
    not_taken_up: list[Measure]  # 未承接
    local: list[Measure]  # 本地创新
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def flagged(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.flag != "一致"]


def _number(value) -> Decimal | None:
    """A target's number (a range: its upper end) as Decimal, exact as the JSON text reads."""
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        return Decimal(str(max(value)))
    return None


def compare(parent: Target, child: Target) -> str:
    a, b = _number(parent.value), _number(child.value)
    if a is None or b is None:
        return "一致" if parent.value == child.value else "不同"
    if a == b:
        return "一致"
    # A ceiling (不超过) lower than the parent's, or a share or amount below it, is weaker.
    return "弱于上级" if b < a else "强于上级"


def build(
    child: PolicyDocument, parent: PolicyDocument | None = None, *, confirmed_only: bool = True
) -> Report:
    """The report for ``child`` against ``parent`` (or all parents it has links to)."""
    statuses = (
        [MeasureLink.Status.CONFIRMED]
        if confirmed_only
        else [MeasureLink.Status.CONFIRMED, MeasureLink.Status.PROPOSED]
    )
    links = MeasureLink.objects.filter(child__document=child, status__in=statuses).select_related(
        "child", "parent", "parent__document"
    )
    if parent is not None:
        links = links.filter(parent__document=parent)
    links = list(links.order_by("child__order", "-score"))
    parents = (
        [parent]
        if parent is not None
        else sorted({link.parent.document for link in links}, key=lambda d: d.pk)
    )
    linked_parents = {link.parent_id for link in links}
    linked_children = {link.child_id for link in links}
    not_taken = list(
        Measure.objects.filter(document__in=parents)
        .exclude(pk__in=linked_parents)
        .order_by("document", "order")
    )
    local = list(child.measures.exclude(pk__in=linked_children).order_by("order"))
    report = Report(child, parents, links, not_taken, local)
    for link in links:
        child_targets = list(link.child.targets.filter(kind__in=KINDS))
        for pt in link.parent.targets.filter(kind__in=KINDS):
            same = [ct for ct in child_targets if ct.kind == pt.kind and ct.unit == pt.unit] or [
                ct for ct in child_targets if ct.kind == pt.kind
            ]
            if same:
                ct = same[0]
                report.comparisons.append(Comparison(link, KINDS[pt.kind], pt, ct, compare(pt, ct)))
    return report


def xlsx(report: Report) -> bytes:
    """The report as a workbook: one sheet per part; every cell written as text or number."""
    book = Workbook()
    bold = Font(bold=True)
    flag_fill = PatternFill("solid", fgColor="FDE2E1")

    def sheet(title, header, rows, first=False):
        ws = book.active if first else book.create_sheet()
        ws.title = title
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append([("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for v in row])
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = 24
            for cell in col:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        return ws

    sheet(
        "已承接",
        ["下级措施", "上级文件", "上级措施", "得分", "状态"],
        [
            [
                f"{link.child.number} {link.child.heading}",
                link.parent.document.title,
                f"{link.parent.number} {link.parent.heading}",
                round(link.score, 2),
                link.get_status_display(),
            ]
            for link in report.links
        ],
        first=True,
    )
    sheet(
        "未承接",
        ["上级文件", "上级措施", "内容"],
        [[m.document.title, f"{m.number} {m.heading}", m.text] for m in report.not_taken_up],
    )
    sheet(
        "本地创新",
        ["下级措施", "内容"],
        [[f"{m.number} {m.heading}", m.text] for m in report.local],
    )
    ws = sheet(
        "数字对比",
        ["下级措施", "上级措施", "类型", "上级", "下级", "对比"],
        [
            [
                f"{c.link.child.number} {c.link.child.heading}",
                f"{c.link.parent.number} {c.link.parent.heading}",
                c.kind,
                c.parent.text,
                c.child.text,
                c.flag,
            ]
            for c in report.comparisons
        ],
    )
    for row in ws.iter_rows(min_row=2):
        if row[5].value == "弱于上级":
            for cell in row:
                cell.fill = flag_fill
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Coverage:
    parent: PolicyDocument
    measures: list[Measure]
    regions: list[str]
    cells: dict[tuple[int, str], int]  # (parent measure id, region) -> confirmed child links


def coverage(parent: PolicyDocument, *, confirmed_only: bool = True) -> Coverage:
    """Which child documents (by region) take up each measure of ``parent``."""
    statuses = (
        [MeasureLink.Status.CONFIRMED]
        if confirmed_only
        else [MeasureLink.Status.CONFIRMED, MeasureLink.Status.PROPOSED]
    )
    links = MeasureLink.objects.filter(parent__document=parent, status__in=statuses).select_related(
        "child__document"
    )
    places = dict(DocumentPlace.objects.values_list("document_id", "region"))
    cells: dict[tuple[int, str], int] = {}
    regions: list[str] = []
    for link in links:
        doc = link.child.document
        region = places.get(doc.pk) or doc.region or doc.issuer or f"文件{doc.pk}"
        if region not in regions:
            regions.append(region)
        key = (link.parent_id, region)
        cells[key] = cells.get(key, 0) + 1
    return Coverage(parent, list(parent.measures.order_by("order")), sorted(regions), cells)


def docx(report: Report) -> bytes:
    """The report as a Word document: the same four parts as the page."""
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_heading(f"对标报告：{report.child.title or report.child.source_name}", level=1)
    parents = "、".join(p.title or p.source_name for p in report.parents) or "尚无已确认的承接关系"
    word.add_paragraph(f"上级文件：{parents}")

    def table(header: list[str], rows: list[list[str]]) -> None:
        grid = word.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = text
        for row in rows:
            for cell, text in zip(grid.add_row().cells, row, strict=True):
                cell.text = str(text)

    word.add_heading(f"已承接（{len(report.links)}）", level=2)
    table(
        ["本文件措施", "上级措施", "得分", "状态"],
        [
            [
                f"{link.child.number} {link.child.heading}",
                f"{link.parent.number} {link.parent.heading}",
                f"{link.score:.2f}",
                link.get_status_display(),
            ]
            for link in report.links
        ],
    )
    word.add_heading(f"未承接的上级措施（{len(report.not_taken_up)}）", level=2)
    for m in report.not_taken_up:
        word.add_paragraph(f"{m.number} {m.heading}", style="List Bullet")
    word.add_heading(f"本地创新（{len(report.local)}）", level=2)
    for m in report.local:
        word.add_paragraph(f"{m.number} {m.heading}", style="List Bullet")
    word.add_heading("数字对比", level=2)
    table(
        ["本文件措施", "上级措施", "类型", "上级", "本文件", "对比"],
        [
            [c.link.child.number, c.link.parent.number, c.kind, c.parent.text, c.child.text, c.flag]
            for c in report.comparisons
        ],
    )
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
