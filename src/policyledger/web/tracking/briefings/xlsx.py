"""The briefing workbook: the 任务分解表 (one sheet per document, the CLI's writer) followed by
the 进度台账 (one row per task as of the briefing date, with its latest report and warning)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from policyledger.formats import write_task_table
from policyledger.formats.cells import append_row
from policyledger.parsing import model as parsed
from policyledger.web.documents.models import MeasureUnit, PolicyDocument
from policyledger.web.documents.services.parsed import parsed_measure
from policyledger.web.tracking.briefings.data import Briefing, cn_date
from policyledger.web.tracking.models import Task

PROGRESS_SHEET = "进度台账"
PROGRESS_COLUMNS = [
    ("序号", 6),
    ("文件", 28),
    ("任务", 36),
    ("牵头单位", 18),
    ("完成时限", 16),
    ("状态", 10),
    ("完成进度", 10),
    ("预警", 10),
    ("最新报送", 14),
    ("审核状态", 10),
    ("最新进展", 50),
]
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_RED = Font(color="C00000", bold=True)


def as_parsed_documents(document_ids: list[int]) -> list[parsed.Document]:
    """The reviewed documents in the parser's shape, so the CLI's 任务分解表 writer can render them
    with the administrator's corrections (units, headings, targets) rather than the raw parse."""
    documents = PolicyDocument.objects.filter(pk__in=document_ids).prefetch_related(
        "measures__unit_links__unit", "measures__targets"
    )
    out = []
    for doc in documents.order_by("pk"):
        parts = [
            parsed.Part(title=p.get("title", ""), span=tuple(p.get("span") or (0, 0)))
            for p in (doc.parsed or {}).get("parts") or []
        ]
        measures = []
        for m in doc.measures.all():
            links = list(m.unit_links.all())
            measures.append(
                parsed_measure(
                    m,
                    id=m.parser_id or str(m.pk),
                    lead_units=_names(links, MeasureUnit.Role.LEAD),
                    support_units=_names(links, MeasureUnit.Role.SUPPORT),
                    targets=[
                        parsed.Target(
                            kind=t.kind,
                            value=t.value,
                            unit=t.unit or None,
                            qualifier=t.qualifier or None,
                            per=t.per or None,
                            text=t.text,
                            span=(t.span_start or 0, t.span_end or 0),
                        )
                        for t in m.targets.all()
                    ],
                )
            )
        out.append(
            parsed.Document(
                source=parsed.Source(
                    name=doc.source_name, sha256=doc.source_sha256, chars=len(doc.original_text)
                ),
                title=doc.title or None,
                issuer=doc.issuer or None,
                doc_number=doc.doc_number or None,
                parts=parts,
                measures=measures,
            )
        )
    return out


def _names(links, role: str) -> list[str]:
    return [(link.unit.name if link.unit else link.raw_name) for link in links if link.role == role]


def render_xlsx(briefing: Briefing) -> bytes:
    document_ids = sorted({t.document_id for t in briefing.tasks})
    buffer = io.BytesIO()
    write_task_table(as_parsed_documents(document_ids), buffer)
    buffer.seek(0)
    book = load_workbook(buffer)
    sheet = book.create_sheet(PROGRESS_SHEET, 0)
    append_row(sheet, [f"{briefing.period.label}进度台账（截至{cn_date(briefing.as_of)}）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PROGRESS_COLUMNS))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    append_row(sheet, [name for name, _ in PROGRESS_COLUMNS])
    for column, (_, width) in enumerate(PROGRESS_COLUMNS, start=1):
        cell = sheet.cell(row=2, column=column)
        cell.fill, cell.font, cell.border = _HEADER_FILL, _HEADER_FONT, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    for index, task in enumerate(briefing.tasks, start=1):
        warning = Task.Warning(task.warning).label
        append_row(
            sheet,
            [
                index,
                task.document_title,
                task.title,
                task.unit,
                cn_date(task.deadline) if task.deadline else "",
                task.status_label,
                task.percent / 100,
                warning,
                task.latest_label,
                task.latest_status,
                task.latest_narrative,
            ],
        )
        row = sheet.max_row
        for cell in sheet[row]:
            cell.alignment, cell.border = _WRAP, _BORDER
        sheet.cell(row=row, column=7).number_format = "0%"
        if task.warning != Task.Warning.NORMAL:
            sheet.cell(row=row, column=8).font = _RED
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(PROGRESS_COLUMNS))}{max(sheet.max_row, 2)}"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
