"""A unit's tracked work, for its page in the accounts app (the accounts unit-detail hook)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from policyledger.web.accounts import permissions
from policyledger.web.tracking.models import Task, WarningFlip


def unit_detail(user, unit) -> dict[str, Any]:
    """The unit's tasks the user may see, their warning counts and the unit's warning history."""
    tasks = (
        permissions.visible_tasks(user)
        .filter(Q(lead_unit=unit) | Q(support_units=unit))
        .distinct()
        .select_related("measure__document", "lead_unit")
        .order_by("deadline", "pk")
    )
    flips = (
        WarningFlip.objects.filter(Q(unit=unit) | Q(task__lead_unit=unit))
        .select_related("task__measure")
        .order_by("-at", "-pk")[:100]
    )
    counts = {w: 0 for w, _ in Task.Warning.choices}
    for t in tasks:
        counts[t.warning] += 1
    return {
        "tasks": tasks,
        "flips": flips,
        "warning_counts": [(label, counts[w]) for w, label in Task.Warning.choices],
    }
