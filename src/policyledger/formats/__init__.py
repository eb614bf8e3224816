"""Views of a parsed ``Document``: JSON (Lines), a rich terminal table, an xlsx 任务分解表, Markdown.

The parse result is the product; these only render it. ``format_money`` / ``format_target`` render
targets in Chinese conventions (1,000万元, 2022年12月31日) and are shared with the web app.
"""

from policyledger.formats.targets import format_date, format_money, format_target
from policyledger.formats.xlsx import write_task_table

__all__ = ["format_date", "format_money", "format_target", "write_task_table"]
