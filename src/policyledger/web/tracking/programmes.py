"""Programme result providers: what each programme (a voucher campaign, later a subsidy programme)
achieved, offered by the app that runs it and read by the evaluation (monitoring).

The apps above tracking are siblings and never import each other: the vouchers app registers a
provider here from its ``AppConfig.ready()``; monitoring reads ``programmes()``. Money is Decimal
yuan, never float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal


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


Provider = Callable[[], list[ProgrammeResult]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Hook: an app that runs programmes says how to read their results."""
    _providers[name] = provider


def programmes() -> list[ProgrammeResult]:
    results: list[ProgrammeResult] = []
    for provider in _providers.values():
        results.extend(provider())
    return results


def programme(key: str) -> ProgrammeResult | None:
    return next((p for p in programmes() if p.key == key), None)
