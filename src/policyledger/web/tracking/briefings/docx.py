"""Write a ``Briefing`` as a 通报 (.docx) that prints as it is: A4, official-document margins,
Chinese fonts, bordered tables that fit the page, page numbers.

Fonts are named by their English names (SimSun 宋体, SimHei 黑体): Chinese Windows has them under
those names, and LibreOffice's substitution table maps exactly these names to the installed Noto
Serif/Sans CJK SC, which the Chinese names (宋体) do not get. The language is set to zh-CN so the
simplified-Chinese glyph forms are used, not the Japanese ones the stock template would pick.
"""

from __future__ import annotations

import io
from decimal import Decimal

import cn2an
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from policyledger.formats.cells import clean_text
from policyledger.formats.targets import format_money
from policyledger.web.tracking.briefings.data import Briefing, cn_date, percent_text
from policyledger.web.tracking.models import TaskStatus

SERIF = "SimSun"  # 宋体
SANS = "SimHei"  # 黑体
LATIN = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_PT = 16  # 三号
TABLE_PT = 11
# GB/T 9704 margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; the text is 156 mm wide.
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
TEXT_WIDTH_CM = 21.0 - MARGINS_CM["left"] - MARGINS_CM["right"]

UNIT_COLUMNS = [
    ("序号", 1.3),
    ("责任单位", 4.1),
    ("任务数", 1.7),
    ("已完成", 1.7),
    ("推进中", 1.7),
    ("逾期", 1.4),
    ("未报送", 1.7),
    ("完成率", 1.9),
]
# 完成时限 fits "2022年12月31日" on one line at the table's font size.
OVERDUE_COLUMNS = [
    ("序号", 1.3),
    ("任务", 5.4),
    ("牵头单位", 3.4),
    ("完成时限", 3.8),
    ("进度", 1.6),
]
# What follows w:pBdr inside w:pPr (ECMA-376 order), for inserting the border in its place.
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def render_docx(briefing: Briefing) -> bytes:
    document = Document()
    _set_defaults(document)
    _set_page(document)
    _header_block(document, briefing)
    _paragraph(document, briefing.title, font=SERIF, size=22, bold=True, centre=True, after=12)
    _paragraph(document, "各责任单位：", indent=False)
    _paragraph(
        document,
        f"现将{briefing.period.label}政策落实情况（截至{cn_date(briefing.as_of)}）通报如下。",
    )
    sections = [
        ("总体情况", _summary),
        ("各单位推进情况", _unit_table),
        ("单位排名", _ranking_table),
        ("逾期任务", _overdue_table),
        ("工作亮点", _highlights),
        ("下一步工作要求", _next_steps),
    ]
    for index, (heading, body) in enumerate(sections):
        _paragraph(document, f"{_ordinal(index + 1)}、{heading}", font=SANS, before=6)
        body(document, briefing)
    _signature(document, briefing)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Page and fonts


def _set_defaults(document) -> None:
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    # Theme fonts win over named ones in Word, and the stock theme's East Asian font is Japanese.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    _set_fonts(fonts, SERIF)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr().get_or_add_rFonts(), SERIF)
    fmt = normal.paragraph_format
    fmt.space_after = Pt(0)
    fmt.space_before = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)


def _set_fonts(fonts, east_asia: str) -> None:
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:cs"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)


def _set_page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = Cm(MARGINS_CM["top"])
    section.bottom_margin = Cm(MARGINS_CM["bottom"])
    section.left_margin = Cm(MARGINS_CM["left"])
    section.right_margin = Cm(MARGINS_CM["right"])
    section.footer_distance = Cm(2.0)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ", SERIF, 14)
    _page_field(footer)
    _run(footer, " —", SERIF, 14)


def _page_field(paragraph) -> None:
    """A PAGE field, so every page prints its own number."""
    run = _run(paragraph, "", SERIF, 14)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, shown, end):
        run._r.append(element)


def _run(paragraph, text: str, font: str, size: float, *, bold: bool = False, color=None):
    run = paragraph.add_run(clean_text(text))
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    _set_fonts(run._r.get_or_add_rPr().get_or_add_rFonts(), font)
    return run


def _paragraph(
    document,
    text: str,
    *,
    font: str = SERIF,
    size: float = BODY_PT,
    bold: bool = False,
    centre: bool = False,
    indent: bool = True,
    before: float = 0,
    after: float = 0,
):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent:
            fmt.first_line_indent = Pt(size * 2)  # 首行缩进两字
    if size > BODY_PT:
        fmt.line_spacing = Pt(size * 1.5)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    _run(paragraph, text, font, size, bold=bold)
    return paragraph


