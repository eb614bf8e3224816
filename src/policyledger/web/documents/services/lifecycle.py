"""A document after import: delete a junk import, withdraw a published document (audited)."""

from __future__ import annotations

import logging

from django.db import transaction

from policyledger.web.accounts import permissions
from policyledger.web.core import audit
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.documents.services.errors import ReviewError

logger = logging.getLogger("policyledger.web.documents")


def delete_import(user, document_id: int) -> str:
    """Remove an import that was never published (a wrong file, a duplicate). Returns its name."""
    permissions.require_admin(user)
    with transaction.atomic():
        document = PolicyDocument.objects.select_for_update().get(pk=document_id)
        if document.status in (PolicyDocument.Status.PUBLISHED, PolicyDocument.Status.WITHDRAWN):
            raise ReviewError("已发布的文件不能删除（其任务和报送须保留），可以“撤回”")
        name = str(document)
        source = document.source_file.name if document.source_file else ""
        audit.record(
            user,
            "document.delete",
            document,
            before={
                "title": document.title,
                "source_name": document.source_name,
                "status": document.status,
                "measures": document.measures.count(),
            },
        )
        document.delete()
    if source:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: default_storage.delete(source))
    logger.info("document %s (%s) deleted by %s", document_id, name, user)
    return name


def withdraw(user, document_id: int, reason: str) -> PolicyDocument:
    """Take a published document out of the programme: its tasks and reports are kept as history
    but no longer counted on the dashboard, in briefings or warnings (they read published ones)."""
    permissions.require_admin(user)
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("撤回时须填写原因")
    with transaction.atomic():
        document = PolicyDocument.objects.select_for_update().get(pk=document_id)
        if document.status != PolicyDocument.Status.PUBLISHED:
            raise ReviewError(
                f"文件当前状态为“{document.get_status_display()}”，只能撤回已发布的文件"
            )
        document.status = PolicyDocument.Status.WITHDRAWN
        document.version += 1
        document.save(update_fields=["status", "version", "updated_at"])
        audit.record(
            user,
            "document.withdraw",
            document,
            before={"status": PolicyDocument.Status.PUBLISHED},
            after={"status": PolicyDocument.Status.WITHDRAWN, "reason": reason[:500]},
        )
    logger.info("document %s withdrawn by %s", document_id, user)
    return document
