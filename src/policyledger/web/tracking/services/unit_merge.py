"""Moving the reminder history when a duplicate unit is merged into another.

``accounts.hooks.on_units_merged`` receiver, registered next to ``publishing.move_unit`` (which
moves tasks, supporting roles and warning history): the 催报/督办 lines that named the unit
merged away now name the unit kept, so its chasing history and escalation count stay whole.
"""

from __future__ import annotations

from policyledger.web.tracking.models import ReminderUnit


def move_reminders(source, target) -> dict[str, int]:
    moved = ReminderUnit.objects.filter(unit=source).update(unit=target)
    return {"reminder_lines": moved}
