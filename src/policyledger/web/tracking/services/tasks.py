"""The task list's filters, shared by the task pages, their xlsx download and the API."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from policyledger.web.tracking.models import Task


def filter_tasks(
    qs: QuerySet[Task],
    *,
    unit: int | None = None,
    status: str | None = None,
    warning: str | None = None,
    document: int | None = None,
    q: str | None = None,
) -> QuerySet[Task]:
    """Narrow ``qs`` to a unit (as lead or support), a status, a warning, a document, a text."""
    if unit is not None:
        # Exists() rather than a join on support_units: no duplicate rows, no DISTINCT.
        support = Task.support_units.through.objects.filter(task_id=OuterRef("pk"), unit_id=unit)
        qs = qs.filter(Q(lead_unit_id=unit) | Exists(support))
    if status:
        qs = qs.filter(status=status)
    if warning:
        qs = qs.filter(warning=warning)
    if document is not None:
        qs = qs.filter(measure__document_id=document)
    if q:
        qs = qs.filter(Q(measure__heading__icontains=q) | Q(measure__text__icontains=q))
    return qs
