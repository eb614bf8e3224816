"""Import a monthly release into the indicator registry in one transaction.

The checked rows come from ``policyledger.releases`` in chunks and are written as they come
(new indicators first, then the values, a month already imported being replaced); when the file
turns out to be wrong further down, the transaction is rolled back: a bad file writes nothing.
Values go in with one multi-row statement per chunk (SQLite) or COPY into a temporary table and
one INSERT … ON CONFLICT (PostgreSQL), which is what makes a 1.4-million-value file take seconds.
The figures travel as the number texts the reader checked (``read_release_values``): no Decimal
per value is built on the way (bench/monitoring.py: ~14 s CPU for the 1.4-million-row file).
SQLite's durability settings are left as configured (WAL, synchronous default): the import is one
ordinary transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import BinaryIO

from django.db import connection, transaction
from django.db.models import Max

from policyledger.releases import ReleaseError, ValueRow, read_release_values
from policyledger.releases.model import Problem, period_index, period_of
from policyledger.web.core import audit
from policyledger.web.core.errors import ServiceError
from policyledger.web.monitoring.models import ImportBatch, Indicator, IndicatorValue

logger = logging.getLogger("policyledger.monitoring")

COLUMNS = (
    "indicator_id",
    "month",
    "current",
    "cumulative",
    "yoy_current",
    "yoy_cumulative",
    "batch_id",
)


# Rows checked and written at a time: fewer round trips (and indicator registrations) per file,
# progress still reported every ~1.5% of a 1.4-million-row file.
CHUNK_ROWS = 20_000


class ImportError_(ServiceError):  # noqa: N801 - "ImportError" is a builtin
    code = "release_invalid"
    status = 400
    message = "文件未导入"

    def __init__(self, error: ReleaseError) -> None:
        super().__init__(str(error), problems=[str(p) for p in error.problems])
        self.problems = error.problems


@dataclass
class ImportResult:
    batch: ImportBatch
    values: int
    new_indicators: int
    seconds: float
    commit_seconds: float = 0.0  # the COMMIT alone (PostgreSQL checks deferred constraints there)


def month_date(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def _period_of_date(day: dt.date) -> int:
    return period_index(day.year, day.month)


class _Registry:
    """The indicators known so far, and what the database holds for a series (its history).

    The first ``BULK_AFTER`` series with a history are read one by one (two small queries each);
    after that the months around the period most series start at are read for all indicators
    at once, so that next month's release of 12,000 series costs two queries, not 24,000."""

    BULK_AFTER = 50

    def __init__(self) -> None:
        self.created: set[int] = set()  # indicators this import registered (no values yet)
        self.known: dict[tuple[str, str], tuple[int, str]] = {
            (region, name): (pk, unit)
            for pk, region, name, unit in Indicator.objects.values_list(
                "pk", "region", "name", "unit"
            )
        }
        self.asked = 0
        self.bulk_period: int | None = None
        self.bulk_last: dict[int, int] = {}
        self.bulk_window: dict[int, dict[int, tuple]] = {}

    def history(self, key: tuple[str, str], period: int):
        entry = self.known.get(key)
        if entry is None:
            return None, {}, ""
        pk, unit = entry
        self.asked += 1
        if self.bulk_period is None and self.asked > self.BULK_AFTER:
            self._load_all(period)
        if period == self.bulk_period:
            return self.bulk_last.get(pk), self.bulk_window.get(pk, {}), unit
        year, month = period_of(period)
        first = period_of(period - 12)
        before = (
            IndicatorValue.objects.filter(indicator_id=pk, month__lt=month_date(year, month))
            .order_by("-month")
            .values_list("month", flat=True)
            .first()
        )
        window = {
            _period_of_date(m): (c, k)
            for m, c, k in IndicatorValue.objects.filter(
                indicator_id=pk,
                month__gte=month_date(*first),
                month__lt=month_date(year, month),
            ).values_list("month", "current", "cumulative")
        }
        last = _period_of_date(before) if before is not None else None
        return last, window, unit

    def _load_all(self, period: int) -> None:
        """Every indicator's last month before ``period`` and its twelve months before it.
        (A series is asked for at its first row, before any of its rows in this file are
        written, so what is read here is what the one-by-one queries would have read.)"""
        self.bulk_period = period
        start, end = month_date(*period_of(period - 12)), month_date(*period_of(period))
        self.bulk_last = {
            pk: _period_of_date(last)
            for pk, last in IndicatorValue.objects.filter(month__lt=end)
            .order_by()
            .values("indicator_id")
            .annotate(last=Max("month"))
            .values_list("indicator_id", "last")
        }
        for pk, m, c, k in IndicatorValue.objects.filter(
            month__gte=start, month__lt=end
        ).values_list("indicator_id", "month", "current", "cumulative"):
            self.bulk_window.setdefault(pk, {})[_period_of_date(m)] = (c, k)