def _header_block(document, briefing: Briefing) -> None:
    """The red masthead: issuing office, 文号-style number line, and the red rule under it."""
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.line_spacing = Pt(48)
    head.paragraph_format.space_before = Pt(12)
    _run(head, briefing.issuer, SERIF, _masthead_size(briefing.issuer), bold=True, color=RED)
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_before = Pt(18)
    number.paragraph_format.space_after = Pt(18)
    _run(number, briefing.doc_number, SERIF, BODY_PT)
    _bottom_rule(number)


def _masthead_size(text: str) -> float:
    # One line across the text width: about 156 mm / chars, capped at 小初 (36 pt).
    per_char_pt = TEXT_WIDTH_CM * 28.35 / max(len(text), 1)
    return max(16.0, min(36.0, per_char_pt * 0.92))


def _bottom_rule(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "18")  # eighths of a point: 2.25 pt
    bottom.set(qn("w:space"), "6")
    bottom.set(qn("w:color"), "C00000")
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PBDR)


# ---------------------------------------------------------------------------------------------
# Sections


def _summary(document, briefing: Briefing) -> None:
    total = len(briefing.tasks)
    done = briefing.count(TaskStatus.DONE)
    text = (
        f"纳入台账的政策文件{briefing.documents}份，分解任务{total}项。"
        f"截至{cn_date(briefing.as_of)}，已完成{done}项（完成率{percent_text(done, total)}），"
        f"推进中{briefing.count(TaskStatus.IN_PROGRESS)}项，"
        f"滞后{briefing.count(TaskStatus.LAGGING)}项，"
        f"未启动{briefing.count(TaskStatus.NOT_STARTED)}项；"
        f"逾期未完成{len(briefing.overdue)}项。"
        f"本期应报送{total}项，已报送{briefing.reported}项，未报送{total - briefing.reported}项。"
    )
    if briefing.money_target:
        text += (
            f"各项资金目标合计{format_money(briefing.money_target)}，"
            f"已落实{format_money(briefing.money_achieved)}。"
        )
    if briefing.money_committed_fen or briefing.money_paid_fen:
        text += (
            f"政策兑现资金已承诺{format_money(Decimal(briefing.money_committed_fen) / 100)}，"
            f"已拨付{format_money(Decimal(briefing.money_paid_fen) / 100)}。"
        )
    _paragraph(document, text)


def _unit_table(document, briefing: Briefing) -> None:
    if not briefing.units:
        _paragraph(document, "本期暂无任务。")
        return
    rows = [
        [
            str(i),
            u.unit,
            str(u.tasks),
            str(u.done),
            str(u.in_progress),
            str(u.overdue),
            str(u.missing),
            percent_text(u.done, u.tasks),
        ]
        for i, u in enumerate(briefing.units, start=1)
    ]
    _table(document, UNIT_COLUMNS, rows, left_columns={1})
    _paragraph(
        document,
        "注：“推进中”不含滞后和未启动的任务；“未报送”指本期未提交进展的任务数。",
        size=12,
        indent=False,
        before=3,
    )


RANKING_COLUMNS = [
    ("排名", 1.3),
    ("责任单位", 4.1),
    ("完成率", 1.9),
    ("较上期", 1.8),
    ("报送及时率", 2.4),
    ("较上期", 1.8),
    ("名次变化", 2.2),
]


def _ranking_table(document, briefing: Briefing) -> None:
    if not briefing.rankings:
        _paragraph(document, "本期暂无可排名的单位。")
        return
    rows = [
        [
            str(r.rank),
            r.unit,
            f"{r.rate:.1f}%",
            r.rate_change_text,
            f"{r.timely:.1f}%",
            r.timely_change_text,
            r.rank_change_text,
        ]
        for r in briefing.rankings
    ]
    _table(document, RANKING_COLUMNS, rows, left_columns={1})
    _paragraph(
        document,
        "注：按完成率排序，完成率相同的按报送及时率；报送及时率指本期按时提交进展的任务占比；“较上期”为百分点。",
        size=12,
        indent=False,
        before=3,
    )


def _overdue_table(document, briefing: Briefing) -> None:
    overdue = briefing.overdue
    if not overdue:
        _paragraph(document, "本期无逾期未完成任务。")
        return
    _paragraph(document, f"以下{len(overdue)}项任务已过完成时限仍未完成，请牵头单位抓紧推进：")
    rows = [
        [
            str(i),
            t.title,
            t.unit,
            cn_date(t.deadline) if t.deadline else "",
            f"{t.percent}%",
        ]
        for i, t in enumerate(overdue, start=1)
    ]
    _table(document, OVERDUE_COLUMNS, rows, left_columns={1, 2})


