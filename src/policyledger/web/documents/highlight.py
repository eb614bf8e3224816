"""The original text as HTML with each parsed field marked at its span (server-side, escaped)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    css: str
    title: str = ""
    anchor: str = ""


def render_marked(text: str, marks: list[Mark]) -> SafeString:
    """``text`` with ``<mark>`` around each span; overlapping spans merge their classes.

    The text is cut at every span boundary, and each piece is wrapped once with the classes of all
    spans covering it, so the HTML stays well nested however the spans overlap.
    """
    n = len(text)
    valid = [
        m
        for m in marks
        if isinstance(m.start, int) and isinstance(m.end, int) and 0 <= m.start < m.end <= n
    ]
    cuts = sorted({0, n, *(m.start for m in valid), *(m.end for m in valid)})
    anchors: dict[int, list[str]] = {}
    for m in valid:
        if m.anchor:
            anchors.setdefault(m.start, []).append(m.anchor)
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        for anchor in anchors.get(a, []):
            out.append(f'<span class="anchor" id="{escape(anchor)}"></span>')
        piece = escape(text[a:b])
        covering = [m for m in valid if m.start <= a and b <= m.end]
        if not covering:
            out.append(piece)
            continue
        classes = " ".join(dict.fromkeys(c for m in covering for c in m.css.split()))
        titles = "；".join(dict.fromkeys(m.title for m in covering if m.title))
        title = f' title="{escape(titles)}"' if titles else ""
        out.append(f'<mark class="{escape(classes)}"{title}>{piece}</mark>')
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def document_marks(document, measures) -> list[Mark]:
    """Marks for the review page: each measure, its targets, and its units where printed."""
    text = document.original_text
    marks: list[Mark] = []
    for m in measures:
        if m.span_start is None or m.span_end is None:
            continue
        marks.append(
            Mark(m.span_start, m.span_end, "hl-measure", f"措施 {m.number}", anchor=f"src-m-{m.pk}")
        )
        for t in m.targets.all():
            if t.span_start is not None and t.span_end is not None:
                marks.append(
                    Mark(
                        t.span_start,
                        t.span_end,
                        f"hl-target hl-{t.kind}",
                        f"{t.get_kind_display()}：{t.text}",
                    )
                )
        # Units carry no span in the parse result: mark where the printed name appears.
        body = text[m.span_start : m.span_end]
        for link in m.unit_links.all():
            pos = body.find(link.raw_name)
            if pos >= 0:
                start = m.span_start + pos
                marks.append(
                    Mark(
                        start,
                        start + len(link.raw_name),
                        f"hl-unit hl-{link.role}",
                        f"{link.get_role_display()}单位",
                    )
                )
    return marks
