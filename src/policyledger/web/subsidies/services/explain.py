"""为什么: the matched rows, the cap that bound, and the measure's clause with its spans marked."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString

from policyledger.web.documents.highlight import Mark, render_marked

from ..models import Application, Programme


def clause_html(programme: Programme, extra_terms: list[str] | None = None) -> SafeString | str:
    """The measure's text with its money/percent targets highlighted (the figures the programme
    was built from), plus any phrase of ``extra_terms`` found in it."""
    m = programme.measure
    if m is None or m.span_start is None or m.span_end is None:
        return m.text if m is not None else ""
    text = m.document.original_text[m.span_start : m.span_end] or m.text
    marks = []
    for t in m.targets.all():
        if t.kind in ("money", "percent") and t.span_start is not None and t.span_end is not None:
            start, end = t.span_start - m.span_start, t.span_end - m.span_start
            used = any(
                src.get("span") == [t.span_start, t.span_end]
                for src in (programme.prefill or {}).get("sources", {}).values()
            )
            css = "hl-target hl-used" if used else "hl-target"
            marks.append(Mark(start, end, css, f"{t.get_kind_display()}：{t.text}"))
    for term in extra_terms or []:
        pos = text.find(term) if term else -1
        if pos >= 0:
            marks.append(Mark(pos, pos + len(term), "hl-measure", "规则依据"))
    return render_marked(text, marks)


def matched_rows(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{table, row, description, conditions}] of every decision-table row that matched."""
    out = []
    for step in trace or []:
        for hit in step.get("matched") or []:
            out.append(
                {
                    "table": step.get("node_name") or step.get("node_id"),
                    "row": hit.get("row"),
                    "description": hit.get("description", ""),
                    "conditions": {k: v for k, v in (hit.get("conditions") or {}).items() if v},
                }
            )
    return out


def explain(app: Application) -> dict[str, Any]:
    return {
        "reason": app.reason,
        "cap_applied": app.cap_applied,
        "rule_version": app.rule.number if app.rule_id else None,
        "rule_effective_from": app.rule.effective_from if app.rule_id else None,
        "decided_on": app.decided_on,
        "matched": matched_rows(app.trace),
        "clause": clause_html(app.programme),
        "manual_reason": app.manual_reason,
    }
