"""Choose the measure level of a whole document: re-split its measures, keep the review so far.

A document read at the wrong level (7 measures where the text hands out 50, or the reverse) is put
right in one action instead of 50 merges or splits: the parser reads the text again with the
reviewer's level (``parse(..., measure_level=style)``) and every edit made so far that still applies
is carried onto the new measures. An edit is what differs from the parse the document was last
given (``PolicyDocument.parsed``); where it goes is decided by the spans in the original text:

- a printed unit matched to a registry unit: every new link with that printed name gets the unit;
- a unit added by hand: every new measure that overlaps the old one gets it (a finer level: each
  part; a coarser one: the whole);
- a unit removed by hand: removed from the new measures that lie inside the old one;
- a target added by hand (no span, e.g. 人工设定的完成时限): copied to the new measures that overlap
  the old one; a printed target edited or deleted by hand: the same change on the target with the
  same span, wherever it now is;
- heading, text and weight edited by hand: kept where a new measure has exactly the old span (the
  same item at both levels); elsewhere they no longer apply.

Measures merged or split by hand are replaced by the chosen level (that is the point of choosing
it); their edits apply by the same rules as far as their spans allow. The summary says how many
edits were kept and how many no longer apply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from policyledger.web.core import audit
from policyledger.web.documents.models import Measure, MeasureUnit, PolicyDocument, Target
from policyledger.web.documents.services.errors import ConflictError, ReviewError
from policyledger.web.documents.services.importing import apply_parsed, target_deadline
from policyledger.web.documents.services.review import _require_review

logger = logging.getLogger("policyledger.web.documents")


@dataclass
class LevelChoice:
    """A numbering level the reviewer can choose, as the page shows it."""

    style: str
    example: str
    count: int
    current: bool

    @property
    def label(self) -> str:
        return f"“{self.example}”一级（共{self.count}处）"


@dataclass
class Relevelled:
    measures: int
    kept: int = 0
    dropped: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        text = f"已按所选层级重新拆分为{self.measures}条措施"
        if self.kept or self.dropped:
            text += f"，保留了{self.kept}处审核修改"
        if self.dropped:
            text += f"，{self.dropped}处修改因措施已不存在而未能保留"
        return text


def level_choices(document: PolicyDocument) -> list[LevelChoice]:
    """The numbering levels printed in the document, outermost first."""
    from policyledger.parsing import levels

    if not document.original_text:
        return []
    numbers = set(document.measures.values_list("number", flat=True))
    return [
        LevelChoice(lv.style, lv.example, lv.count, lv.example in numbers)
        for lv in levels(document.original_text)
    ]


def _span(obj) -> tuple[int, int] | None:
    if obj.span_start is None or obj.span_end is None:
        return None
    return (obj.span_start, obj.span_end)


def _overlaps(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _inside(inner: tuple[int, int] | None, outer: tuple[int, int] | None) -> bool:
    return inner is not None and outer is not None and outer[0] <= inner[0] and inner[1] <= outer[1]


@dataclass
class _Edits:
    """What the reviewer changed in one measure, relative to the parse it came from."""

    span: tuple[int, int] | None
    fields: dict[str, Any] = field(default_factory=dict)  # heading, text, weight
    added_units: list[tuple[str, str, int | None]] = field(default_factory=list)
    removed_units: list[tuple[str, str]] = field(default_factory=list)
    manual_targets: list[dict[str, Any]] = field(default_factory=list)
    edited_targets: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    deleted_targets: list[tuple[int, int]] = field(default_factory=list)

    def count(self) -> int:
        return (
            len(self.fields)
            + len(self.added_units)
            + len(self.removed_units)
            + len(self.manual_targets)
            + len(self.edited_targets)
            + len(self.deleted_targets)
        )


def _target_state(kind, value, unit, qualifier, deadline) -> tuple:
    return (kind, repr(value), unit or "", qualifier or "", deadline)


def _edits_of(measure: Measure, parsed: dict[str, Any] | None) -> _Edits:
    edits = _Edits(_span(measure))
    if parsed is None:  # a half made by a manual split: everything in it is the reviewer's
        parsed = {"heading": "", "text": "", "lead_units": [], "support_units": [], "targets": []}
    if measure.heading != (parsed.get("heading") or "")[:300]:
        edits.fields["heading"] = measure.heading
    if measure.text != (parsed.get("text") or ""):
        edits.fields["text"] = measure.text
    if measure.weight != 1.0:
        edits.fields["weight"] = measure.weight
    printed = {(u, MeasureUnit.Role.LEAD) for u in parsed.get("lead_units") or []}
    printed |= {(u, MeasureUnit.Role.SUPPORT) for u in parsed.get("support_units") or []}
    links = list(measure.unit_links.all())
    have = {(link.raw_name, link.role) for link in links}
    edits.added_units = [
        (link.raw_name, link.role, link.unit_id)
        for link in links
        if (link.raw_name, link.role) not in printed
    ]
    edits.removed_units = sorted(printed - have)
    parsed_targets: dict[tuple[int, int], tuple] = {}
    for t in parsed.get("targets") or []:
        span = t.get("span")
        if span:
            kind = t.get("kind") or "count"
            parsed_targets[tuple(span)] = _target_state(
                kind,
                t.get("value"),
                t.get("unit"),
                t.get("qualifier"),
                target_deadline(kind, t.get("value")),
            )
    seen: set[tuple[int, int]] = set()
    for t in measure.targets.all():
        span = _span(t)
        state = t.state()
        if span is None or span not in parsed_targets:
            edits.manual_targets.append(state)
            continue
        seen.add(span)
        now = _target_state(t.kind, t.value, t.unit, t.qualifier, t.deadline)
        if now != parsed_targets[span]:
            edits.edited_targets[span] = state
    edits.deleted_targets = [s for s in parsed_targets if s not in seen]
    return edits


@transaction.atomic
def choose_measure_level(user, document_id: int, style: str, expected_version: int) -> Relevelled:
    """Re-split the document's measures at the numbering level ``style`` (see ``level_choices``)."""
    from policyledger.parsing import levels, parse

    document = PolicyDocument.objects.select_for_update().get(pk=document_id)
    _require_review(document)
    if document.version != expected_version:
        raise ConflictError()
    if style not in {lv.style for lv in levels(document.original_text or "")}:
        raise ReviewError("所选层级在原文中不存在，请从列表中选择")
    old_parse = document.parsed or {}
    parsed_by_id = {str(m.get("id")): m for m in old_parse.get("measures") or []}
    old = list(document.measures.prefetch_related("unit_links", "targets").order_by("order", "id"))
    edits = [_edits_of(m, parsed_by_id.get(m.parser_id) if m.parser_id else None) for m in old]
    matched = {
        link.raw_name: link.unit_id for m in old for link in m.unit_links.all() if link.unit_id
    }
    title = document.title if document.title != (old_parse.get("title") or "") else None
    before = {"measures": len(old)}

    data = parse(document.original_text, name=document.source_name, measure_level=style).to_dict()
    if not data.get("measures"):
        raise ReviewError("按所选层级未能拆分出措施，请选择其他层级")
    document = apply_parsed(document, data)
    if title is not None:
        PolicyDocument.objects.filter(pk=document.pk).update(title=title)
    result = Relevelled(measures=len(data["measures"]))
    new = list(document.measures.prefetch_related("unit_links", "targets").order_by("order"))
    # Registry matches made by hand hold for the printed name, wherever it now stands.
    for measure in new:
        for link in measure.unit_links.all():
            if link.unit_id is None and matched.get(link.raw_name):
                MeasureUnit.objects.filter(pk=link.pk).update(unit_id=matched[link.raw_name])
    for edit in edits:
        result.kept, result.dropped = _carry(edit, new, result.kept, result.dropped)
    document.refresh_from_db()
    audit.record(
        user,
        "document.measure_level",
        document,
        before=before,
        after={
            "measures": result.measures,
            "level": style,
            "edits_kept": result.kept,
            "edits_dropped": result.dropped,
        },
    )
    logger.info(
        "document %s re-split at level %s by %s: %d measures, %d edits kept, %d dropped",
        document.pk,
        style,
        user,
        result.measures,
        result.kept,
        result.dropped,
    )
    return result


