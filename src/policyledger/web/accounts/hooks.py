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
