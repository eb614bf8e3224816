"""The parser as a short list of stages: text -> ``Document``.

reading (bytes -> str) -> cleaning -> responsibility clauses -> metadata and parts -> outline
-> passages (repeats) -> measures -> targets per measure -> citations.

Every stage works on the cleaned text; spans go back to the original through ``Cleaned.span``.
Any text gives a ``Document``: a stage that fails on strange input is reported as a diagnostic,
never as a traceback (the error is logged for us).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from policyledger.parsing import (
    citations,
    measures,
    metadata,
    outline,
    passages,
    quantities,
    tables,
)
from policyledger.parsing import units as units_stage
from policyledger.parsing.cleaning import Cleaned, clean
from policyledger.parsing.model import (
    Diagnostic,
    Document,
    Measure,
    Part,
    Source,
    Target,
    UnitBlock,
)
from policyledger.parsing.reading import decode

logger = logging.getLogger("policyledger.parsing.pipeline")

_STAGE_NAMES = {
    "units": "责任单位识别",
    "targets": "量化指标识别",
    "citations": "引用文件识别",
    "metadata": "文件信息识别",
    "structure": "结构识别",
}


def parse_file(path: str | Path, *, aliases: Mapping[str, str] | None = None) -> Document:
    """Read a .txt (UTF-8, BOM, GB18030/GBK), .docx or .pdf file and parse it.

    Raises ``OSError`` when the file cannot be read and ``ReadError`` when it is not a readable document.
    """
    path = Path(path)
    return parse_bytes(path.read_bytes(), name=path.name, aliases=aliases)


def parse_bytes(
    data: bytes,
    *,
    name: str,
    aliases: Mapping[str, str] | None = None,
    measure_level: str | None = None,
) -> Document:
    """Decode bytes (see ``reading.decode``; raises ``ReadError``) and parse the text."""
    return parse(decode(data, name), name=name, aliases=aliases, measure_level=measure_level)


def parse(
    text: str,
    *,
    name: str | None = None,
    aliases: Mapping[str, str] | None = None,
    measure_level: str | None = None,
) -> Document:
    """Parse the text of a policy document into metadata, parts, measures and citations.

    ``aliases`` (alias -> canonical unit name, see ``units.load_aliases``) replaces the shipped
    alias table, so an office can merge the abbreviations it uses into its own registry's names.
    ``measure_level`` (a style name from ``levels(text)``) makes every heading of that numbering
    level a measure, for a reviewer who reads the document at another level than the parser did.
    """
    source = Source(
        name=name or "<text>",
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        chars=len(text),
    )
    document = Document(source=source)
    if not text.strip():
        document.diagnostics.append(Diagnostic("empty_text", "文本为空，没有可解析的内容"))
        return document
    cleaned = clean(text)
    _Run(document, cleaned, text, aliases, measure_level).run()
    return document


@dataclass
class Level:
    """A numbering level printed in a document: its style name, how it looks, how many headings."""

    style: str
    example: str
    count: int


def levels(text: str) -> list[Level]:
    """The numbering levels of a text, outermost first (what ``measure_level`` can be)."""
    cleaned = clean(text)
    meta = metadata.extract(cleaned.text)
    starts = [t.start for t in metadata.find_parts(cleaned.text, meta)][1:]
    found: dict[str, Level] = {}
    ranks: dict[str, int] = {}
    boxes = tuple(measures.box_starts(cleaned.text))
    for marker in outline.find_markers(cleaned.text, tuple(starts), boxes=boxes):
        ranks.setdefault(marker.style, marker.rank)
        level = found.setdefault(marker.style, Level(marker.style, marker.number, 0))
        level.count += 1
    return sorted(found.values(), key=lambda lv: ranks[lv.style])


class _Run:
    """One parse: the stages in order, sharing the cleaned text and the diagnostics."""

    def __init__(
        self,
        document: Document,
        cleaned: Cleaned,
        original: str,
        aliases: Mapping[str, str] | None = None,
        measure_level: str | None = None,
    ) -> None:
        self.document = document
        self.aliases = aliases
        self.measure_level = measure_level
        self.cleaned = cleaned
        self.text = cleaned.text
        self.original = original
        self._unit_cells: dict[tuple[str, bool], tuple[list[str], list[str]]] = {}

    def _guard(self, stage: str, function, *args, default=None, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception:  # a stage must not turn odd input into a traceback for the user
            logger.exception("stage %s failed on %s", stage, self.document.source.name)
            self.document.diagnostics.append(
                Diagnostic("stage_error", f"{_STAGE_NAMES[stage]}未能完成，结果可能不完整")
            )
            return default

    def run(self) -> None:
        doc, text, cleaned = self.document, self.text, self.cleaned
        blocks = self._guard(
            "units", units_stage.find_unit_blocks, text, aliases=self.aliases, default=[]
        )
        clauses = [measures.Clause(b.span[0], b.span[1], b.lead, b.support) for b in blocks]

        meta = self._guard("metadata", metadata.extract, text, default=metadata.Metadata())
        doc.title, doc.issuer, doc.doc_number = meta.title, meta.issuer, meta.doc_number
        doc.date, doc.published, doc.region = meta.date, meta.published, meta.region
        doc.addressees = meta.addressees
        titles = self._guard("metadata", metadata.find_parts, text, meta, default=[])
        if not titles:
            titles = [metadata.PartTitle(meta.title or "", 0, 0)]
        part_starts = [t.start for t in titles]
        part_starts[0] = 0
        for i, title in enumerate(titles):
            end = part_starts[i + 1] if i + 1 < len(titles) else len(text)
            doc.parts.append(Part(title.title, cleaned.span(title.start, end)))

        structure = self._guard("structure", self._structure, clauses, part_starts)
        drafts, removed, diagnostics = structure or ([], None, [])
        doc.diagnostics.extend(diagnostics)

        year = int((doc.date or doc.published or "0")[:4]) or None
        counters: dict[int, int] = {}
        for draft in drafts:
            counters[draft.part] = counters.get(draft.part, 0) + 1
            first = draft.pieces[0]
            measure = Measure(
                id=f"{draft.part}-{counters[draft.part]}",
                part=draft.part,
                number=draft.number,
                path=draft.path,
                section=draft.section,
                heading=draft.heading,
                text="".join(text[a:b] for a, b in draft.pieces),
                span=cleaned.span(*first),
                lead_units=draft.lead,
                support_units=draft.support,
                unit_blocks=[
                    UnitBlock(list(c.lead), list(c.support), cleaned.span(c.start, c.end))
                    for c in draft.blocks
                ],
            )
            for a, b in draft.pieces:
                dropped: list[tuple[int, int, int]] = []
                found = self._guard(
                    "targets",
                    quantities.extract_targets,
                    text[a:b],
                    year=year,
                    dropped=dropped,
                    default=[],
                )
                measure.targets.extend(self._shift(t, a) for t in found)
                for bad_year, start, end in dropped:
                    doc.diagnostics.append(
                        Diagnostic(
                            "implausible_date",
                            f"措施{draft.number or measure.heading or ''}中的“{text[a + start : a + end]}”"
                            f"年份为{bad_year}，不在{quantities.FIRST_YEAR}—{quantities.LAST_YEAR}年之间"
                            "（可能是转录错误），未作为完成期限",
                            cleaned.span(a + start, a + end),
                        )
                    )
            doc.measures.append(measure)
        if self.measure_level is None and not any(
            m.lead_units or m.support_units for m in doc.measures
        ):
            # A 任务分工表 assigns the tasks the body only lists: its rows are the measures.
            rows = self._guard("structure", tables.find_rows, self.original, default=[])
            if rows:
                doc.measures = [self._row_measure(row, i, year) for i, row in enumerate(rows)]
        if not doc.measures:
            doc.diagnostics.append(
                Diagnostic("no_measures", "未识别出带编号的措施条目（文中没有可识别的编号层级）")
            )

        found = self._guard(
            "citations",
            citations.extract_citations,
            text,
            own_doc_number=doc.doc_number,
            default=[],
        )
        for citation in found:
            if removed is not None and removed.is_removed(citation.span[0]):
                continue
            citation.span = cleaned.span(*citation.span)
            doc.citations.append(citation)

    def _structure(self, clauses, part_starts):
        text, cleaned = self.text, self.cleaned
        boxes = tuple(measures.box_starts(text))
        markers = outline.find_markers(text, tuple(part_starts[1:]), boxes=boxes)
        nodes = outline.build(text, markers, [c.start for c in clauses])
        removed = passages.find_duplicates(
            text,
            [m.start for m in markers],
            [(c.start, c.end) for c in clauses],
            cleaned.span,
        )
        drafts, diagnostics = measures.select(
            text, nodes, clauses, removed, part_starts, cleaned.span, level=self.measure_level
        )
        return drafts, removed, removed.diagnostics + diagnostics

    def _row_measure(self, row: tables.Row, index: int, year: int | None) -> Measure:
        original = self.original
        part = max(0, sum(1 for p in self.document.parts if p.span[0] <= row.span[0]) - 1)
        cells = {role: clean(original[a:b]) for role, (a, b) in row.cells.items()}
        # A line break inside a cell is the cell's width, not a paragraph.
        heading = cells["heading"].text.replace("\n", "") if "heading" in cells else None
        body = cells.get("text") or cells.get("heading")
        text = body.text.replace("\n", "") if body is not None else ""
        if heading is None and text:
            heading = text.split("。")[0]
        lead, support = self._unit_cell(cells["lead"].text) if "lead" in cells else ([], [])
        if "support" in cells:
            extra = self._unit_cell(cells["support"].text, support=True)[1]
            support = support + [u for u in extra if u not in support and u not in lead]
        measure = Measure(
            id=f"{part}-{index + 1}",
            part=part,
            number=row.number,
            path=[row.number],
            section=None,
            heading=(heading or "")[:30] or None,
            text=text,
            span=row.span,
            lead_units=lead,
            support_units=support,
        )
        for role in ("heading", "text", "deadline"):
            if role not in cells:
                continue
            start, piece = row.cells[role][0], cells[role]
            found = self._guard(
                "targets",
                quantities.extract_targets,
                piece.text,
                year=year,
                due=role == "deadline",  # the 完成时限 column: 2024年9月 is a deadline there
                default=[],
            )
            for target in found:
                a, b = piece.span(*target.span)
                target.span = (start + a, start + b)
                measure.targets.append(target)
        return measure

    def _unit_cell(self, content: str, support: bool = False) -> tuple[list[str], list[str]]:
        # A table names the same few units on every row: read each cell text once.
        known = self._unit_cells.get((content, support))
        if known is None:
            known = self._guard(
                "units",
                units_stage.read_unit_cell,
                content,
                support=support,
                aliases=self.aliases,
                default=([], []),
            )
            self._unit_cells[(content, support)] = known
        return list(known[0]), list(known[1])

    def _shift(self, target: Target, offset: int) -> Target:
        target.span = self.cleaned.span(target.span[0] + offset, target.span[1] + offset)
        return target