def _carry(edit: _Edits, new: list[Measure], kept: int, dropped: int) -> tuple[int, int]:
    overlapping = [m for m in new if _overlaps(_span(m), edit.span)]
    inside = [m for m in overlapping if _inside(_span(m), edit.span)]
    same = [m for m in new if edit.span is not None and _span(m) == edit.span]

    def tally(applied: bool) -> None:
        nonlocal kept, dropped
        if applied:
            kept += 1
        else:
            dropped += 1

    for name, value in edit.fields.items():
        for measure in same:
            Measure.objects.filter(pk=measure.pk).update(**{name: value})
        tally(bool(same))
    for raw, role, unit_id in edit.added_units:
        for measure in overlapping:
            if not measure.unit_links.filter(raw_name=raw, role=role).exists():
                top = measure.unit_links.filter(role=role).count()
                MeasureUnit.objects.create(
                    measure=measure, raw_name=raw, role=role, unit_id=unit_id, order=top
                )
        tally(bool(overlapping))
    for raw, role in edit.removed_units:
        for measure in inside:
            measure.unit_links.filter(raw_name=raw, role=role).delete()
        tally(bool(inside))
    for state in edit.manual_targets:
        for measure in overlapping:
            Target.objects.create(measure=measure, order=measure.targets.count(), **state)
        tally(bool(overlapping))
    for span, state in edit.edited_targets.items():
        hits = Target.objects.filter(measure__in=new, span_start=span[0], span_end=span[1]).update(
            **{k: v for k, v in state.items() if k != "text"}
        )
        tally(bool(hits))
    for span in edit.deleted_targets:
        hits = Target.objects.filter(measure__in=new, span_start=span[0], span_end=span[1])
        tally(hits.delete()[0] > 0)
    return kept, dropped
