"""Units ranked by completion rate and 报送及时率, with the change since the previous period.

Both periods are read as of their own end (``collect_briefing``), so a ranking regenerated later
says the same. Completion rate: tasks finished / tasks. 报送及时率: tasks whose report for the
period was submitted by the period's end (plus ``BRIEFING_CLOSE_DAYS``) / tasks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from policyledger.web.tracking.briefings.data import Briefing, UnitLine
from policyledger.web.tracking.services.periods import Period, period_containing


@dataclass
class RankLine:
    rank: int
    unit: str
    unit_id: int
    tasks: int
    rate: float
    timely: float
    rate_change: float | None = None
    timely_change: float | None = None
    rank_change: int | None = None

    @staticmethod
    def _signed(value: float | None, suffix: str) -> str:
        if value is None:
            return "—"
        if abs(value) < 0.05:
            return "持平"
        return f"{'↑' if value > 0 else '↓'}{abs(value):.1f}{suffix}"

    @property
    def rate_change_text(self) -> str:
        return self._signed(self.rate_change, "")

    @property
    def timely_change_text(self) -> str:
        return self._signed(self.timely_change, "")

    @property
    def rank_change_text(self) -> str:
        if self.rank_change is None:
            return "新上榜"
        if self.rank_change == 0:
            return "持平"
        return f"{'↑' if self.rank_change > 0 else '↓'}{abs(self.rank_change)}位"


def _rates(u: UnitLine) -> tuple[float, float]:
    if not u.tasks:
        return 0.0, 0.0
    return round(100 * u.done / u.tasks, 1), round(100 * (u.tasks - u.missing) / u.tasks, 1)


def rank_units(briefing: Briefing, previous: Briefing | None) -> list[RankLine]:
    """The briefing's units, best first (completion rate, then 及时率, then name)."""

    def ordered(b: Briefing) -> list[tuple[UnitLine, float, float]]:
        rows = [(u, *_rates(u)) for u in b.units]
        return sorted(rows, key=lambda r: (-r[1], -r[2], r[0].unit))

    before: dict[int, tuple[int, float, float]] = {}
    if previous is not None:
        before = {
            u.unit_id: (i, rate, timely)
            for i, (u, rate, timely) in enumerate(ordered(previous), start=1)
        }
    out = []
    for i, (u, rate, timely) in enumerate(ordered(briefing), start=1):
        line = RankLine(i, u.unit, u.unit_id, u.tasks, rate, timely)
        if u.unit_id in before:
            rank, old_rate, old_timely = before[u.unit_id]
            line.rank_change = rank - i
            line.rate_change = round(rate - old_rate, 1)
            line.timely_change = round(timely - old_timely, 1)
        out.append(line)
    return out


def previous_of(period: Period) -> Period:
    cycle = "quarterly" if "季度" in period.label else "monthly"
    return period_containing(period.start - dt.timedelta(days=1), cycle)


def briefing_rankings(briefing: Briefing, today: dt.date | None = None) -> list[RankLine]:
    """Rankings for a briefing, compared with the period before it."""
    from policyledger.web.tracking.briefings.data import collect_briefing

    previous = collect_briefing(previous_of(briefing.period), today=today or briefing.issued_on)
    return rank_units(briefing, previous)