def import_release(
    source: str | os.PathLike | BinaryIO | bytes,
    filename: str,
    *,
    user=None,
    source_kind: str = Indicator.Source.STATS,
    region: str = "",
    year: int | None = None,
    month: int | None = None,
    yoy_tolerance: Decimal = Decimal(0),
    progress: Callable[[int, int | None], None] | None = None,
    total_rows: int | None = None,
    reporter_unit=None,
) -> ImportResult:
    """Check and write a release; raise ``ImportError_`` (a ServiceError naming each row and
    column at fault) and write nothing when anything in it is wrong."""
    import time

    started = time.perf_counter()
    try:
        with transaction.atomic():
            registry = _Registry()
            batch = ImportBatch.objects.create(
                filename=filename[:200], source=source_kind, by=user if user and user.pk else None
            )
            writer = _writer()
            written = new = 0
            months: dict[int, str] = {}
            first = last = None
            for chunk in read_release_values(
                source,
                filename,
                region=region,
                year=year,
                month=month,
                yoy_tolerance=yoy_tolerance,
                history=registry.history,
                progress=progress,
                total_rows=total_rows,
                chunk_size=CHUNK_ROWS,
            ):
                new += _register(chunk, registry, source_kind, reporter_unit)
                rows, low, high = _value_rows(chunk, registry.known, batch.pk, months)
                writer(rows, registry.created)
                written += len(chunk)
                if low is not None:  # months first seen in this chunk
                    first = low if first is None else min(first, low)
                    last = high if last is None else max(last, high)
            batch.rows = written
            batch.first_month = month_date(*period_of(first)) if first is not None else None
            batch.last_month = month_date(*period_of(last)) if last is not None else None
            batch.save(update_fields=["rows", "first_month", "last_month"])
            from policyledger.web.monitoring.services.targets import update_warnings

            update_warnings()
            written_at = time.perf_counter()
            audit.record(
                user if user and user.pk else None,
                "monitoring.import",
                batch,
                after={"filename": batch.filename, "rows": written, "new_indicators": new},
            )
    except ReleaseError as error:
        logger.info("release %s rejected: %d problems", filename, len(error.problems))
        raise ImportError_(error) from error
    seconds = time.perf_counter() - started
    commit_seconds = time.perf_counter() - written_at
    logger.info("release %s imported: %d values in %.1f s", filename, written, seconds)
    return ImportResult(batch, written, new, seconds, commit_seconds)


def _value_rows(
    chunk: list[ValueRow], known: dict[tuple[str, str], tuple[int, str]], batch: int, months
) -> tuple[list[tuple], int | None, int | None]:
    """The value table's rows for a chunk (month as ISO text, figures as number texts), and
    the first and last of the months not seen before in this import (None when none)."""
    rows = []
    append = rows.append
    low = high = None
    for _, region, name, _, _, period, current, cumulative, yoy_c, yoy_k in chunk:
        month = months.get(period)
        if month is None:
            month = months[period] = month_date(*period_of(period)).isoformat()
            low = period if low is None else min(low, period)
            high = period if high is None else max(high, period)
        append((known[region, name][0], month, current, cumulative, yoy_c, yoy_k, batch))
    return rows, low, high


def _register(chunk: list[ValueRow], registry: _Registry, source_kind: str, reporter_unit) -> int:
    fresh: dict[tuple[str, str], ValueRow] = {}
    known = registry.known
    for row in chunk:
        key = (row[1], row[2])
        if key not in known and key not in fresh:
            fresh[key] = row
    if not fresh:
        return 0
    made = [
        Indicator(
            region=region[:60],
            name=name[:100],
            category=category[:40],
            unit=unit,
            source=source_kind,
            reporter_unit=reporter_unit,
        )
        for _, region, name, category, unit, *_ in fresh.values()
    ]
    Indicator.objects.bulk_create(made, batch_size=1000)
    if all(i.pk is not None for i in made):  # the ids came back (RETURNING: PostgreSQL, SQLite)
        for key, indicator in zip(fresh, made, strict=True):
            registry.created.add(indicator.pk)
            registry.known[key] = (indicator.pk, indicator.unit)
        return len(fresh)
    regions = {k[0] for k in fresh}
    for pk, region, name, unit in Indicator.objects.filter(region__in=regions).values_list(
        "pk", "region", "name", "unit"
    ):
        key = (region, name)
        if key in fresh:
            registry.created.add(pk)
        registry.known[key] = (pk, unit)
    return len(fresh)


def _writer() -> Callable[[list[tuple], set[int]], None]:
    table = IndicatorValue._meta.db_table
    columns = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
    conflict = f"ON CONFLICT (indicator_id, month) DO UPDATE SET {updates}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS monitoring_incoming (indicator_id bigint, "
                "month date, current numeric, cumulative numeric, yoy_current numeric, "
                "yoy_cumulative numeric, batch_id bigint) ON COMMIT DROP"
            )

        def write_pg(rows: list[tuple], fresh: set[int]) -> None:
            # Indicators created by this import have no values yet: their rows are copied
            # straight into the table; the others go through a temporary table and an upsert.
            new = [r for r in rows if r[0] in fresh]
            old = [r for r in rows if r[0] not in fresh] if len(new) < len(rows) else []
            with connection.cursor() as cursor:
                raw = cursor.cursor
                if new:
                    with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in new:
                            copy.write_row(row)
                if old:
                    with raw.copy(f"COPY monitoring_incoming ({columns}) FROM STDIN") as copy:
                        for row in old:
                            copy.write_row(row)
                    cursor.execute(
                        f"INSERT INTO {table} ({columns}) SELECT {columns} "
                        f"FROM monitoring_incoming {conflict}"
                    )
                    cursor.execute("TRUNCATE monitoring_incoming")

        return write_pg

    # SQLite: multi-row VALUES, as many rows as its 32766 parameters allow.
    per_statement = 32766 // len(COLUMNS)

    full = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * per_statement)

    def write_sqlite(rows: list[tuple], fresh: set[int]) -> None:
        # Decimals go in as their text (Django registers that adapter), as NUMERIC columns take it.
        raw = connection.connection
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            marks = (
                full
                if len(part) == per_statement
                else ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(part))
            )
            params = list(chain.from_iterable(part))
            raw.execute(f"INSERT INTO {table} ({columns}) VALUES {marks} {conflict}", params)

    return write_sqlite


def problems_of(error: ImportError_) -> list[Problem]:
    return list(error.problems)
