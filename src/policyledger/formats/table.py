"""A terminal summary of a ``Document`` (rich): metadata, one line per measure, the diagnostics."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from policyledger.formats.rows import deadlines, document_label, quantities
from policyledger.parsing.model import Document

_SEVERITY_STYLE = {"missing_number": "yellow", "duplicate_passage": "cyan", "out_of_order": "cyan"}


def _metadata(document: Document) -> Text:
    facts = [
        ("发文机关", document.issuer),
        ("文号", document.doc_number),
        ("成文日期", document.date),
        ("发布日期", document.published),
        ("地区", document.region),
        ("主送", "、".join(document.addressees) or None),
        ("来源", f"{document.source.name}（{document.source.chars} 字）"),
    ]
    text = Text()
    for label, value in facts:
        if value:
            text.append(f"{label}：", style="bold")
            text.append(f"{value}\n")
    if len(document.parts) > 1:
        text.append("组成部分：", style="bold")
        text.append("；".join(part.title for part in document.parts) + "\n")
    text.append("措施数：", style="bold")
    text.append(str(len(document.measures)))
    return text


def _measures(document: Document) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_lines=False)
    # "fold" breaks long CJK runs and amounts instead of cutting them off with an ellipsis.
    table.add_column("序号", no_wrap=True, style="bold")
    table.add_column("重点任务", ratio=3, overflow="fold")
    table.add_column("牵头单位", ratio=3, overflow="fold")
    table.add_column("量化指标", ratio=2, overflow="fold")
    table.add_column("完成时限", ratio=2, overflow="fold")
    several_parts = len(document.parts) > 1
    for measure in document.measures:
        number = f"{measure.part + 1}·{measure.number}" if several_parts else measure.number
        heading = measure.heading or Text(measure.text[:30] + "…", style="dim")
        units = "、".join(measure.lead_units)
        if measure.support_units:
            units += "\n配合：" + "、".join(measure.support_units)
        table.add_row(number, heading, units, quantities(measure), deadlines(measure))
    return table


def _diagnostics(document: Document) -> Text:
    text = Text()
    for diagnostic in document.diagnostics:
        style = _SEVERITY_STYLE.get(diagnostic.code, "yellow")
        text.append(f"[{diagnostic.code}] ", style=style)
        text.append(diagnostic.message)
        if diagnostic.span:
            text.append(f"（第{diagnostic.span[0] + 1}字起）", style="dim")
        text.append("\n")
    text.rstrip()
    return text


def render(document: Document, console: Console) -> None:
    parts = [_metadata(document), _measures(document)]
    if document.diagnostics:
        parts.append(Text("诊断信息", style="bold"))
        parts.append(_diagnostics(document))
    console.print(
        Panel(Group(*parts), title=Text(document_label(document), style="bold"), expand=True)
    )
