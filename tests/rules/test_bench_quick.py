"""bench/subsidies.py --quick runs end to end and prints every summary key (figures not judged)."""

from __future__ import annotations

import subprocess
import sys

from rules_jdm import ROOT

KEYS = (
    "whatif_10m_seconds",
    "zen_batch_1m_seconds",
    "sample_totals_equal",
    "decision_p95_ms",
    "calculator_p95_ms",
    "approvers",
    "overcommitted",
    "invoices_used_twice",
)


def test_quick_bench_prints_the_summary() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "subsidies.py"), "--quick", "--timeout", "300"],
        capture_output=True,
        text=True,
        timeout=360,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    for key in KEYS:
        assert key in lines, key
    assert lines["sample_totals_equal"] == "yes"
    assert lines["calculator_p95_ms"] == "n/a"
    float(lines["whatif_10m_seconds"])


def test_bench_fails_fast_when_a_dependency_is_missing() -> None:
    code = (
        "import runpy, sys\n"
        "sys.modules['zen'] = None  # as if zen-engine were not installed\n"
        f"sys.argv = ['subsidies.py', '--quick']\n"
        f"runpy.run_path({str(ROOT / 'bench' / 'subsidies.py')!r}, run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "missing dependency: zen" in done.stderr
