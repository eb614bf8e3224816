"""The dashboard's 资金兑现 panel: money committed and paid against measures' money targets, from
whatever higher app registered through ``tracking.hooks`` (tracking never imports it)."""

from __future__ import annotations

from typing import Any

from policyledger.web.documents.models import Measure, PolicyDocument
from policyledger.web.tracking import hooks


def money_panel(document_id: int | None = None) -> list[dict[str, Any]]:
    """One row per (measure, money source) of the published programme, in document order."""
    ids = hooks.measures_with_money()
    if not ids:
        return []
    measures = Measure.objects.filter(
        pk__in=ids, document__status=PolicyDocument.Status.PUBLISHED
    ).select_related("document")
    if document_id is not None:
        measures = measures.filter(document_id=document_id)
    rows = []
    for m in measures.order_by("document_id", "order", "pk"):
        for money in hooks.money_for_measure(m.pk):
            rows.append({"measure": m, **money})
    return rows
