"""The office's corrections to a published task: a different lead unit (audited, by name)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F

from policyledger.web.accounts import permissions
from policyledger.web.accounts.models import Unit
from policyledger.web.core import audit
from policyledger.web.tracking.models import Task
from policyledger.web.tracking.services.reports import ReportConflict, ReportError

logger = logging.getLogger("policyledger.web.tracking")


def change_lead_unit(user, task_id: int, unit_id: int, expected_version: int | None) -> Task:
    """Hand a task to another lead unit; its reports stay with the task (history kept)."""
    permissions.require_admin(user)
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("lead_unit").get(pk=task_id)
        if expected_version is not None and task.version != expected_version:
            raise ReportConflict()
        unit = Unit.objects.filter(pk=unit_id, active=True).first()
        if unit is None:
            raise ReportError("所选单位不存在或已停用")
        if unit.pk == task.lead_unit_id:
            return task
        if Task.objects.filter(measure_id=task.measure_id, lead_unit=unit).exists():
            raise ReportError(f"“{unit.name}”已牵头这条措施的另一项任务")
        old = task.lead_unit
        Task.objects.filter(pk=task.pk).update(lead_unit=unit, version=F("version") + 1)
        task.support_units.remove(unit)
        audit.record(
            user,
            "task.lead_unit",
            task,
            task_id=task.pk,
            before={"lead_unit": old.pk, "lead_unit_name": old.name},
            after={"lead_unit": unit.pk, "lead_unit_name": unit.name},
        )
    task.refresh_from_db()
    logger.info("task %s lead unit %s -> %s by %s", task.pk, old.pk, unit.pk, user)
    return task
