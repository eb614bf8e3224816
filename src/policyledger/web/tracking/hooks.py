"""Where higher apps join tracking's pages and readers; tracking never imports them.

One registration style: ``add_<thing>(source)`` appends a callable (once; it returns it, so it can
also decorate), and tracking (or an app that reads through tracking) calls the readers below.
The higher apps register from their ``AppConfig.ready()``.

- ``add_money_source(source)``: ``source(measure_id, as_of=None)`` returns a dict of money
  figures for a measure (or None) as they stood at the moment ``as_of`` (None: now): the subsidies
  app registers what its programmes committed and paid against the measure's money target, the
  vouchers app what its campaigns did; the task page (template tag ``measure_money``), the
  dashboard's 资金兑现 panel and the 通报 show it. A row has display strings (``title``,
  ``target``, ``budget``, ``committed``, ``paid``, ``committed_percent``, ``paid_percent``,
  ``url``) and the integer fen ``target_fen`` (or None), ``committed_fen``, ``paid_fen``; a past
  moment's figures are read from the source's dated rows, so they do not change later.
- ``add_money_measures(source)``: ``source()`` returns the ids of the measures a higher app has
  money figures for, so the dashboard asks ``money_for_measure`` only for those.
- ``add_spending_source(source)``: ``source()`` returns government money (fen) spent through a
  programme's own ledger, by region: the vouchers app registers its verified redemptions, and the
  subsidies app's matching transfers (001's 20% 奖补) read them through
  ``verified_spending_by_region()`` without importing a sibling app.
- ``add_programme_source(source)``: ``source()`` returns ``ProgrammeResult`` rows, what each
  programme (a voucher campaign, later a subsidy programme) achieved; the evaluation (monitoring)
  reads them through ``programmes()`` / ``programme(key)``. Money is Decimal yuan, never float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MoneySource = Callable[..., dict[str, Any] | None]  # source(measure_id, as_of=None)

_money_sources: list[MoneySource] = []


def add_money_source(source: MoneySource) -> MoneySource:
    if source not in _money_sources:
        _money_sources.append(source)
    return source


def money_for_measure(
    measure_id: int | None, as_of: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Every registered source's figures for the measure at ``as_of`` (None: now)."""
    if measure_id is None:
        return []
    return [row for source in _money_sources if (row := source(measure_id, as_of=as_of))]


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


MoneyMeasures = Callable[[], list[int]]

_money_measures: list[MoneyMeasures] = []


def add_money_measures(source: MoneyMeasures) -> MoneyMeasures:
    if source not in _money_measures:
        _money_measures.append(source)
    return source


def measures_with_money() -> set[int]:
    return {int(i) for source in _money_measures for i in source()}


# --- Programme results (read by the evaluation) ---------------------------------------------


@dataclass
class SectorResult:
    sector: str
    redeemed: int = 0
    government: Decimal = Decimal(0)  # government money in the redeemed vouchers (yuan)
    bills: Decimal = Decimal(0)  # bills paid with them (yuan)
    merchants: int = 0


@dataclass
class DistrictResult:
    """One district (区县) of a programme: where the merchants that redeemed stand."""

    district: str  # "未登记" for merchants without one
    redeemed: int = 0
    bills: Decimal = Decimal(0)  # bills paid (yuan)
    government: Decimal = Decimal(0)  # government money in the redeemed vouchers (yuan)
    merchants: int = 0
    people: int = 0  # distinct residents who redeemed there


@dataclass
class ProgrammeResult:
    key: str  # "vouchers:12": unique across providers
    kind: str  # 消费券活动, 补贴项目 …
    name: str
    region: str
    start: dt.date
    end: dt.date
    sectors: list[str]
    planned: Decimal  # budget (yuan)
    committed: Decimal  # government money in the vouchers claimed
    paid: Decimal  # government money released to merchants
    issued: int = 0
    claimed: int = 0
    redeemed: int = 0
    bills: Decimal = Decimal(0)  # bills paid with redeemed vouchers
    government_redeemed: Decimal = Decimal(0)  # government money in the redeemed vouchers
    merchants: int = 0
    people: int = 0
    by_sector: list[SectorResult] = field(default_factory=list)
    by_district: list[tuple[str, int, Decimal]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    measure_id: int | None = None
    districts: list[DistrictResult] = field(default_factory=list)

    @property
    def leverage(self) -> Decimal | None:
        """拉动消费: bills paid ÷ government money (of the redeemed vouchers)."""
        if not self.government_redeemed:
            return None
        return (self.bills / self.government_redeemed).quantize(Decimal("0.01"))


ProgrammeSource = Callable[[], list[ProgrammeResult]]

_programme_sources: list[ProgrammeSource] = []


def add_programme_source(source: ProgrammeSource) -> ProgrammeSource:
    if source not in _programme_sources:
        _programme_sources.append(source)
    return source


def programmes() -> list[ProgrammeResult]:
    """Every registered programme's results, in registration order."""
    return [result for source in _programme_sources for result in source()]


def programme(key: str) -> ProgrammeResult | None:
    return next((p for p in programmes() if p.key == key), None)
