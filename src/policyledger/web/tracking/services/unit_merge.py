"""Moving tracking's rows when a duplicate unit is merged into another (accounts.hooks.on_merge)."""

from __future__ import annotations

from policyledger.web.core import audit
from policyledger.web.documents.models import MeasureUnit
from policyledger.web.tracking.models import ReminderUnit, Task, WarningFlip


def merge_unit_rows(source, target) -> dict[str, int]:
    """Tasks led by ``source`` go to ``target`` (a measure both lead keeps ``target``'s task and
    the duplicate is refused), supporting roles and measure links follow, history stays."""
    from policyledger.web.accounts.services import UnitError

    clash = list(
        Task.objects.filter(lead_unit=source, measure__tasks__lead_unit=target)
        .select_related("measure")
        .values_list("measure__number", "measure__heading")
    )
    if clash:
        names = "、".join(f"{n}{h}" for n, h in clash[:5])
        raise UnitError(
            f"“{source.name}”和“{target.name}”同时牵头{names}，请先调整这些任务的牵头单位再合并"
        )
    moving = list(Task.objects.filter(lead_unit=source).values_list("pk", flat=True))
    tasks = Task.objects.filter(pk__in=moving).update(lead_unit=target)
    for pk in moving:
        audit.record(
            None,
            "task.lead_unit",
            object_type="task",
            object_id=pk,
            task_id=pk,
            before={"lead_unit": source.pk, "lead_unit_name": source.name},
            after={"lead_unit": target.pk, "lead_unit_name": target.name, "reason": "单位合并"},
        )
    supported = 0
    for task in Task.objects.filter(support_units=source).prefetch_related("support_units"):
        task.support_units.remove(source)
        if task.lead_unit_id != target.pk:
            task.support_units.add(target)
        supported += 1
    links = MeasureUnit.objects.filter(unit=source).update(unit=target)
    WarningFlip.objects.filter(unit=source).update(unit=target)
    ReminderUnit.objects.filter(unit=source).update(unit=target)
    return {"牵头任务": tasks, "配合任务": supported, "措施单位": links}
