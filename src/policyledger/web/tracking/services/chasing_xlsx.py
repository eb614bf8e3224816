"""The 未报送名单 and the 逾期清单 as xlsx (text written as text, never as a formula).

Cells go through ``policyledger.formats.cells.write_cell``, the project's one cell writer.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from policyledger.formats import format_date
from policyledger.formats.cells import write_cell


def _book(title: str, header: list[tuple[str, int]], rows: Iterable[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for col, (name, width) in enumerate(header, start=1):
        write_cell(sheet, 1, col, name).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(col)].width = width
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            write_cell(sheet, r, col, value).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def missing_xlsx(late) -> bytes:
    """未报送名单: one row per late task, grouped by unit."""
    header = [
        ("责任单位", 22),
        ("联系人", 10),
        ("联系电话", 14),
        ("报送周期", 14),
        ("任务编号", 10),
        ("任务", 40),
        ("文件", 30),
        ("完成时限", 14),
    ]
    rows = [
        [
            u.unit,
            u.contact,
            u.phone,
            u.period.label,
            t.task_id,
            t.label,
            t.document,
            format_date(t.deadline) if t.deadline else "",
        ]
        for u in late
        for t in u.tasks
    ]
    return _book("未报送名单", header, rows)


def overdue_xlsx(tasks, today: dt.date) -> bytes:
    """逾期清单: tasks past their deadline and not finished, with the days overdue."""
    header = [
        ("任务编号", 10),
        ("任务", 40),
        ("文件", 30),
        ("牵头单位", 20),
        ("联系人", 10),
        ("联系电话", 14),
        ("完成时限", 14),
        ("逾期天数", 10),
        ("状态", 10),
        ("完成进度", 10),
    ]
    rows = []
    for task in tasks:
        measure = task.measure
        rows.append(
            [
                task.pk,
                f"{measure.number}{measure.heading or measure.text[:30]}".strip(),
                str(measure.document),
                task.lead_unit.name,
                task.lead_unit.contact_person,
                task.lead_unit.contact_phone,
                format_date(task.deadline),
                (today - task.deadline).days,
                task.get_status_display(),
                f"{task.percent}%",
            ]
        )
    return _book("逾期清单", header, rows)
