"""The 任务分解表 as Markdown: a heading per document, a pipe table, then the diagnostics."""

from __future__ import annotations

from policyledger.formats.rows import COLUMNS, document_label, task_rows
from policyledger.parsing.model import Document


def _cell(value: str) -> str:
    # A pipe ends the cell and a newline ends the row; HTML line breaks render in GitHub tables.
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def render(document: Document) -> str:
    lines = [f"## {_cell(document_label(document))}", ""]
    facts = [
        ("发文机关", document.issuer),
        ("文号", document.doc_number),
        ("成文日期", document.date),
        ("来源", document.source.name),
    ]
    for label, value in facts:
        if value:
            lines.append(f"- {label}：{_cell(value)}")
    lines.append(f"- 措施数：{len(document.measures)}")
    lines.append("")
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "|".join(["---"] * len(COLUMNS)) + "|")
    for row in task_rows(document):
        lines.append("| " + " | ".join(_cell(value) for value in row.cells()) + " |")
    if document.diagnostics:
        lines.extend(["", "**诊断信息**", ""])
        for diagnostic in document.diagnostics:
            where = f"（第{diagnostic.span[0] + 1}字起）" if diagnostic.span else ""
            lines.append(f"- `{diagnostic.code}`：{_cell(diagnostic.message)}{where}")
    return "\n".join(lines) + "\n"


def render_all(docs: list[Document]) -> str:
    return "\n".join(render(document) for document in docs)
