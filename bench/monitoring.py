"""Import of a large monthly-release file into the indicator registry (issue 14, "Must show").

    .venv/bin/python bench/monitoring.py            # 10 years x 300 regions x 40 categories
    .venv/bin/python bench/monitoring.py --small    # 2 years x 20 regions x 10 categories
    .venv/bin/python bench/monitoring.py --medium --profile   # 3 x 100 x 20, with cProfile
    DATABASE_URL=postgres://…/pl_monitoring_bench .venv/bin/python bench/monitoring.py

Generates a long-table csv (地区, 指标, 年月, 单位, 本月, 1—N月累计, 本月同比%, 累计同比%) whose
同比 agree with its values, imports it through the same service the import page calls into a
fresh database (a SQLite file in a temporary folder, or the PostgreSQL database named by
DATABASE_URL, dropped and created), with a progress indicator on stderr; then imports a copy
whose last row has a wrong 同比 and counts the rows it wrote. Ends with ``key: value`` lines:
``values_imported``, ``import_seconds``, ``bad_file_rows_written``, ``bad_file_message``.
Measured 2026-12-06 on the 2-core build machine shared with other sessions, full size
(1,440,000 values, 12,000 indicators, 125 MB csv), after the reader's fast path (number texts
instead of a Decimal per figure, 同比 checked in floating point with the doubtful ones rechecked
exactly), indicator ids from RETURNING and 20,000-row chunks:
  SQLite      23:03–23:04 UTC, load average 7.6–8.2: 40.9 s wall, 13.7 s CPU in this process
              (an earlier run of this session, before the last two changes: 94.4 s wall, 16.2 s CPU);
  PostgreSQL  23:04–23:06 UTC, load average 8.1: 47.2 s wall, 11.3 s CPU here + 5.7 s in the
              PostgreSQL backend (earlier run of this session: 86.9 s wall, 14.1 s CPU + 7.0 s).
Before (20:45–21:15 UTC, load 5–8): SQLite 102.6 s wall, 33.0 s CPU; PostgreSQL 81.6 s wall,
32.7 s CPU + 8.4 s in the backend. The bad file wrote 0 rows each time. At load 8 on 2 cores the
wall time is still ~3–6x the CPU time, so a busier machine can still push the wall past 60 s; on
an idle one the import needs ~14–17 s. ``--profile`` prints the import's cProfile.
2026-12-07 00:02–00:03 UTC, main after all merges, nothing else running (load average 0.5–1.8):
SQLite 15.5 s (15.3 s CPU), PostgreSQL 18.9 s (13.2 s CPU here + 6.6 s in the backend), the whole
bench 26 s and 30 s; the bad file wrote 0 rows.
Next month's release over a registry that already holds the series (2,000 series at --medium's
size, one month each, SQLite): 9.4 s wall / 3.7 s CPU when each series' history took two queries,
0.8 s / 0.3 s since the history is read for all indicators at once (not part of this bench's run).
Target: the full file in < 60 s. ``import_cpu_seconds`` is this process's CPU time for the import:
on a shared machine the wall time also counts the waiting for a core.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def fail(reason: str) -> None:
    print(f"error: {reason}", file=sys.stderr)
    sys.exit(1)


def generate(path: Path, years: int, regions: int, categories: int) -> int:
    """Write the csv; return its number of value rows. Values in tenths of 亿元 as integers, so
    the 同比 printed (rounded to 0.1) are exactly what the printed values give."""
    rng = random.Random(14)
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("地区,指标,类别,年月,单位,本月,1—N月累计,本月同比%,累计同比%\n")
        for r in range(regions):
            region = f"模拟地区{r + 1:03d}"
            for c in range(categories):
                name = f"模拟商品{c + 1:02d}类"
                base = rng.randint(500, 50_000)
                previous: list[tuple[int, int]] = []
                lines = []
                for y in range(years):
                    year = 2015 + y
                    cumulative = 0
                    this_year = []
                    for m in range(1, 13):
                        current = max(
                            1, base + rng.randint(-base // 10, base // 10) + y * base // 30
                        )
                        cumulative += current
                        this_year.append((current, cumulative))
                        yoy = yoy_c = ""
                        if previous:
                            p_cur, p_cum = previous[m - 1]
                            yoy = _tenths((2000 * current + p_cur) // (2 * p_cur) - 1000)
                            yoy_c = _tenths((2000 * cumulative + p_cum) // (2 * p_cum) - 1000)
                        lines.append(
                            f"{region},{name},{name[:-1]},{year}-{m:02d},亿元,"
                            f"{_tenths(current)},{_tenths(cumulative)},{yoy},{yoy_c}\n"
                        )
                    previous = this_year
                out.writelines(lines)
                rows += len(lines)
    return rows


def _tenths(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 10}.{value % 10}"


def setup_django(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.test_settings")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    elif url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as exc:
            fail(f"PostgreSQL is not reachable at {admin}: {exc}")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and url == "":
        settings.DATABASES["default"]["NAME"] = str(folder / "bench.db")
    call_command("migrate", verbosity=0)


def database_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend, read from /proc; -1 when not local."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return -1.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        if b"postgres" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return -1.0  # another pid namespace (a container): not this backend
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2 years x 20 regions x 10 categories")
    parser.add_argument(
        "--medium", action="store_true", help="3 years x 100 regions x 20 categories"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated csv")
    parser.add_argument(
        "--profile", action="store_true", help="print the import's cProfile (top 30) on stderr"
    )
    args = parser.parse_args()
    years, regions, categories = (2, 20, 10) if args.small else (10, 300, 40)
    if args.medium:
        years, regions, categories = (3, 100, 20)
    sys.path.insert(0, str(REPO / "src"))
    with tempfile.TemporaryDirectory(prefix="pl-monitoring-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "release.csv"
        started = time.perf_counter()
        expected = generate(csv_path, years, regions, categories)
        print(
            f"generated {expected:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        setup_django(folder)
        from policyledger.releases.reader import count_lines
        from policyledger.web.monitoring.models import IndicatorValue
        from policyledger.web.monitoring.services.importing import ImportError_, import_release

        total = count_lines(csv_path) - 1
        last_shown = [0.0]

        def progress(done: int, of: int | None) -> None:
            now = time.perf_counter()
            if now - last_shown[0] >= 2 or done == of:
                last_shown[0] = now
                share = f" ({100 * done / of:.0f}%)" if of else ""
                print(f"  imported {done:,} of {of:,} rows{share}", file=sys.stderr)

        db_cpu = database_cpu()
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu = time.process_time()
        result = import_release(csv_path, csv_path.name, progress=progress, total_rows=total)
        cpu = time.process_time() - cpu
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
        db_cpu = database_cpu() - db_cpu if db_cpu >= 0 else -1.0
        stored = IndicatorValue.objects.count()
        if stored != expected or result.values != expected:
            fail(f"{stored} values stored, {result.values} reported, {expected} expected")

        # The bad copy: a small file whose last row's 同比 is off by one point.
        bad = folder / "bad.csv"
        with open(csv_path, encoding="utf-8") as src:
            head = [next(src) for _ in range(1 + 24)]
        fields = head[-1].rstrip("\n").split(",")
        fields[7] = _tenths(int(fields[7].replace(".", "")) + 10)
        head[-1] = ",".join(fields) + "\n"
        bad.write_text("".join(head).replace("模拟地区001", "模拟地区999"), encoding="utf-8")
        before = IndicatorValue.objects.count()
        message = ""
        try:
            import_release(bad, bad.name)
        except ImportError_ as error:
            message = str(error.problems[0])
        else:
            fail("the bad file was imported")
        written = IndicatorValue.objects.count() - before
        if args.keep:
            kept = REPO / "var" / "monitoring-bench.csv"
            kept.parent.mkdir(exist_ok=True)
            csv_path.replace(kept)
            print(f"kept {kept}", file=sys.stderr)
    print(f"database: {os.environ['DATABASE_URL'].split('@')[-1].split('?')[0]}")
    print(f"values_imported: {result.values}")
    print(f"indicators_created: {result.new_indicators}")
    print(f"import_seconds: {result.seconds:.1f}")
    # This process's CPU time: the wall time less the waiting on a shared machine (the database
    # work of PostgreSQL's own process is not in it).
    print(f"import_cpu_seconds: {cpu:.1f}")
    print(f"commit_seconds: {result.commit_seconds:.1f}")
    if db_cpu >= 0:
        # The PostgreSQL backend serving this connection (same machine): its CPU time.
        print(f"database_cpu_seconds: {db_cpu:.1f}")
    print(f"bad_file_rows_written: {written}")
    print(f"bad_file_message: {message}")


if __name__ == "__main__":
    main()
