"""Import, parse, review and publish a policy document.

Each use case is one function in one transaction, logged and audited. Edits carry the version the
editor started from; a stale version raises ``ConflictError`` and changes nothing (optimistic
locking), so two administrators editing at once never overwrite each other silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from policyledger.web.accounts.models import Unit
from policyledger.web.accounts.services import find_unit, normalise_name
from policyledger.web.documents.models import Measure, MeasureUnit, PolicyDocument, Target
from policyledger.web.tracking import audit

logger = logging.getLogger("policyledger.web.documents")

CONFLICT_MESSAGE = "该内容已被他人修改，请刷新后重试"


class ReviewError(ValueError):
    """A review or publish step refused; ``str(error)`` is a message for the user (Chinese)."""


class ConflictError(ReviewError):
    def __init__(self, message: str = CONFLICT_MESSAGE) -> None:
        super().__init__(message)


class UploadError(ValueError):
    """An upload refused before anything was stored; message in Chinese."""


# ---------------------------------------------------------------------------------------------
# Import and parse


def import_upload(data: bytes, name: str, user) -> PolicyDocument:
    """Store one uploaded file and queue its parsing.

    The type is sniffed from the content by the parser's reader; a file it cannot read is kept as a
    document marked 解析失败 with the reason, so a batch upload reports each file on its own.
    """
    from policyledger.parsing.reading import ReadError, decode, sniff

    name = (name or "未命名文件")[:255]
    limit = settings.MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise UploadError(f"文件“{name}”过大：{_mb(len(data))}，上限为 {_mb(limit)}")
    if not data:
        raise UploadError(f"文件“{name}”是空文件")
    try:
        # Only the kind is told here (cheap); a PDF or Word file is read by the worker, under
        # the page and expansion caps, not in the request. Plain text is decoded at once.
        text = decode(data, name=name) if sniff(data) == "text" else ""
        error = ""
    except ReadError as exc:
        text, error = "", str(exc)
    except Exception as exc:  # a reader bug must not lose the upload or give a 500
        logger.exception("reading %s failed", name)
        text, error = "", f"无法读取文件：{exc}"
    with transaction.atomic():
        document = PolicyDocument(
            source_name=name,
            source_sha256=hashlib.sha256(data).hexdigest(),
            source_size=len(data),
            original_text=text,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            status=PolicyDocument.Status.FAILED if error else PolicyDocument.Status.UPLOADED,
            error=error,
            title=name.rsplit(".", 1)[0][:300],
        )
        document.source_file.save(name, ContentFile(data), save=False)
        document.save()
        audit.record(
            user,
            "document.upload",
            document,
            after={"source_name": name, "status": document.status, "error": error},
        )
        if not error:
            from policyledger.web.documents.jobs import parse_document_task

            parse_document_task.enqueue(document.pk)
    logger.info(
        "document %s uploaded: %s (%d bytes) status=%s",
        document.pk,
        name,
        len(data),
        document.status,
    )
    return document


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def run_parse(document_id: int) -> str:
    """Parse a stored document (the background task's body). Returns the final status.

    Claimed by compare-and-set (上传 -> 解析中), so two workers never parse the same document.
    """
    claimed = PolicyDocument.objects.filter(
        pk=document_id, status=PolicyDocument.Status.UPLOADED
    ).update(status=PolicyDocument.Status.PARSING, updated_at=timezone.now())
    if not claimed:
        logger.info("document %s not waiting for parsing; skipped", document_id)
        doc = PolicyDocument.objects.filter(pk=document_id).values_list("status", flat=True)
        return doc.first() or "missing"
    document = PolicyDocument.objects.get(pk=document_id)
    if not document.original_text and document.source_file:
        failed = _read_source(document)
        if failed:
            return failed
    try:
        from policyledger.parsing import parse

        data = parse(document.original_text, name=document.source_name).to_dict()
    except Exception as exc:  # any parser failure becomes the document's visible state
        logger.exception("parsing document %s failed", document_id)
        message = str(exc) or exc.__class__.__name__
        PolicyDocument.objects.filter(pk=document_id).update(
            status=PolicyDocument.Status.FAILED, error=f"解析失败：{message}"[:2000]
        )
        audit.record(None, "document.parse_failed", document, after={"error": message})
        return PolicyDocument.Status.FAILED
    try:
        apply_parsed(document, data)
    except Exception as exc:
        logger.exception("storing the parse of document %s failed", document_id)
        PolicyDocument.objects.filter(pk=document_id).update(
            status=PolicyDocument.Status.FAILED, error=f"解析结果无法保存：{exc}"[:2000]
        )
        return PolicyDocument.Status.FAILED
    return PolicyDocument.Status.REVIEW


def _read_source(document: PolicyDocument) -> str | None:
    """Read a stored PDF/Word file into ``original_text`` (in the worker), under the caps of
    settings (MAX_PDF_PAGES, MAX_UNCOMPRESSED_BYTES, MAX_ZIP_MEMBERS); the FAILED status when it
    cannot be read, None when it was."""
    from policyledger.parsing.reading import ReadError, decode

    try:
        with document.source_file.open("rb") as handle:
            data = handle.read(settings.MAX_UPLOAD_BYTES + 1)
        if len(data) > settings.MAX_UPLOAD_BYTES:
            raise ReadError(f"文件过大，上限为 {_mb(settings.MAX_UPLOAD_BYTES)}")
        text = decode(
            data,
            name=document.source_name,
            max_pages=settings.MAX_PDF_PAGES,
            max_uncompressed=settings.MAX_UNCOMPRESSED_BYTES,
            max_members=settings.MAX_ZIP_MEMBERS,
        ).replace("\x00", "")
    except ReadError as exc:
        error = str(exc)
    except Exception as exc:  # a reader bug must not leave the document 解析中 for ever
        logger.exception("reading document %s failed", document.pk)
        error = f"无法读取文件：{exc}"
    else:
        PolicyDocument.objects.filter(pk=document.pk).update(original_text=text)
        document.original_text = text
        return None
    PolicyDocument.objects.filter(pk=document.pk).update(
        status=PolicyDocument.Status.FAILED, error=error[:2000]
    )
    audit.record(None, "document.parse_failed", document, after={"error": error})
    return PolicyDocument.Status.FAILED


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def target_deadline(kind: str, value: Any) -> dt.date | None:
    """The date a date target means: "2022-12-31" itself, a bare year its 31 December."""
    if kind != "date" or not isinstance(value, str):
        return None
    if re.fullmatch(r"\d{4}", value.strip()):
        return dt.date(int(value), 12, 31)
    return _date(value.strip())


@transaction.atomic
def apply_parsed(document: PolicyDocument, data: dict[str, Any]) -> PolicyDocument:
    """Replace the document's proposed measures with those of a parse result (JSON shape v1)."""
    document = PolicyDocument.objects.select_for_update().get(pk=document.pk)
    document.measures.all().delete()
    units = list(Unit.objects.filter(active=True))
    document.parsed = data
    document.title = (data.get("title") or document.title or "")[:300]
    document.issuer = (data.get("issuer") or "")[:200]
    document.doc_number = (data.get("doc_number") or "")[:100]
    document.signed_on = _date(data.get("date"))
    document.published_on = _date(data.get("published"))
    document.region = (data.get("region") or "")[:100]
    document.status = PolicyDocument.Status.REVIEW
    document.error = ""
    document.version = F("version") + 1
    document.save()
    document.refresh_from_db()
    for order, item in enumerate(data.get("measures") or []):
        span = item.get("span") or [None, None]
        measure = Measure.objects.create(
            document=document,
            parser_id=str(item.get("id") or "")[:40],
            part=int(item.get("part") or 0),
            number=str(item.get("number") or "")[:40],
            path=list(item.get("path") or []),
            section=(item.get("section") or "")[:300],
            heading=(item.get("heading") or "")[:300],
            text=item.get("text") or "",
            span_start=span[0],
            span_end=span[1],
            order=order,
        )
        links = []
        for role, key in (
            (MeasureUnit.Role.LEAD, "lead_units"),
            (MeasureUnit.Role.SUPPORT, "support_units"),
        ):
            for i, raw in enumerate(item.get(key) or []):
                links.append(
                    MeasureUnit(
                        measure=measure,
                        raw_name=str(raw)[:200],
                        role=role,
                        order=i,
                        unit=find_unit(str(raw), units),
                    )
                )
        MeasureUnit.objects.bulk_create(links)
        targets = []
        for i, t in enumerate(item.get("targets") or []):
            tspan = t.get("span") or [None, None]
            kind = t.get("kind") or "count"
            targets.append(
                Target(
                    measure=measure,
                    kind=kind,
                    value=t.get("value"),
                    unit=(t.get("unit") or "")[:40],
                    qualifier=t.get("qualifier") or "",
                    per=(t.get("per") or "")[:40],
                    text=(t.get("text") or "")[:500],
                    span_start=tspan[0],
                    span_end=tspan[1],
                    deadline=target_deadline(kind, t.get("value")),
                    order=i,
                )
            )
        Target.objects.bulk_create(targets)
    audit.record(
        None,
        "document.parsed",
        document,
        after={"measures": len(data.get("measures") or []), "title": document.title},
    )
    logger.info("document %s parsed: %d measures", document.pk, len(data.get("measures") or []))
    return document


# ---------------------------------------------------------------------------------------------
# Review


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
    data = audit.snapshot(measure, ["heading", "text", "number", "span_start", "span_end"])
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
    value = float(text) * scale
    # Hundreds of digits read as infinity, which int() refuses and JSON cannot hold.
    if not math.isfinite(value):
        raise ReviewError(f"指标数值“{text}”过大")
    return int(value) if value == int(value) else value


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
    Measure.objects.filter(pk__in=[m.pk for m in rest]).delete()
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
        heading=tail[:30],
        text=tail,
        span_start=cut,
        span_end=measure.span_end,
        order=measure.order + 1,
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
) -> PolicyDocument:
    document = PolicyDocument.objects.select_for_update().get(pk=document_id)
    if cycle not in PolicyDocument.Cycle.values:
        raise ReviewError("报送周期只能是按月或按季度")
    before = audit.snapshot(document, ["title", "cycle", "default_deadline"])
    _bump_document(document, expected_version)
    document.refresh_from_db()
    document.cycle = cycle
    document.default_deadline = default_deadline
    if title is not None and title.strip():
        document.title = title.strip()[:300]
    document.save(update_fields=["cycle", "default_deadline", "title", "updated_at"])
    audit.record(
        user,
        "document.settings",
        document,
        before=before,
        after=audit.snapshot(document, ["title", "cycle", "default_deadline"]),
    )
    logger.info("document %s settings changed by %s", document.pk, user)
    return document


