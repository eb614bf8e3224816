"""Analytics across the library: sector and policy instrument of each measure, money committed by
sector × instrument × region × year, a timeline of documents and the citation graph.

Sector comes from the tracking app's keyword list (tracking/data/sectors.tsv); the policy
instrument (供给型 / 需求型 / 环境型, Rothwell & Zegveld) from lineage/data/instruments.tsv. Both
are keyword heuristics, editable without a code change. Money is integer fen throughout (the parse
gives yuan; converted through Decimal, never float arithmetic). Every aggregate is built from one
query over the rows it needs; classification runs in Python on those rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from policyledger.lineage.levels import LEVELS
from policyledger.web.documents.models import Measure, PolicyDocument, Target
from policyledger.web.lineage.models import Citation
from policyledger.web.tracking.services import sectors as sector_vocabulary

OTHER = "其他"
INSTRUMENTS = ("供给型", "需求型", "环境型")


# -- classification -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def instrument_keywords() -> tuple[tuple[str, str], ...]:
    """(keyword, instrument) pairs in file order."""
    text = (
        resources.files("policyledger.web.lineage")
        .joinpath("data/instruments.tsv")
        .read_text("utf-8")
    )
    pairs = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        instrument, _, keyword = line.partition("\t")
        if instrument.strip() in INSTRUMENTS and keyword.strip():
            pairs.append((keyword.strip(), instrument.strip()))
    return tuple(pairs)


def _first_keyword(pairs: tuple[tuple[str, str], ...]):
    """A matcher giving the class of the leftmost keyword (ties at one position: file order).

    One compiled alternation: the regex engine tries positions left to right and, at a position,
    the alternatives in file order, which is exactly that rule, in one pass over the text."""
    pattern = re.compile("|".join(f"({re.escape(keyword)})" for keyword, _ in pairs))
    classes = [name for _, name in pairs]

    def match(text: str) -> str | None:
        found = pattern.search(text) if pairs and text else None
        return classes[found.lastindex - 1] if found else None

    return match


@lru_cache(maxsize=1)
def _instrument_matcher():
    return _first_keyword(instrument_keywords())


@lru_cache(maxsize=1)
def _sector_matcher():
    return _first_keyword(sector_vocabulary.keywords())


def instrument_of_text(text: str) -> str | None:
    """The instrument whose keyword appears first in ``text`` (ties: file order); None if none."""
    return _instrument_matcher()(text or "")


def sector_of_text(text: str) -> str | None:
    """As tracking's ``sectors.sector_of_text`` (same file, same rule), in one regex pass."""
    return _sector_matcher()(text or "")


def sector_names() -> list[str]:
    return sector_vocabulary.sector_names()


def instrument_names() -> list[str]:
    return [*INSTRUMENTS, OTHER]


def classify_measure(heading: str, text: str) -> tuple[str, str]:
    """(sector, instrument) of a measure: its heading first, then its text; 其他 when none."""
    sector = sector_of_text(heading) or sector_of_text(text)
    instrument = instrument_of_text(heading) or instrument_of_text(text)
    return sector or OTHER, instrument or OTHER


def classify_target(target_text: str, heading: str, measure_text: str) -> tuple[str, str]:
    """(sector, instrument) of a money target: its sentence, then the heading, then the text."""
    sentence = sector_vocabulary.sentence_around(measure_text or "", target_text or "")
    pieces = (sentence, heading, measure_text)
    sector = next((s for s in map(sector_of_text, pieces) if s), None)
    instrument = next((i for i in map(instrument_of_text, pieces) if i), None)
    return sector or OTHER, instrument or OTHER


def documents_classified(
    docs: QuerySet[PolicyDocument], *, sector: str = "", instrument: str = ""
) -> QuerySet[PolicyDocument]:
    """``docs`` narrowed to those with a measure of ``sector`` and/or ``instrument`` (one query)."""
    if not sector and not instrument:
        return docs
    rows = Measure.objects.filter(document__in=docs.values("pk")).values_list(
        "document_id", "heading", "text"
    )
    keep = set()
    for document_id, heading, text in rows:
        if document_id in keep:
            continue
        s, i = classify_measure(heading, text)
        if (not sector or s == sector) and (not instrument or i == instrument):
            keep.add(document_id)
    return docs.filter(pk__in=keep)


# -- money ----------------------------------------------------------------------------------------


def fen(value: Any) -> int | None:
    """A parsed money value (yuan: number, numeric string, or [low, high] = the high end) as fen."""
    if isinstance(value, list):
        values = [fen(v) for v in value]
        values = [v for v in values if v is not None]
        return max(values) if values else None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return int((amount * 100).to_integral_value())


def yuan_label(amount_fen: int) -> str:
    """Fen for people: 万元 with two decimals from 1万 up, else 元 (integer arithmetic only)."""
    if amount_fen >= 1_000_000:
        wan = (Decimal(amount_fen) / Decimal(1_000_000)).quantize(Decimal("0.01"))
        return f"{wan:,}万元"
    return f"{(Decimal(amount_fen) / 100).quantize(Decimal('0.01')):,}元"


