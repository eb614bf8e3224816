"""The 任务分解表 as rows: one row per measure, the columns a lead office hands out.

Shared by the xlsx, Markdown and terminal views so that all three say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from policyledger.formats.targets import format_target
from policyledger.parsing.model import Document, Measure

COLUMNS: tuple[str, ...] = (
    "序号",
    "重点任务",
    "具体措施",
    "牵头单位",
    "配合单位",
    "量化指标",
    "完成时限",
    "原文位置",
)


@dataclass(frozen=True)
class TaskRow:
    number: str
    heading: str
    text: str
    lead_units: str
    support_units: str
    quantities: str
    deadlines: str
    location: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.number,
            self.heading,
            self.text,
            self.lead_units,
            self.support_units,
            self.quantities,
            self.deadlines,
            self.location,
        )


def quantities(measure: Measure, separator: str = "\n") -> str:
    return separator.join(format_target(t) for t in measure.targets if t.kind != "date")


def deadlines(measure: Measure, separator: str = "\n") -> str:
    return separator.join(format_target(t) for t in measure.targets if t.kind == "date")


def location(document: Document, measure: Measure) -> str:
    """Where the measure sits: part (when there are several), its outline path, its character range."""
    pieces: list[str] = []
    if len(document.parts) > 1 and 0 <= measure.part < len(document.parts):
        pieces.append(document.parts[measure.part].title)
    trail = [step for step in measure.path if step]
    if trail:
        pieces.append(" › ".join(trail))
    start, end = measure.span
    # Users count characters from 1; the span is a half-open 0-based range.
    pieces.append(f"第{start + 1}–{end}字")
    return "\n".join(pieces)


def task_rows(document: Document) -> list[TaskRow]:
    # 序号 runs 1..n within the sheet (numbering restarts between parts); the printed number
    # stays visible in front of the heading, where a reader looks for it.
    return [
        TaskRow(
            number=str(index),
            heading=f"{measure.number}{measure.heading or ''}",
            text=measure.text,
            lead_units="、".join(measure.lead_units),
            support_units="、".join(measure.support_units),
            quantities=quantities(measure),
            deadlines=deadlines(measure),
            location=location(document, measure),
        )
        for index, measure in enumerate(document.measures, start=1)
    ]


def document_label(document: Document) -> str:
    """A short name for a document: its title, else the file it came from."""
    return document.title or document.source.name or "未命名文件"
