"""The rules library is pure: importing and using it never loads Django."""

from __future__ import annotations

import subprocess
import sys


def test_no_django_import() -> None:
    code = (
        "import sys\n"
        "import policyledger.rules as r\n"
        "from policyledger.rules import compile, population, whatif, cli\n"
        "r.evaluate({'nodes': [{'id': 'i', 'type': 'inputNode', 'name': 'i'},"
        " {'id': 'o', 'type': 'outputNode', 'name': 'o'}],"
        " 'edges': [{'id': 'e', 'sourceId': 'i', 'targetId': 'o'}]}, {})\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
