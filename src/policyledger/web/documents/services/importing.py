"""Import an uploaded policy document and parse it into measures, targets and units."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from policyledger.web.accounts.models import Unit
from policyledger.web.accounts.services import find_unit
from policyledger.web.core import audit
from policyledger.web.documents.models import Measure, MeasureUnit, PolicyDocument, Target
from policyledger.web.documents.services.errors import UploadError

logger = logging.getLogger("policyledger.web.documents")


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


# 以下简称“促消费20条” / （简称《若干措施》）: a short title the document prints itself.
_SHORT_TITLE = re.compile(r"简称[“\"《「]([^”\"》」\n]{2,30})[”\"》」]")


def printed_short_title(text: str | None) -> str:
    """The short title printed near the top of the text, or "" (the review page then asks)."""
    found = _SHORT_TITLE.search((text or "")[:2000])
    return found.group(1).strip()[:60] if found else ""


def remove_measures(document: PolicyDocument, measures) -> None:
    """Take measures out of a document under review. A document published before (reopened to
    fix it) may have tasks, reports and targets on them: those measures are only marked retired
    (re-publishing closes their tasks); a document never published loses them for good."""
    if document.published_at is not None:
        measures.update(retired=True)
    else:
        measures.delete()


@transaction.atomic
def apply_parsed(document: PolicyDocument, data: dict[str, Any]) -> PolicyDocument:
    """Replace the document's proposed measures with those of a parse result (JSON shape v1)."""
    document = PolicyDocument.objects.select_for_update().get(pk=document.pk)
    remove_measures(document, document.measures.all())
    units = list(Unit.objects.filter(active=True))
    document.parsed = data
    document.title = (data.get("title") or document.title or "")[:300]
    if not document.short_title:
        document.short_title = printed_short_title(document.original_text)
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
