"""A published document's measures become tasks (the documents app's publish hook), and the
tasks follow the document afterwards: re-publication, withdrawal, a unit merge, a new lead unit."""

from __future__ import annotations

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from policyledger.web.accounts import recipients
from policyledger.web.accounts.models import Unit
from policyledger.web.core import audit, notify
from policyledger.web.core.errors import ServiceError
from policyledger.web.documents.models import MeasureUnit, PolicyDocument
from policyledger.web.documents.services.review import measure_deadline
from policyledger.web.tracking.models import ClosedReason, Task, TaskClosing

logger = logging.getLogger("policyledger.web.tracking")

TASK_FIELDS = ["measure", "lead_unit", "deadline", "status", "closed_at", "closed_reason"]


class TaskChangeError(ServiceError, ValueError):
    """A change to a task refused; message in Chinese."""


def _units_of(measure) -> tuple[list[int], list[int]]:
    lead_ids: list[int] = []
    for link in measure.unit_links.all():
        if link.role == MeasureUnit.Role.LEAD and link.unit_id not in lead_ids:
            lead_ids.append(link.unit_id)
    support_ids = sorted(
        {link.unit_id for link in measure.unit_links.all() if link.role == MeasureUnit.Role.SUPPORT}
        - set(lead_ids)
    )
    return lead_ids, support_ids


def _by(user):
    return user if getattr(user, "pk", None) else None


def _close(user, tasks, reason: str) -> int:
    """Close ``tasks``; each closing is also a dated ``TaskClosing`` row (the history past
    periods read, kept when the task is reopened)."""
    now = timezone.now()
    for task in tasks:
        before = audit.snapshot(task, TASK_FIELDS)
        Task.objects.filter(pk=task.pk).update(closed_at=now, closed_reason=reason)
        TaskClosing.objects.create(task=task, closed=True, reason=reason, at=now, by=_by(user))
        task.closed_at, task.closed_reason = now, reason
        audit.record(
            user,
            "task.close",
            task,
            task_id=task.pk,
            before=before,
            after=audit.snapshot(task, TASK_FIELDS),
        )
    return len(tasks)


def _reopen(user, task) -> None:
    before = audit.snapshot(task, TASK_FIELDS)
    Task.objects.filter(pk=task.pk).update(closed_at=None, closed_reason="")
    TaskClosing.objects.create(task=task, closed=False, at=timezone.now(), by=_by(user))
    task.closed_at, task.closed_reason = None, ""
    audit.record(
        user,
        "task.reopen",
        task,
        task_id=task.pk,
        before=before,
        after=audit.snapshot(task, TASK_FIELDS),
    )


def create_tasks(user, document, measures: list) -> list[Task]:
    """One task per measure and lead unit, supporters attached; each creation audited.

    On a re-publication (a reopened document) the existing tasks are kept with their reports:
    a changed measure updates its tasks (deadline, supporters), a lead unit no longer named and
    a removed measure close theirs, a new measure or lead unit gets a new task. Returns the
    tasks created."""
    existing: dict[tuple[int, int], Task] = {
        (t.measure_id, t.lead_unit_id): t
        for t in Task.objects.filter(measure__document=document).prefetch_related("support_units")
    }
    created: list[Task] = []
    kept: set[int] = set()
    for m in measures:
        deadline = measure_deadline(m) or document.default_deadline
        lead_ids, support_ids = _units_of(m)
        for unit_id in lead_ids:
            task = existing.get((m.pk, unit_id))
            if task is None:
                task = Task.objects.create(
                    measure=m, lead_unit_id=unit_id, deadline=deadline, weight=1.0
                )
                if support_ids:
                    task.support_units.set(support_ids)
                created.append(task)
                continue
            kept.add(task.pk)
            before = audit.snapshot(task, TASK_FIELDS)
            before["support_units"] = sorted(u.pk for u in task.support_units.all())
            if task.closed_at is not None:
                _reopen(user, task)
            if task.deadline != deadline:
                task.deadline = deadline
                task.save(update_fields=["deadline", "updated_at"])
            if before["support_units"] != support_ids:
                task.support_units.set(support_ids)
            after = audit.snapshot(task, TASK_FIELDS)
            after["support_units"] = support_ids
            if {k: v for k, v in before.items() if k not in ("closed_at", "closed_reason")} != {
                k: v for k, v in after.items() if k not in ("closed_at", "closed_reason")
            }:
                audit.record(user, "task.update", task, task_id=task.pk, before=before, after=after)
    current = {m.pk for m in measures}
    gone = [t for t in existing.values() if t.pk not in kept and t.closed_at is None]
    _close(user, [t for t in gone if t.measure_id not in current], ClosedReason.MEASURE_REMOVED)
    _close(user, [t for t in gone if t.measure_id in current], ClosedReason.LEAD_REMOVED)
    for task in created:
        audit.record(
            user,
            "task.create",
            task,
            task_id=task.pk,
            after=audit.snapshot(task, ["measure", "lead_unit", "deadline", "status"]),
        )
    return created


