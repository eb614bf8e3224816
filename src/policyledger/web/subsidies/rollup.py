"""Money against the measure: what the subsidy programmes funded by a measure have committed and
paid, next to the measure's money target. `measure_money(measure_id)` is the hook the tracking
task page / dashboard / 通报 can call (subsidies depends on tracking, never the reverse)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, Sum


def measure_target_fen(measure) -> int | None:
    """The measure's first money total target (yuan in the parse), as fen."""
    from decimal import Decimal

    for t in measure.targets.filter(kind="money", qualifier="total").order_by("order", "id"):
        if isinstance(t.value, int | float | str):
            return int(Decimal(str(t.value)) * 100)
    return None


def programme_money_as_of(programme_ids, as_of: dt.datetime) -> dict[int, tuple[int, int]]:
    """(committed, paid) fen per programme as they stood at ``as_of``, from the applications'
    dated rows: an award commits from its approval (``reviewed_at``, the last review before it
    holds money) until a revocation (its ``revoke`` event), and is paid from ``paid_at``. With
    ``as_of`` now this equals the programme's counters (which the audit checks against the same
    applications)."""
    from .models import Application, Event

    S = Application.Status
    revoked_before = Event.objects.filter(application=OuterRef("pk"), action="revoke", at__lt=as_of)
    apps = (
        Application.objects.filter(programme_id__in=programme_ids, reviewed_at__lt=as_of)
        .filter(status__in=[*Application.COMMITTED, S.REVOKED])
        .annotate(revoked=Exists(revoked_before))
        .values("programme_id")
        .annotate(
            committed=Sum("awarded_fen", filter=Q(revoked=False)),
            paid=Sum("awarded_fen", filter=Q(status=S.PAID, paid_at__lt=as_of)),
        )
    )
    return {r["programme_id"]: (r["committed"] or 0, r["paid"] or 0) for r in apps}


def measure_money(measure_id: int, as_of: dt.datetime | None = None) -> dict[str, Any] | None:
    """The measure's programmes and their money now (the counters), or as of ``as_of`` (from the
    applications' dated rows; programmes created after it are left out)."""
    from policyledger.web.documents.models import Measure

    from .models import Programme

    measure = Measure.objects.filter(pk=measure_id).first()
    if measure is None:
        return None
    programmes = list(Programme.objects.filter(measure=measure).order_by("id"))
    if as_of is None:
        money = {p.pk: (p.committed_fen, p.paid_fen) for p in programmes}
    else:
        programmes = [p for p in programmes if p.created_at < as_of]
        money = programme_money_as_of([p.pk for p in programmes], as_of)
    target = measure_target_fen(measure)
    committed = sum(money.get(p.pk, (0, 0))[0] for p in programmes)
    paid = sum(money.get(p.pk, (0, 0))[1] for p in programmes)
    return {
        "measure": measure.pk,
        "target_fen": target,
        "budget_fen": sum(p.budget_fen for p in programmes),
        "committed_fen": committed,
        "paid_fen": paid,
        "committed_percent": round(committed * 100 / target, 1) if target else None,
        "paid_percent": round(paid * 100 / target, 1) if target else None,
        "programmes": [
            {
                "id": p.pk,
                "name": p.name,
                "budget_fen": p.budget_fen,
                "committed_fen": money.get(p.pk, (0, 0))[0],
                "paid_fen": money.get(p.pk, (0, 0))[1],
            }
            for p in programmes
        ],
    }


def measure_ids() -> list[int]:
    """Measures that fund at least one programme (the dashboard's 资金兑现 panel asks only these)."""
    from .models import Programme

    ids = Programme.objects.exclude(measure=None).values_list("measure_id", flat=True).distinct()
    return sorted(set(ids))


def all_measures() -> list[dict[str, Any]]:
    from .models import Programme

    ids = Programme.objects.exclude(measure=None).values_list("measure_id", flat=True).distinct()
    return [m for i in sorted(set(ids)) if (m := measure_money(i)) is not None]


def for_task_page(measure_id: int, as_of: dt.datetime | None = None) -> dict[str, Any] | None:
    """The 资金兑现 box of the task page and the dashboard (registered with tracking.hooks in
    SubsidiesConfig.ready): now, or as of ``as_of`` (a past month's end)."""
    from .models import yuan

    data = measure_money(measure_id, as_of)
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
        "target_fen": data["target_fen"],
        "committed_fen": data["committed_fen"],
        "paid_fen": data["paid_fen"],
        "url": "/subsidies/manage/measures/",
    }
