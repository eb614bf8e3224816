"""Which tasks and reports a user may read: tracking's part of the permission rules, registered
with ``accounts.hooks.set_rows_rule`` / ``set_task_reader`` in ``TrackingConfig.ready`` (the
pages and the API still ask ``accounts.permissions``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from policyledger.web.accounts.permissions import ADMIN, REPORTER, VIEWER, role_of, unit_of
from policyledger.web.tracking.models import Report, Task


def visible_tasks(user, queryset: QuerySet[Task] | None = None) -> QuerySet[Task]:
    """Tasks the user may read."""
    qs = queryset if queryset is not None else Task.objects.all()
    role = role_of(user)
    if role in (ADMIN, VIEWER):
        return qs
    unit = unit_of(user)
    if role == REPORTER and unit is not None:
        # Exists() rather than a join on support_units: no duplicate rows, no DISTINCT needed.
        support = Task.support_units.through.objects.filter(task_id=OuterRef("pk"), unit_id=unit.pk)
        # A closed task (document withdrawn, measure removed) leaves the reporters' lists.
        return qs.filter(Q(lead_unit_id=unit.pk) | Exists(support), closed_at__isnull=True)
    return qs.none()


def may_read_task(user, task: Task) -> bool:
    """visible_tasks' rule for one task already loaded, checked here rather than in its query.

    For the busiest write (a report submitted through the API): the rule's Exists() subquery
    cost more to build than the rest of the task's query. A lead unit's reporter, an
    administrator and a viewer cost no query; a supporting unit's reporter costs one.
    """
    role = role_of(user)
    if role in (ADMIN, VIEWER):
        return True
    unit = unit_of(user)
    if role != REPORTER or unit is None or task.closed_at is not None:
        return False
    if task.lead_unit_id == unit.pk:
        return True
    return Task.support_units.through.objects.filter(task_id=task.pk, unit_id=unit.pk).exists()


def visible_reports(user, queryset: QuerySet[Report] | None = None) -> QuerySet[Report]:
    qs = queryset if queryset is not None else Report.objects.all()
    return qs.filter(task__in=visible_tasks(user).values("pk"))
