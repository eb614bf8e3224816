"""Where a higher app adds to the accounts app's pages; accounts never imports it.

- ``set_unit_detail(provider)``: ``provider(user, unit)`` returns the extra context of a unit's
  page (tracking: the unit's tasks, warning counts and warning history as ``user`` may see them).

The tracking app registers it in ``TrackingConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UnitDetail = Callable[[Any, Any], dict[str, Any]]

_unit_detail: list[UnitDetail] = []


def set_unit_detail(provider: UnitDetail) -> None:
    _unit_detail[:] = [provider]


def unit_detail(user, unit) -> dict[str, Any]:
    if not _unit_detail:
        return {"tasks": [], "flips": [], "warning_counts": []}
    return _unit_detail[0](user, unit)


# ``on_merge(handler)``: ``handler(source, target)`` moves a higher app's rows from the unit being
# merged away to the one kept (tracking: tasks, supporting roles, measure links, warnings) inside
# the merge's transaction, and returns what it moved ({"任务": 3}) for the audit trail. It may raise
# a ServiceError to refuse the merge.
Merge = Callable[[Any, Any], dict[str, int]]
_merge: list[Merge] = []


def on_merge(handler: Merge) -> None:
    if handler not in _merge:
        _merge.append(handler)


def merged(source, target) -> dict[str, int]:
    moved: dict[str, int] = {}
    for handler in _merge:
        moved.update(handler(source, target))
    return moved
