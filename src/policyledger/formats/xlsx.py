"""The 任务分解表 as an Excel workbook: one sheet per document, one row per measure."""

from __future__ import annotations

import re
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from policyledger.formats.cells import append_row
from policyledger.formats.rows import COLUMNS, document_label, task_rows
from policyledger.parsing.model import Document

# Widths in Excel character units; a CJK character takes about two.
_WIDTHS = {
    "序号": 6,
    "重点任务": 28,
    "具体措施": 70,
    "牵头单位": 28,
    "配合单位": 20,
    "量化指标": 22,
    "完成时限": 16,
    "原文位置": 24,
}
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Characters Excel forbids in sheet names; and names are at most 31 characters.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31


def sheet_title(label: str, taken: set[str]) -> str:
    """A valid, unique sheet name for ``label`` (Excel compares names case-insensitively)."""
    base = _SHEET_FORBIDDEN.sub("_", label).strip("' ") or "文件"
    base = base[:_SHEET_MAX]
    title, counter = base, 2
    while title.lower() in taken:
        suffix = f"({counter})"
        title = base[: _SHEET_MAX - len(suffix)] + suffix
        counter += 1
    taken.add(title.lower())
    return title


def write_task_table(docs: list[Document], fp: BinaryIO) -> None:
    """Write the 任务分解表 of ``docs`` as .xlsx to the binary file-like object ``fp``."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for document in docs:
        sheet = workbook.create_sheet(sheet_title(document_label(document), taken))
        append_row(sheet, COLUMNS)
        for column, name in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=1, column=column)
            cell.fill, cell.font, cell.alignment, cell.border = (
                _HEADER_FILL,
                _HEADER_FONT,
                _CENTRE,
                _BORDER,
            )
            sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS[name]
        for row in task_rows(document):
            values: list[str | int] = list(row.cells())
            values[0] = int(row.number)
            append_row(sheet, values)
            for cell in sheet[sheet.max_row]:
                cell.alignment, cell.border = _WRAP, _BORDER
            sheet.cell(row=sheet.max_row, column=1).alignment = _CENTRE
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        # Print one page wide, as many pages tall as needed.
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
    if not docs:
        append_row(workbook.create_sheet("任务分解表"), COLUMNS)
    workbook.save(fp)
