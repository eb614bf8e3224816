"""Text of a Chinese policy document -> ``Document`` (pure Python, no Django).

Stages, one module each, run in order by ``pipeline.parse``:
reading (bytes -> str) -> cleaning (normalised text + offset map) -> outline (numbered headings)
-> passages (duplicates, order) -> measures -> units / quantities per measure -> metadata -> citations.
"""

from policyledger.parsing.model import (
    Citation,
    Diagnostic,
    Document,
    Measure,
    Part,
    Source,
    Target,
    UnitBlock,
)
from policyledger.parsing.pipeline import Level, levels, parse, parse_bytes, parse_file
from policyledger.parsing.reading import ReadError

__all__ = [
    "Citation",
    "Diagnostic",
    "Level",
    "Document",
    "Measure",
    "Part",
    "ReadError",
    "Source",
    "Target",
    "UnitBlock",
    "levels",
    "parse",
    "parse_bytes",
    "parse_file",
]