@transaction.atomic
def publish(user, document_id: int, expected_version: int) -> list:
    """Turn the reviewed measures into tasks: one per measure and lead unit, supporters attached."""
    from policyledger.web.tracking.models import Task

    document = PolicyDocument.objects.select_for_update().get(pk=document_id)
    if document.status != PolicyDocument.Status.REVIEW:
        raise ReviewError(f"文件当前状态为“{document.get_status_display()}”，不能发布")
    if document.version != expected_version:
        raise ConflictError()
    measures = list(document.measures.prefetch_related("unit_links__unit", "targets"))
    if not measures:
        raise ReviewError("文件没有任何措施，不能发布")
    problems: list[str] = []
    for m in measures:
        leads = [link for link in m.unit_links.all() if link.role == MeasureUnit.Role.LEAD]
        if not leads:
            problems.append(f"措施{m.number or m.order + 1}没有牵头单位")
        unmatched = sorted({link.raw_name for link in m.unit_links.all() if link.unit_id is None})
        if unmatched:
            problems.append(f"措施{m.number or m.order + 1}的单位尚未匹配：{'、'.join(unmatched)}")
    if problems:
        raise ReviewError(
            "不能发布：" + "；".join(problems[:10]) + ("……" if len(problems) > 10 else "")
        )
    tasks = []
    for m in measures:
        deadline = measure_deadline(m) or document.default_deadline
        lead_ids: list[int] = []
        for link in m.unit_links.all():
            if link.role == MeasureUnit.Role.LEAD and link.unit_id not in lead_ids:
                lead_ids.append(link.unit_id)
        support_ids = sorted(
            {link.unit_id for link in m.unit_links.all() if link.role == MeasureUnit.Role.SUPPORT}
            - set(lead_ids)
        )
        for unit_id in lead_ids:
            task = Task.objects.create(
                measure=m, lead_unit_id=unit_id, deadline=deadline, weight=1.0
            )
            if support_ids:
                task.support_units.set(support_ids)
            tasks.append(task)
    before = {"status": document.status}
    document.status = PolicyDocument.Status.PUBLISHED
    document.published_at = timezone.now()
    document.published_by = user if getattr(user, "is_authenticated", False) else None
    document.version = F("version") + 1
    document.save()
    audit.record(
        user,
        "document.publish",
        document,
        before=before,
        after={"status": PolicyDocument.Status.PUBLISHED, "tasks": len(tasks)},
    )
    for task in tasks:
        audit.record(
            user,
            "task.create",
            task,
            task_id=task.pk,
            after=audit.snapshot(task, ["measure", "lead_unit", "deadline", "status"]),
        )
    logger.info("document %s published by %s: %d tasks", document.pk, user, len(tasks))
    return tasks
