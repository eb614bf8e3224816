"""A stored measure in the parser's shape (``policyledger.parsing.model.Measure``), for the code
that hands reviewed documents back to the pure libraries (lineage matching, the 任务分解表 writer)."""

from __future__ import annotations

from typing import Any

from policyledger.parsing import model as parsed
from policyledger.web.documents.models import Measure


def parsed_measure(m: Measure, *, id: str | None = None, **extra: Any) -> parsed.Measure:
    """``m``'s reviewed fields as the parser's Measure (id: the row's pk unless given); ``extra``
    fills the rest (units, targets)."""
    return parsed.Measure(
        id=id if id is not None else str(m.pk),
        part=m.part,
        number=m.number,
        path=list(m.path or []),
        section=m.section or None,
        heading=m.heading or None,
        text=m.text,
        span=(m.span_start or 0, m.span_end or 0),
        **extra,
    )
