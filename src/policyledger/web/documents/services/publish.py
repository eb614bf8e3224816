"""Publish a reviewed document: its measures become tracked work (through the publish hook)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from policyledger.web.core import audit
from policyledger.web.documents.models import MeasureUnit, PolicyDocument
from policyledger.web.documents.services.errors import ConflictError, ReviewError
from policyledger.web.documents.services.review import measure_deadline

logger = logging.getLogger("policyledger.web.documents")


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
