"""A document after import: delete a junk import, withdraw or restore a published document,
reopen it for review; and the unit-merge receiver for the measures' unit links.

Withdrawal is reversible (``restore_document``): it deletes nothing — the tasks are closed and
hidden from the reporters, their reports and history stay — so taking a document back by mistake,
or suspending it for a while, is undone by one action that reopens exactly the tasks the
withdrawal closed. Every move is dated (``StatusChange``): a period that ended before a withdrawal
still counts the document (``documents.services.asof``).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from policyledger.web.core import audit
from policyledger.web.documents import hooks
from policyledger.web.documents.models import MeasureUnit, PolicyDocument, StatusChange
from policyledger.web.documents.services.errors import ReviewError

logger = logging.getLogger("policyledger.web.documents")

S = PolicyDocument.Status
DOCUMENT_FIELDS = ["title", "short_title", "source_name", "status", "doc_number", "issuer"]


def _locked(document_id: int) -> PolicyDocument:
    document = PolicyDocument.objects.select_for_update().filter(pk=document_id).first()
    if document is None:
        raise ReviewError("文件不存在")
    return document


def _reason(text: str | None, *, required: bool) -> str:
    value = (text or "").strip()
    if required and not value:
        raise ReviewError("请填写原因")
    if len(value) > 500:
        raise ReviewError("原因过长（最多500个字）")
    return value


def delete_document(user, document_id: int) -> str:
    """Delete an import that is junk (a wrong file, a failed parse): only while it was never
    published; the stored file is removed once the deletion is committed. Audited."""
    with transaction.atomic():
        document = _locked(document_id)
        if document.published_at is not None or document.status in (S.PUBLISHED, S.WITHDRAWN):
            raise ReviewError("文件已发布过，不能删除；如需停止跟踪，请使用“撤回”")
        if document.status in (S.UPLOADED, S.PARSING):
            raise ReviewError("文件正在解析，请等解析结束后再删除")
        name = str(document)
        stored = document.source_file.name if document.source_file else ""
        storage = document.source_file.storage
        before = audit.snapshot(document, DOCUMENT_FIELDS)
        before["measures"] = document.measures.count()
        pk = document.pk
        document.delete()
        audit.record(
            user, "document.delete", object_type="policydocument", object_id=pk, before=before
        )
        if stored:
            # After the commit: a rolled-back deletion must not lose the file.
            transaction.on_commit(lambda: storage.delete(stored))
    logger.info("document %s (%s) deleted by %s", pk, name, user)
    return name


def _move(
    user,
    document_id: int,
    *,
    allowed: tuple[str, ...],
    new: str,
    action: str,
    reason: str,
    refused: str,
) -> PolicyDocument:
    with transaction.atomic():
        document = _locked(document_id)
        old = document.status
        if old not in allowed:
            raise ReviewError(refused.format(status=document.get_status_display()))
        changed = hooks.status_changed(user, document, old, new)
        PolicyDocument.objects.filter(pk=document.pk).update(status=new, version=F("version") + 1)
        # Dated, so the periods before this moment keep counting the document as they did.
        StatusChange.objects.create(
            document=document,
            old=old,
            new=new,
            at=timezone.now(),
            by=user if getattr(user, "is_authenticated", False) else None,
        )
        audit.record(
            user,
            action,
            document,
            before={"status": old},
            after={"status": new, "reason": reason, **changed},
        )
    document.refresh_from_db()
    logger.info("document %s %s -> %s by %s: %s", document.pk, old, new, user, changed)
    return document


def withdraw_document(user, document_id: int, reason: str) -> PolicyDocument:
    """Take a published document back: its tasks are closed and leave the reporters' lists and
    the warnings; reports and history stay. Reversible with ``restore_document``."""
    return _move(
        user,
        document_id,
        allowed=(S.PUBLISHED,),
        new=S.WITHDRAWN,
        action="document.withdraw",
        reason=_reason(reason, required=True),
        refused="文件当前状态为“{status}”，只有已发布的文件可以撤回",
    )


def restore_document(user, document_id: int) -> PolicyDocument:
    """Undo a withdrawal: the document is published again and the tasks the withdrawal closed
    are open again (with their reports)."""
    return _move(
        user,
        document_id,
        allowed=(S.WITHDRAWN,),
        new=S.PUBLISHED,
        action="document.restore",
        reason="",
        refused="文件当前状态为“{status}”，只有已撤回的文件可以恢复",
    )


def reopen_document(user, document_id: int, reason: str = "") -> PolicyDocument:
    """Send a published document back to review to fix its measures. Its tasks stay open and
    reportable meanwhile; publishing again brings them in line with the measures."""
    return _move(
        user,
        document_id,
        allowed=(S.PUBLISHED,),
        new=S.REVIEW,
        action="document.reopen",
        reason=_reason(reason, required=False),
        refused="文件当前状态为“{status}”，只有已发布的文件可以退回修改",
    )


def move_unit_links(source, target) -> dict[str, int]:
    """``accounts.hooks.on_units_merged`` receiver: the measures' links to ``source`` name
    ``target`` now (retired measures' too)."""
    return {"measure_units": MeasureUnit.objects.filter(unit=source).update(unit=target)}
