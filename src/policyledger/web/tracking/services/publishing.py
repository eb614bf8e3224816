"""A published document's measures become tasks (the documents app's publish hook)."""

from __future__ import annotations

from policyledger.web.core import audit
from policyledger.web.documents.models import MeasureUnit
from policyledger.web.documents.services.review import measure_deadline
from policyledger.web.tracking.models import Task


def create_tasks(user, document, measures: list) -> list[Task]:
    """One task per measure and lead unit, supporters attached; each creation audited."""
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
    for task in tasks:
        audit.record(
            user,
            "task.create",
            task,
            task_id=task.pk,
            after=audit.snapshot(task, ["measure", "lead_unit", "deadline", "status"]),
        )
    return tasks
