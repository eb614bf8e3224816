"""The 进度台账 as an xlsx: written for download, read back for bulk updates.

Columns are found by header text when reading, so a user may reorder or hide columns; 任务编号 ties a
row to its task and must stay.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from policyledger.formats import format_date
from policyledger.formats.cells import append_row
from policyledger.web.tracking.models import Task

COLUMNS = [
    ("任务编号", 10),
    ("文件", 30),
    ("序号", 8),
    ("重点任务", 36),
    ("牵头单位", 18),
    ("配合单位", 24),
    ("完成时限", 14),
    ("状态", 10),
    ("完成进度", 10),
    ("预警", 8),
    ("进展情况", 50),
]
REQUIRED = ("任务编号", "状态", "完成进度")
MAX_ROWS = 20000


def ledger_rows(tasks: Iterable[Task]) -> list[list[Any]]:
    rows = []
    for task in tasks:
        measure = task.measure
        rows.append(
            [
                task.pk,
                measure.document.title,
                measure.number,
                measure.heading or measure.text[:30],
                task.lead_unit.name,
                "、".join(u.name for u in task.support_units.all()),
                format_date(task.deadline) if task.deadline else "",
                task.get_status_display(),
                task.percent,
                task.get_warning_display(),
                "",
            ]
        )
    return rows


def write_ledger(tasks: Iterable[Task], title: str = "进度台账") -> bytes:
    """An xlsx with one row per task; 进展情况 is left empty for the unit to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    append_row(sheet, [name for name, _ in COLUMNS])
    for i, (_name, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.cell(row=1, column=i).font = Font(bold=True)
    for row in ledger_rows(tasks):
        append_row(sheet, row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    status_col = get_column_letter([n for n, _ in COLUMNS].index("状态") + 1)
    rule = DataValidation(type="list", formula1='"未启动,推进中,已完成,滞后"', allow_blank=True)
    sheet.add_data_validation(rule)
    rule.add(f"{status_col}2:{status_col}{max(sheet.max_row, 2)}")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_ledger_rows(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {header: value}) for each non-empty row; ValueError in Chinese if unreadable."""
    from django.conf import settings
    from openpyxl import load_workbook

    from policyledger.archives import check_zip

    check_zip(
        data,
        max_bytes=settings.MAX_UNCOMPRESSED_BYTES,
        max_members=settings.MAX_ZIP_MEMBERS,
        what="Excel文件",
    )  # an ArchiveError is a ValueError with a Chinese message, as the caller expects
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not an xlsx
        raise ValueError("无法读取Excel文件，请上传从本系统导出的进度台账（.xlsx）") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ValueError("表格是空的")
        names = [str(h).strip() if h is not None else "" for h in header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise ValueError(f"表头缺少列：{'、'.join(missing)}")
        out = []
        for line, values in enumerate(rows, start=2):
            if line > MAX_ROWS:
                raise ValueError(f"表格超过{MAX_ROWS}行")
            if values is None or all(v in (None, "") for v in values):
                continue
            out.append((line, {n: v for n, v in zip(names, values, strict=False) if n}))
        return out
    finally:
        book.close()