def _highlights(document, briefing: Briefing) -> None:
    if not briefing.highlights:
        _paragraph(document, "本期暂无已采纳的进展报送。")
        return
    for i, h in enumerate(briefing.highlights, start=1):
        paragraph = _paragraph(document, f"（{_ordinal(i)}）{h.unit}：", font=SERIF, bold=True)
        _run(paragraph, h.text, SERIF, BODY_PT)


def _ordinal(n: int) -> str:
    return cn2an.an2cn(n, "low")


def _next_steps(document, briefing: Briefing) -> None:
    _paragraph(
        document,
        "请各责任单位对照任务分解表，逐项抓好落实；对逾期和滞后任务，牵头单位要分析原因、"
        "明确措施和时限；请按期报送进展情况，未报送的单位请尽快补报。",
    )


def _signature(document, briefing: Briefing) -> None:
    for text, before in ((briefing.issuer, 24), (cn_date(briefing.issued_on), 0)):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.space_before = Pt(before)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
        _run(paragraph, text, SERIF, BODY_PT)


# ---------------------------------------------------------------------------------------------
# Tables


def _table(document, columns, rows, *, left_columns: set[int]) -> None:
    assert sum(w for _, w in columns) <= TEXT_WIDTH_CM, "table wider than the text block"
    table = document.add_table(rows=1, cols=len(columns))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Elements inside tblPr/pPr have a fixed order in the schema; Word rejects a file that breaks it.
    table._tbl.tblPr.insert_element_before(
        _borders(), "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"
    )
    for grid_col, (_, width) in zip(table._tbl.tblGrid.gridCol_lst, columns, strict=True):
        grid_col.w = Cm(width)
    header = table.rows[0]
    # Repeat the header row on every page the table runs onto.
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(flag)
    for cell, (name, width) in zip(header.cells, columns, strict=True):
        _cell(cell, name, width, bold=True, centre=True, font=SANS)
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, value, (_, width)) in enumerate(zip(cells, values, columns, strict=True)):
            _cell(cell, value, width, centre=index not in left_columns)


def _cell(cell, text: str, width: float, *, bold=False, centre=True, font=SERIF) -> None:
    cell.width = Cm(width)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.first_line_indent = Pt(0)
    _run(paragraph, text, font, TABLE_PT, bold=bold)


def _borders():
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "6" if edge.startswith("inside") else "10")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    return borders


# ---------------------------------------------------------------------------------------------
# The house style as a public kit, for other reports in the same style (monitoring's 运行分析 and
# 绩效评价报告). Added beside the private names, which this module keeps using.


def set_defaults(document) -> None:
    """Normal style: 仿宋-like body font, 三号, the house line spacing."""
    _set_defaults(document)


def set_page(document) -> None:
    """A4, GB/T 9704 margins, page numbers in the footer."""
    _set_page(document)


def header_block(document, masthead) -> None:
    """The red masthead; ``masthead`` has ``issuer`` and ``doc_number``."""
    _header_block(document, masthead)


def paragraph(document, text: str, **style):
    """A body paragraph (keywords: font, size, bold, centre, indent, before, after)."""
    return _paragraph(document, text, **style)


def ordinal(n: int) -> str:
    """一, 二, 三 … for headings."""
    return _ordinal(n)


def signature(document, signed) -> None:
    """Issuer and date, right-aligned; ``signed`` has ``issuer`` and ``issued_on``."""
    _signature(document, signed)


def table(document, columns, rows, *, left_columns: set[int]) -> None:
    """A bordered table: ``columns`` is [(header, width in cm)], ``rows`` lists of text."""
    _table(document, columns, rows, left_columns=left_columns)


def picture(document, png: bytes, *, width_cm: float = TEXT_WIDTH_CM, caption: str = ""):
    """A centred picture (PNG bytes) no wider than the text block, with an optional caption."""
    holder = document.add_paragraph()
    holder.alignment = WD_ALIGN_PARAGRAPH.CENTER
    holder.paragraph_format.first_line_indent = Pt(0)
    # The body's exact line height would clip the picture to one line: single spacing grows.
    holder.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    holder.add_run().add_picture(io.BytesIO(png), width=Cm(min(width_cm, TEXT_WIDTH_CM)))
    if caption:
        _paragraph(document, caption, size=TABLE_PT + 1, centre=True, after=6)
    return holder
