"""Valid identity numbers made from a serial (correct check digit), for the subsidy tests."""

from __future__ import annotations

from policyledger.web.subsidies.services.identity import id_check_char, uscc_check_char


def uscc(serial: int) -> str:
    """A valid 统一社会信用代码: 91 (企业) + 320700 (连云港) + a 9-character body + check."""
    first17 = f"91320700{serial:08d}X"
    return first17 + uscc_check_char(first17)


def id_number(serial: int, born: str = "19850214") -> str:
    first17 = f"320705{born}{serial % 1000:03d}"
    return first17 + id_check_char(first17)
