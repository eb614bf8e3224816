"""Money against the measure: what the subsidy programmes funded by a measure have committed and
paid, next to the measure's money target. `measure_money(measure_id)` is the hook the tracking
task page / dashboard / 通报 can call (subsidies depends on tracking, never the reverse)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum


def measure_target_fen(measure) -> int | None:
    """The measure's first money total target (yuan in the parse), as fen."""
    from decimal import Decimal

    for t in measure.targets.filter(kind="money", qualifier="total").order_by("order", "id"):
        if isinstance(t.value, int | float | str):
            return int(Decimal(str(t.value)) * 100)
    return None


def measure_money(measure_id: int) -> dict[str, Any] | None:
    from policyledger.web.documents.models import Measure

    from .models import Programme

    measure = Measure.objects.filter(pk=measure_id).first()
    if measure is None:
        return None
    programmes = Programme.objects.filter(measure=measure).order_by("id")
    sums = programmes.aggregate(
        budget=Sum("budget_fen"), committed=Sum("committed_fen"), paid=Sum("paid_fen")
    )
    target = measure_target_fen(measure)
    committed = sums["committed"] or 0
    paid = sums["paid"] or 0
    return {
        "measure": measure.pk,
        "target_fen": target,
        "budget_fen": sums["budget"] or 0,
        "committed_fen": committed,
        "paid_fen": paid,
        "committed_percent": round(committed * 100 / target, 1) if target else None,
        "paid_percent": round(paid * 100 / target, 1) if target else None,
        "programmes": [
            {
                "id": p.pk,
                "name": p.name,
                "budget_fen": p.budget_fen,
                "committed_fen": p.committed_fen,
                "paid_fen": p.paid_fen,
            }
            for p in programmes
        ],
    }


def all_measures() -> list[dict[str, Any]]:
    from .models import Programme

    ids = Programme.objects.exclude(measure=None).values_list("measure_id", flat=True).distinct()
    return [m for i in sorted(set(ids)) if (m := measure_money(i)) is not None]


def for_task_page(measure_id: int) -> dict[str, Any] | None:
    """The task page's 资金兑现 box (registered with tracking.hooks in SubsidiesConfig.ready)."""
    from .models import yuan

    data = measure_money(measure_id)
    if data is None or not data["programmes"]:
        return None
    return {
        "title": "资金兑现（政策兑现项目）",
        "target": yuan(data["target_fen"]) if data["target_fen"] is not None else "—",
        "budget": yuan(data["budget_fen"]),
        "committed": yuan(data["committed_fen"]),
        "paid": yuan(data["paid_fen"]),
        "committed_percent": data["committed_percent"],
        "paid_percent": data["paid_percent"],
        "url": "/subsidies/manage/measures/",
    }