def document_status_changed(user, document, old: str, new: str) -> dict[str, int]:
    """``documents.hooks.on_status_change`` receiver: a withdrawn document's open tasks close;
    a restored one's tasks closed by the withdrawal open again."""
    S = PolicyDocument.Status
    tasks = Task.objects.filter(measure__document=document)
    if new == S.WITHDRAWN:
        return {
            "tasks_closed": _close(
                user, list(tasks.filter(closed_at__isnull=True)), ClosedReason.WITHDRAWN
            )
        }
    if old == S.WITHDRAWN and new == S.PUBLISHED:
        reopened = list(tasks.filter(closed_reason=ClosedReason.WITHDRAWN))
        for task in reopened:
            _reopen(user, task)
        return {"tasks_reopened": len(reopened)}
    return {}


def move_unit(source, target) -> dict[str, int]:
    """``accounts.hooks.on_units_merged`` receiver: tasks led or supported by ``source`` and its
    warning history now belong to ``target``. A measure led by both is refused (two tasks would
    become one): change one task's lead unit first."""
    from policyledger.web.accounts.services import UnitError
    from policyledger.web.tracking.models import WarningFlip

    both = (
        Task.objects.filter(
            lead_unit=source,
            measure_id__in=Task.objects.filter(lead_unit=target).values("measure_id"),
        )
        .select_related("measure")
        .first()
    )
    if both is not None:
        raise UnitError(
            f"措施“{both.measure}”同时由“{source.name}”和“{target.name}”牵头，"
            "请先调整其中一项任务的牵头单位，再合并"
        )
    led = Task.objects.filter(lead_unit=source).update(lead_unit=target)
    through = Task.support_units.through
    rows = through.objects.filter(unit_id=source.pk)
    # Already supported by the target, or led by it now: the source's row is simply dropped.
    dup = rows.filter(task__support_units=target) | rows.filter(task__lead_unit=target)
    dropped = through.objects.filter(pk__in=list(dup.values_list("pk", flat=True))).delete()[0]
    supported = through.objects.filter(unit_id=source.pk).update(unit_id=target.pk)
    # A task the target leads no longer lists it as a supporter too.
    through.objects.filter(unit_id=target.pk, task__lead_unit=target).delete()
    flips = WarningFlip.objects.filter(unit=source).update(unit=target)
    return {"tasks_led": led, "tasks_supported": supported + dropped, "warning_flips": flips}


def change_lead_unit(user, task_id: int, unit_id: int | None, reason: str = "") -> Task:
    """Give a task another lead unit (the measure's unit link follows, so a re-publication keeps
    it); both units' reporters are notified. Audited."""
    with transaction.atomic():
        task = Task.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            raise TaskChangeError("任务不存在")
        unit = Unit.objects.filter(pk=unit_id, active=True).first() if unit_id else None
        if unit is None:
            raise TaskChangeError("请选择一个启用中的单位作为新的牵头单位")
        old = task.lead_unit
        if unit.pk == old.pk:
            raise TaskChangeError(f"“{unit.name}”已是本任务的牵头单位")
        if Task.objects.filter(measure_id=task.measure_id, lead_unit=unit).exists():
            raise TaskChangeError(f"“{unit.name}”已牵头本措施的另一项任务")
        if len(reason) > 500:
            raise TaskChangeError("原因过长（最多500个字）")
        before = audit.snapshot(task, TASK_FIELDS)
        task.lead_unit = unit
        task.save(update_fields=["lead_unit", "updated_at"])
        task.support_units.remove(unit)
        MeasureUnit.objects.filter(
            measure_id=task.measure_id, unit=old, role=MeasureUnit.Role.LEAD
        ).update(unit=unit, raw_name=unit.name)
        after = audit.snapshot(task, TASK_FIELDS)
        after["reason"] = reason.strip()
        audit.record(user, "task.lead_unit", task, task_id=task.pk, before=before, after=after)
        heading = task.measure.heading or task.measure.number or f"任务{task.pk}"
        link = reverse("tracking:task", args=[task.pk])
        notify.notify(
            recipients.unit_users([unit.pk]),
            f"任务“{heading}”的牵头单位已由“{old.name}”调整为本单位，请按期报送",
            link,
        )
        notify.notify(
            recipients.unit_users([old.pk]),
            f"任务“{heading}”的牵头单位已调整为“{unit.name}”，本单位不再牵头",
            "",
        )
    logger.info("task %s lead unit %s -> %s by %s", task.pk, old.pk, unit.pk, user)
    return task
