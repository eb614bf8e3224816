"""The parser's output: plain dataclasses, JSON-ready through ``Document.to_dict()``.

Every span is a half-open ``(start, end)`` pair of code-point offsets into the *original* input text
(before any cleaning), so ``text[start:end]`` shows the source of a field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = 1

Span = tuple[int, int]
TargetKind = Literal["money", "percent", "ratio", "count", "date"]
Qualifier = Literal["total", "max", "min", "range", "per"]


@dataclass
class Target:
    """A quantified target found in a measure: an amount, a share, a count or a deadline."""

    kind: TargetKind
    # money: yuan (float or int); percent: the number; ratio and range: [a, b]; date: "YYYY-MM-DD"/"YYYY"
    value: float | int | str | list[float | int]
    unit: str | None
    qualifier: Qualifier | None
    per: str | None
    text: str
    span: Span


@dataclass
class UnitBlock:
    """One responsibility block of a measure as printed: （省商务厅牵头，合肥海关配合）.

    A measure may hold several, one per sentence group; its ``lead_units``/``support_units`` are their
    union in order of first appearance, and each block keeps its own span (original text).
    """

    lead: list[str]
    support: list[str]
    span: Span


@dataclass
class Measure:
    id: str
    part: int
    number: str
    path: list[str]
    section: str | None
    heading: str | None
    text: str
    span: Span
    lead_units: list[str] = field(default_factory=list)
    support_units: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    unit_blocks: list[UnitBlock] = field(default_factory=list)


@dataclass
class Part:
    title: str
    span: Span


@dataclass
class Citation:
    doc_number: str | None
    title: str | None
    span: Span


@dataclass
class Diagnostic:
    code: str
    message: str
    span: Span | None = None


@dataclass
class Source:
    name: str
    sha256: str
    chars: int


@dataclass
class Document:
    source: Source
    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    date: str | None = None
    published: str | None = None
    region: str | None = None
    addressees: list[str] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of schema_version 1 (see ``policyledger schema``); spans become lists."""
        data = asdict(self)
        ordered = {"schema_version": data.pop("schema_version")}
        ordered.update(data)
        return _lists(ordered)


def _lists(value: Any) -> Any:
    # JSON has no tuples; the schema says spans are arrays.
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value
