"""Views of a parsed ``Document``: JSON (Lines), a rich terminal table, an xlsx 任务分解表, Markdown.

The parse result is the product; these only render it. ``format_money`` / ``format_target`` render
targets in Chinese conventions (1,000万元, 2022年12月31日) and are shared with the web app, as is
``write_task_table`` (the xlsx 任务分解表 written to any binary file-like object).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policyledger.formats.targets import format_date, format_money, format_target

if TYPE_CHECKING:
    from policyledger.formats.xlsx import write_task_table

__all__ = ["format_date", "format_money", "format_target", "write_task_table"]


def __getattr__(name: str) -> Any:
    # openpyxl is only imported by whoever writes a workbook, not by every user of format_money.
    if name == "write_task_table":
        from policyledger.formats.xlsx import write_task_table

        return write_task_table
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