@dataclass
class Money:
    rows: list[dict[str, Any]] = field(
        default_factory=list
    )  # one per sector×instrument×region×year
    total_fen: int = 0
    targets: int = 0
    sectors: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)
    by_sector_instrument: dict[tuple[str, str], int] = field(default_factory=dict)

    def chart(self) -> dict[str, Any]:
        """Stacked bars: one bar per sector, one stack per instrument, values in 万元 (strings)."""
        return {
            "sectors": self.sectors,
            "series": [
                {
                    "name": inst,
                    "data": [
                        str(Decimal(self.by_sector_instrument.get((s, inst), 0)) / 1_000_000)
                        for s in self.sectors
                    ],
                }
                for inst in self.instruments
            ],
        }


def committing(targets: QuerySet[Target]) -> QuerySet[Target]:
    """Money targets that commit a sum (a total), not a per-item cap such as 每人最高3万元."""
    return targets.filter(kind=Target.Kind.MONEY).filter(
        Q(qualifier__in=["", Target.Qualifier.TOTAL]) & Q(per="")
    )


def _year(signed, published) -> int | None:
    day = signed or published
    return day.year if day else None


def money(docs: QuerySet[PolicyDocument], *, sector: str = "", instrument: str = "") -> Money:
    """Money committed by the measures of ``docs``, by sector × instrument × region × year."""
    targets = committing(Target.objects.filter(measure__document__in=docs.values("pk")))
    rows = targets.values_list(
        "value",
        "text",
        "measure__heading",
        "measure__text",
        "measure__document__signed_on",
        "measure__document__published_on",
        "measure__document__lineage_place__region",
        "measure__document__region",
    )
    cells: dict[tuple[str, str, str, int | None], list[int]] = defaultdict(lambda: [0, 0])
    for value, text, heading, measure_text, signed, published, place_region, region in rows:
        amount = fen(value)
        if amount is None:
            continue
        s, i = classify_target(text or "", heading or "", measure_text or "")
        if (sector and s != sector) or (instrument and i != instrument):
            continue
        key = (s, i, place_region or region or "未识别", _year(signed, published))
        cells[key][0] += amount
        cells[key][1] += 1
    sector_order = {name: n for n, name in enumerate(sector_names())}
    instrument_order = {name: n for n, name in enumerate(instrument_names())}
    result = Money()
    by_si: dict[tuple[str, str], int] = defaultdict(int)
    for (s, i, region_name, year), (amount, count) in sorted(
        cells.items(),
        key=lambda kv: (
            sector_order.get(kv[0][0], 99),
            instrument_order.get(kv[0][1], 99),
            kv[0][2],
            kv[0][3] or 0,
        ),
    ):
        result.rows.append(
            {
                "sector": s,
                "instrument": i,
                "region": region_name,
                "year": year,
                "fen": amount,
                "label": yuan_label(amount),
                "targets": count,
            }
        )
        result.total_fen += amount
        result.targets += count
        by_si[(s, i)] += amount
    result.by_sector_instrument = dict(by_si)
    result.sectors = [s for s in sector_names() if any(k[0] == s for k in by_si)]
    result.instruments = [i for i in instrument_names() if any(k[1] == i for k in by_si)]
    return result


# -- timeline and citation graph ------------------------------------------------------------------


def timeline(docs: QuerySet[PolicyDocument], limit: int = 2000) -> dict[str, Any]:
    """Documents by date (成文 else 发布) and level, for a scatter chart (one query)."""
    rows = docs.values_list(
        "pk", "title", "source_name", "signed_on", "published_on", "lineage_place__level"
    )[:limit]
    levels = [*LEVELS, "未识别"]
    points = []
    for pk, title, source_name, signed, published, level in rows:
        day = signed or published
        if day is None:
            continue
        points.append(
            {
                "id": pk,
                "date": day.isoformat(),
                "level": level if level in LEVELS else "未识别",
                "title": (title or source_name or "")[:60],
            }
        )
    points.sort(key=lambda p: (p["date"], p["id"]))
    return {"levels": levels, "points": points}


def citation_graph(docs: QuerySet[PolicyDocument], limit: int = 500) -> dict[str, Any]:
    """Documents as nodes (category = level), resolved citations between them as edges (2 queries)."""
    rows = list(docs.values_list("pk", "title", "source_name", "lineage_place__level")[:limit])
    levels = [*LEVELS, "未识别"]
    ids = {pk for pk, *_ in rows}
    edges = (
        Citation.objects.filter(citing_id__in=ids, resolved__isnull=False)
        .order_by()
        .values_list("citing_id", "resolved_id")
    )
    # The resolved end is checked here: a second large IN list makes SQLite's plan much slower.
    pairs = sorted({(a, b) for a, b in edges if b in ids and a != b})
    links = [{"source": str(a), "target": str(b)} for a, b in pairs]
    degree: dict[str, int] = defaultdict(int)
    for link in links:
        degree[link["source"]] += 1
        degree[link["target"]] += 1
    url = reverse("lineage:document", args=[0])  # once, not per node
    nodes = [
        {
            "id": str(pk),
            "name": (title or source_name or "")[:40],
            "category": levels.index(level) if level in LEVELS else len(levels) - 1,
            "symbolSize": 10 + min(degree[str(pk)], 10) * 3,
            "url": url.replace("/0/", f"/{pk}/"),
        }
        for pk, title, source_name, level in rows
    ]
    return {"categories": [{"name": name} for name in levels], "nodes": nodes, "links": links}
