"""Review a parsed document: edit, merge and split measures, match units, change its settings.

Each use case is one function in one transaction, logged and audited. Edits carry the version the
editor started from; a stale version raises ``ConflictError`` and changes nothing (optimistic
locking), so two administrators editing at once never overwrite each other silently.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from policyledger.web.accounts.models import Unit
from policyledger.web.accounts.services import find_unit, normalise_name
from policyledger.web.core import audit
from policyledger.web.documents.models import Measure, MeasureUnit, PolicyDocument, Target
from policyledger.web.documents.services.errors import ConflictError, ReviewError
from policyledger.web.documents.services.importing import _date, remove_measures, target_deadline

logger = logging.getLogger("policyledger.web.documents")


def _bump_document(document: PolicyDocument, expected_version: int | None) -> None:
    """Compare-and-set on the document's version; the caller holds a transaction."""
    qs = PolicyDocument.objects.filter(pk=document.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    if not qs.update(version=F("version") + 1, updated_at=timezone.now()):
        raise ConflictError()


def _require_review(document: PolicyDocument) -> None:
    if document.status != PolicyDocument.Status.REVIEW:
        raise ReviewError(f"文件当前状态为“{document.get_status_display()}”，不能修改措施")


def split_names(text: str) -> list[str]:
    """Unit names typed in one box: separated by 、，,；; or new lines."""
    return [n for n in (normalise_name(p) for p in re.split(r"[、，,；;\n\r]+", text or "")) if n]


def measure_snapshot(measure: Measure) -> dict[str, Any]:
    data = audit.snapshot(
        measure, ["heading", "text", "number", "span_start", "span_end", "no_deadline"]
    )
    data["units"] = [[link.raw_name, link.role, link.unit_id] for link in measure.unit_links.all()]
    data["targets"] = [
        [t.kind, t.value, t.deadline and t.deadline.isoformat()] for t in measure.targets.all()
    ]
    return data


@transaction.atomic
def edit_measure(
    user,
    measure_id: int,
    expected_version: int,
    *,
    heading: str | None = None,
    text: str | None = None,
    lead_units: list[str] | None = None,
    support_units: list[str] | None = None,
    deadline: dt.date | None | str = "keep",
    weight: float | None = None,
    targets: list[TargetEdit] | None = None,
    no_deadline: bool | None = None,
) -> Measure:
    """Change a proposed measure; units are matched against the registry by name or alias."""
    measure = Measure.objects.select_related("document").get(pk=measure_id)
    _require_review(measure.document)
    before = measure_snapshot(measure)
    fields: dict[str, Any] = {}
    if heading is not None:
        fields["heading"] = heading.strip()[:300]
    if text is not None:
        if not text.strip():
            raise ReviewError("措施内容不能为空")
        fields["text"] = text.strip()
    if weight is not None:
        if not 0 < weight <= 100:
            raise ReviewError("权重须大于0且不超过100")
        fields["weight"] = weight
    if no_deadline is not None:
        fields["no_deadline"] = no_deadline
    updated = Measure.objects.filter(pk=measure.pk, version=expected_version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise ConflictError()
    _bump_document(measure.document, None)
    units = list(Unit.objects.filter(active=True))
    for role, names in (
        (MeasureUnit.Role.LEAD, lead_units),
        (MeasureUnit.Role.SUPPORT, support_units),
    ):
        if names is None:
            continue
        existing = {link.raw_name: link for link in measure.unit_links.filter(role=role)}
        measure.unit_links.filter(role=role).exclude(raw_name__in=names).delete()
        for i, name in enumerate(names):
            link = existing.get(name)
            if link is None:
                MeasureUnit.objects.create(
                    measure=measure,
                    raw_name=name[:200],
                    role=role,
                    order=i,
                    unit=find_unit(name, units),
                )
            elif link.order != i:
                MeasureUnit.objects.filter(pk=link.pk).update(order=i)
    if targets:
        _apply_targets(measure, targets)
    if deadline != "keep":
        _set_deadline(measure, deadline)  # type: ignore[arg-type]
    measure.refresh_from_db()
    audit.record(user, "measure.edit", measure, before=before, after=measure_snapshot(measure))
    logger.info("measure %s edited by %s", measure.pk, user)
    return measure


@dataclass
class TargetEdit:
    """One row of the target editor: an existing target (id) or a new one (id None)."""

    id: int | None
    kind: str
    value: str
    unit: str = ""
    qualifier: str = ""
    text: str = ""
    delete: bool = False


_NUMBER = r"\d+(?:\.\d+)?"


def parse_target_value(kind: str, text: str) -> Any:
    """A value typed by a person -> the JSON value of the parse result (money in yuan).

    Money takes 万/亿 (1000万 -> 10000000); a range is 1-10万 (万 applies to both ends); a ratio
    is 2:1; a date is 2022-12-31 or a year.
    """
    raw = (text or "").strip().replace(",", "").replace("，", "").replace("：", ":")
    raw = raw.replace("元", "").replace("％", "%").rstrip("%").strip()
    if not raw:
        raise ReviewError("指标数值不能为空")
    if kind == "date":
        if re.fullmatch(r"\d{4}", raw) or _date(raw):
            return raw
        raise ReviewError("时限格式应为 年-月-日（如 2022-12-31）或年份")
    if kind == "ratio":
        match = re.fullmatch(rf"({_NUMBER})\s*:\s*({_NUMBER})", raw)
        if not match:
            raise ReviewError("配比格式应为 2:1")
        return [_num(match.group(1)), _num(match.group(2))]
    scale = 1
    if kind == "money":
        if raw.endswith("亿"):
            scale, raw = 100_000_000, raw[:-1]
        elif raw.endswith("万"):
            scale, raw = 10_000, raw[:-1]
    match = re.fullmatch(rf"({_NUMBER})\s*[-—~～至]\s*({_NUMBER})", raw)
    if match:
        return [_num(match.group(1), scale), _num(match.group(2), scale)]
    if re.fullmatch(_NUMBER, raw):
        return _num(raw, scale)
    raise ReviewError(f"指标数值“{text}”无法识别，请填写数字（金额可带万、亿）")


def _num(text: str, scale: int = 1) -> int | float:
    """The number in ``text`` times ``scale``, computed in Decimal (0.07亿 is 7000000, not
    7000000.000000001); whole numbers as int, others as the float whose JSON text is that exact
    decimal (the target values' JSON holds numbers, as the parser writes them)."""
    value = Decimal(text) * scale
    # Hundreds of digits are more than a float or the JSON number can hold.
    if not math.isfinite(float(value)):
        raise ReviewError(f"指标数值“{text}”过大")
    return int(value) if value == value.to_integral_value() else float(value)


def _apply_targets(measure: Measure, edits: list[TargetEdit]) -> None:
    top = measure.targets.aggregate(m=Max("order"))["m"] or 0
    for edit in edits:
        if edit.kind not in Target.Kind.values:
            raise ReviewError("指标类型无效")
        if edit.qualifier and edit.qualifier not in Target.Qualifier.values:
            raise ReviewError("指标限定无效")
        if edit.id is not None:
            target = measure.targets.filter(pk=edit.id).first()
            if target is None:
                raise ReviewError("指标不存在或不属于该措施")
            if edit.delete:
                target.delete()
                continue
        elif edit.delete or not (edit.value or "").strip():
            continue
        else:
            top += 1
            target = Target(measure=measure, order=top, text=(edit.text or "人工添加")[:500])
        value = parse_target_value(edit.kind, edit.value)
        target.kind = edit.kind
        target.value = value
        target.unit = (edit.unit or ("元" if edit.kind == "money" else ""))[:40]
        target.qualifier = edit.qualifier or ""
        target.deadline = target_deadline(edit.kind, value)
        target.save()


def _set_deadline(measure: Measure, deadline: dt.date | None) -> None:
    dated = list(measure.targets.filter(kind=Target.Kind.DATE).order_by("order", "id"))
    if deadline is None:
        for t in dated:
            Target.objects.filter(pk=t.pk).update(deadline=None)
        return
    if dated:
        Target.objects.filter(pk=dated[-1].pk).update(deadline=deadline)
    else:
        top = measure.targets.aggregate(m=Max("order"))["m"]
        Target.objects.create(
            measure=measure,
            kind=Target.Kind.DATE,
            value=deadline.isoformat(),
            text="人工设定的完成时限",
            deadline=deadline,
            order=(top or 0) + 1,
        )


def measure_deadline(measure: Measure) -> dt.date | None:
    """The latest date target of the measure (its completion deadline), if any."""
    dates = [t.deadline for t in measure.targets.all() if t.kind == "date" and t.deadline]
    return max(dates) if dates else None


@transaction.atomic
def resolve_unit(
    user, link_id: int, *, unit_id: int | None = None, create: bool = False, level: str = ""
) -> MeasureUnit:
    """Match a printed unit name to a registry unit, or create the unit from that name."""
    link = MeasureUnit.objects.select_related("measure__document").get(pk=link_id)
    _require_review(link.measure.document)
    before = {"raw_name": link.raw_name, "unit": link.unit_id}
    if create:
        if level and level not in Unit.Level.values:
            raise ReviewError("单位层级只能是省、市或县")
        from policyledger.web.accounts.services import get_or_create_unit

        unit = get_or_create_unit(link.raw_name)
        if level and not unit.level:
            Unit.objects.filter(pk=unit.pk).update(level=level)
    else:
        unit = Unit.objects.filter(pk=unit_id, active=True).first()
        if unit is None:
            raise ReviewError("所选单位不存在")
        # Remember the printed name as an alias so the next import matches it by itself.
        if link.raw_name != unit.name and link.raw_name not in (unit.aliases or []):
            unit.aliases = [*(unit.aliases or []), link.raw_name]
            unit.save(update_fields=["aliases"])
    # Every other unmatched link with the same printed name in this document gets the same unit.
    MeasureUnit.objects.filter(
        measure__document=link.measure.document, raw_name=link.raw_name, unit__isnull=True
    ).update(unit=unit)
    link.refresh_from_db()
    _bump_document(link.measure.document, None)
    audit.record(
        user,
        "measure.unit_resolved",
        link,
        before=before,
        after={"raw_name": link.raw_name, "unit": unit.pk, "unit_name": unit.name},
    )
    logger.info("unit name %r matched to unit %s by %s", link.raw_name, unit.pk, user)
    return link


@transaction.atomic
def merge_measures(
    user, document_id: int, measure_ids: list[int], expected_version: int
) -> Measure:
    """Join measures into the first of them (text, units and targets); the others go away."""
    document = PolicyDocument.objects.select_for_update().get(pk=document_id)
    _require_review(document)
    if document.version != expected_version:
        raise ConflictError()
    measures = list(document.measures.filter(pk__in=measure_ids).order_by("order", "id"))
    if len(measures) < 2 or len(measures) != len(set(measure_ids)):
        raise ReviewError("请选择同一文件中的至少两条措施进行合并")
    first, rest = measures[0], measures[1:]
    before = [measure_snapshot(m) for m in measures]
    first.text = "\n".join(m.text for m in measures)
    starts = [m.span_start for m in measures if m.span_start is not None]
    ends = [m.span_end for m in measures if m.span_end is not None]
    first.span_start = min(starts) if starts else None
    first.span_end = max(ends) if ends else None
    first.version = F("version") + 1
    first.save()
    seen = {(link.raw_name, link.role) for link in first.unit_links.all()}
    for m in rest:
        for link in m.unit_links.all():
            if (link.raw_name, link.role) not in seen:
                seen.add((link.raw_name, link.role))
                MeasureUnit.objects.filter(pk=link.pk).update(measure=first)
        Target.objects.filter(measure=m).update(measure=first)
    remove_measures(document, Measure.objects.filter(pk__in=[m.pk for m in rest]))
    _renumber(document)
    _bump_document(document, expected_version)
    first.refresh_from_db()
    audit.record(
        user, "measure.merge", first, before={"measures": before}, after=measure_snapshot(first)
    )
    logger.info("measures %s merged into %s by %s", measure_ids, first.pk, user)
    return first


@transaction.atomic
def split_measure(user, measure_id: int, at: int, expected_version: int) -> Measure:
    """Cut a measure's text at character ``at``: the tail becomes a new measure right after it.

    Units are copied to both halves (the administrator removes what does not apply); targets go to
    the half their text is in.
    """
    measure = Measure.objects.select_related("document").select_for_update().get(pk=measure_id)
    _require_review(measure.document)
    if measure.version != expected_version:
        raise ConflictError()
    text = measure.text
    if not 0 < at < len(text):
        raise ReviewError("拆分位置须在措施内容中间")
    head, tail = text[:at].rstrip(), text[at:].lstrip()
    if not head or not tail:
        raise ReviewError("拆分后两部分都不能为空")
    before = measure_snapshot(measure)
    deadline = measure_deadline(measure)
    Measure.objects.filter(document=measure.document, order__gt=measure.order).update(
        order=F("order") + 1
    )
    cut = measure.span_start + at if measure.span_start is not None else None
    new = Measure.objects.create(
        document=measure.document,
        part=measure.part,
        number=f"{measure.number}-2",
        path=measure.path,
        section=measure.section,
        heading=heading_of(tail),
        text=tail,
        span_start=cut,
        span_end=measure.span_end,
        order=measure.order + 1,
        weight=measure.weight,
        no_deadline=measure.no_deadline,
    )
    Measure.objects.filter(pk=measure.pk).update(text=head, span_end=cut, version=F("version") + 1)
    MeasureUnit.objects.bulk_create(
        [
            MeasureUnit(
                measure=new,
                unit=link.unit,
                raw_name=link.raw_name,
                role=link.role,
                order=link.order,
            )
            for link in measure.unit_links.all()
        ]
    )
    for t in measure.targets.all():
        in_tail = (cut is not None and t.span_start is not None and t.span_start >= cut) or (
            cut is None and t.text and t.text in tail and t.text not in head
        )
        if in_tail:
            Target.objects.filter(pk=t.pk).update(measure=new)
    # Both halves keep the measure's deadline, wherever its date target's text fell.
    if deadline is not None:
        for half in (measure, new):
            if measure_deadline(half) is None:
                _set_deadline(half, deadline)
    _bump_document(measure.document, None)
    measure.refresh_from_db()
    audit.record(
        user,
        "measure.split",
        measure,
        before=before,
        after={"head": measure_snapshot(measure), "tail": measure_snapshot(new)},
    )
    logger.info("measure %s split at %d into %s by %s", measure.pk, at, new.pk, user)
    return new


# A unit block printed after a measure: （责任单位：市商务局、市财政局）, （牵头单位：…，配合单位：…）.
_UNIT_BLOCK = re.compile(r"[（(][^（）()]*(?:单位|牵头|配合|责任)[^（）()]*[)）]")
_SENTENCE_END = "。；！？;!?"
_CLAUSE_END = "，,、：:"
HEADING_CHARS = 30


def heading_of(text: str, limit: int = HEADING_CHARS) -> str:
    """A heading for a measure made from its text: the first sentence, never a cut unit block.

    Unit blocks are removed first; the heading ends at the first sentence end within ``limit``
    characters, else at the last clause mark, else at ``limit`` characters.
    """
    text = _UNIT_BLOCK.sub("", re.sub(r"\s+", "", text or ""))
    ends = [i for i, ch in enumerate(text[: limit + 1]) if ch in _SENTENCE_END]
    if ends:
        return text[: ends[0]].strip()
    if len(text) <= limit:
        return text.rstrip(_CLAUSE_END + _SENTENCE_END)
    clauses = [i for i, ch in enumerate(text[:limit]) if ch in _CLAUSE_END]
    if clauses and clauses[-1] >= limit // 3:
        return text[: clauses[-1]]
    return text[:limit]


def _renumber(document: PolicyDocument) -> None:
    measures = list(document.measures.order_by("order", "id"))
    for i, measure in enumerate(measures):
        measure.order = i
    # One UPDATE for the document, not one per measure.
    Measure.objects.bulk_update(measures, ["order"])


@transaction.atomic
def update_settings(
    user,
    document_id: int,
    expected_version: int,
    *,
    cycle: str,
    default_deadline: dt.date | None,
    title: str | None = None,
    short_title: str | None = None,
) -> PolicyDocument:
    fields = ["title", "short_title", "cycle", "default_deadline"]
    document = PolicyDocument.objects.select_for_update().get(pk=document_id)
    if cycle not in PolicyDocument.Cycle.values:
        raise ReviewError("报送周期只能是按月或按季度")
    if short_title is not None and len(short_title.strip()) > 60:
        raise ReviewError("简称过长（最多60个字），例如“促消费20条”")
    before = audit.snapshot(document, fields)
    _bump_document(document, expected_version)
    document.refresh_from_db()
    document.cycle = cycle
    document.default_deadline = default_deadline
    if title is not None and title.strip():
        document.title = title.strip()[:300]
    if short_title is not None:
        document.short_title = short_title.strip()
    document.save(update_fields=[*fields, "updated_at"])
    audit.record(
        user, "document.settings", document, before=before, after=audit.snapshot(document, fields)
    )
    logger.info("document %s settings changed by %s", document.pk, user)
    return document
