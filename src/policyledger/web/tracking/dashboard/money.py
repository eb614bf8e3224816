"""The dashboard's 资金兑现 panel: money committed and paid against measures' money targets, from
whatever higher app registered through ``tracking.hooks`` (tracking never imports it), as of the
chosen month's end (the same moment and documents as the rest of the dashboard) or now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from policyledger.web.documents.models import Measure
from policyledger.web.tracking import hooks
from policyledger.web.tracking.briefings.data import cutoff, documents_as_of
from policyledger.web.tracking.services.periods import Period, period_containing


def money_panel(
    document_id: int | None = None, period: Period | None = None, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """One row per (measure, money source) of the programme at ``period``'s end (None: today), in
    document order; a past month's figures are the sources' as of that moment."""
    ids = hooks.measures_with_money()
    if not ids:
        return []
    today = today or timezone.localdate()
    moment = cutoff(period or period_containing(today, "monthly"), today)
    ids_filter = [document_id] if document_id is not None else None
    measures = Measure.objects.filter(
        pk__in=ids, document__in=documents_as_of(moment, ids_filter).values("pk")
    ).select_related("document")
    as_of = moment if period is not None else None
    rows = []
    for m in measures.order_by("document_id", "order", "pk"):
        for money in hooks.money_for_measure(m.pk, as_of=as_of):
            rows.append({"measure": m, **money})
    return rows


def money_totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Committed and paid fen over the panel's rows."""
    return {
        "committed_fen": sum(int(r.get("committed_fen") or 0) for r in rows),
        "paid_fen": sum(int(r.get("paid_fen") or 0) for r in rows),
    }
