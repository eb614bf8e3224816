"""Progress roll-up: task percent -> measure (weighted by task weight) -> document (by measure weight).

Two aggregate queries whatever the number of tasks, so pages that show progress stay constant in
their query count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, FloatField, Sum
from django.db.models.functions import Cast

from policyledger.web.documents.models import Measure
from policyledger.web.tracking.models import Task


def progress_by_measure(measure_ids: Iterable[int] | None = None) -> dict[int, float]:
    """Weighted mean of the tasks' percent per measure (0-100); measures without tasks are absent.
    Closed tasks (a lead unit removed on re-review, a withdrawn document) do not count."""
    qs = Task.objects.filter(closed_at__isnull=True)
    if measure_ids is not None:
        qs = qs.filter(measure_id__in=list(measure_ids))
    rows = (
        qs.values("measure_id")
        .annotate(
            num=Sum(Cast(F("percent"), FloatField()) * F("weight")),
            den=Sum("weight"),
        )
        .order_by()
    )
    return {r["measure_id"]: (r["num"] / r["den"] if r["den"] else 0.0) for r in rows}


def progress_by_document(document_ids: Iterable[int] | None = None) -> dict[int, float]:
    """Mean of the measures' progress per document, weighted by each measure's weight."""
    measures = Measure.objects.filter(tasks__isnull=False).distinct()
    if document_ids is not None:
        measures = measures.filter(document_id__in=list(document_ids))
    info = list(measures.values_list("pk", "document_id", "weight"))
    by_measure = progress_by_measure(pk for pk, _, _ in info)
    num: dict[int, float] = defaultdict(float)
    den: dict[int, float] = defaultdict(float)
    for pk, doc_id, weight in info:
        if pk in by_measure:
            num[doc_id] += by_measure[pk] * weight
            den[doc_id] += weight
    return {d: num[d] / den[d] for d in den if den[d]}
