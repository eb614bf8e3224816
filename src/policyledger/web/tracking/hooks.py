"""Where higher apps join the tracking pages; tracking never imports them.

- ``add_money_source(source)``: ``source(measure_id)`` returns a dict of money figures for a
  measure (or None): the subsidies app registers what its programmes committed and paid against the
  measure's money target, and the task page shows it (template tag ``measure_money``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MoneySource = Callable[[int], dict[str, Any] | None]

_money_sources: list[MoneySource] = []


def add_money_source(source: MoneySource) -> MoneySource:
    if source not in _money_sources:
        _money_sources.append(source)
    return source


def money_for_measure(measure_id: int | None) -> list[dict[str, Any]]:
    if measure_id is None:
        return []
    return [row for source in _money_sources if (row := source(measure_id))]
