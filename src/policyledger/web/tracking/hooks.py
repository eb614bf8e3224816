"""Where higher apps join the tracking pages; tracking never imports them.

- ``add_money_source(source)``: ``source(measure_id)`` returns a dict of money figures for a
  measure (or None): the subsidies app registers what its programmes committed and paid against the
  measure's money target, and the task page shows it (template tag ``measure_money``).
- ``add_spending_source(source)``: ``source()`` returns government money (fen) spent through a
  programme's own ledger, by region: the vouchers app registers its verified redemptions, and the
  subsidies app's matching transfers (001's 20% 奖补) read them through
  ``verified_spending_by_region()`` without importing a sibling app.
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


SpendingSource = Callable[[], dict[str, int]]

_spending_sources: list[SpendingSource] = []


def add_spending_source(source: SpendingSource) -> SpendingSource:
    if source not in _spending_sources:
        _spending_sources.append(source)
    return source


def verified_spending_by_region() -> dict[str, int]:
    """Government money (fen) in verified spending of every registered ledger, by region."""
    out: dict[str, int] = {}
    for source in _spending_sources:
        for region, fen in source().items():
            out[region] = out.get(region, 0) + fen
    return out
