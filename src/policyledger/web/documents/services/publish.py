"""Publish a reviewed document: its measures become tracked work (through the publish hook)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from policyledger.web.core import audit
from policyledger.web.documents import hooks
from policyledger.web.documents.models import MeasureUnit, PolicyDocument
from policyledger.web.documents.services.errors import ConflictError, ReviewError
from policyledger.web.documents.services.review import measure_deadline

logger = logging.getLogger("policyledger.web.documents")


@transaction.atomic
def publish(user, document_id: int, expected_version: int) -> list:
    """Publish a reviewed document; the publish hook turns its measures into tasks."""
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
    if document.default_deadline is None:
        undated = [
            (m.number or "").rstrip("、.．") or str(m.order + 1)
            for m in measures
            if not m.no_deadline and measure_deadline(m) is None
        ]
        if undated:
            problems.append(
                f"措施{'、'.join(undated[:20])}{'等' if len(undated) > 20 else ''}"
                f"没有完成时限，文件也没有默认完成时限（这样的任务永远不会预警）："
                f"请为每条措施填写完成时限或勾选“无完成时限”，或在文件设置中填写默认完成时限"
            )
    if problems:
        raise ReviewError(
            "不能发布：" + "；".join(problems[:10]) + ("……" if len(problems) > 10 else "")
        )
    # The higher apps turn the measures into their work (tracking: the tasks), in this transaction.
    tasks = hooks.published(user, document, measures)
    before = {"status": document.status}
    republished = document.published_at is not None
    document.status = PolicyDocument.Status.PUBLISHED
    # A reopened document keeps its first publication date (periods before it still count it).
    if not republished:
        document.published_at = timezone.now()
        document.published_by = user if getattr(user, "is_authenticated", False) else None
    document.version = F("version") + 1
    document.save()
    audit.record(
        user,
        "document.publish",
        document,
        before=before,
        after={
            "status": PolicyDocument.Status.PUBLISHED,
            "tasks": len(tasks),
            **({"republished": True} if republished else {}),
        },
    )
    logger.info("document %s published by %s: %d tasks", document.pk, user, len(tasks))
    return tasks
