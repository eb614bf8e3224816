"""Monthly statistical releases (社会消费品零售总额 and its categories) read from csv/xlsx.

A pure library (no Django): ``read_release`` recognises the layouts the bureaus publish, checks
every figure (numbers, units, 同比 against the values within rounding, months missing, duplicates)
and yields the checked rows in chunks, so that a caller can write them as it goes inside one
transaction and roll everything back when the file turns out to be wrong. Every problem names the
row and the column at fault, in Chinese.

``read_release`` yields ``ReleaseRow`` tuples with Decimal figures; ``read_release_values``
yields the same rows as plain tuples whose figures are number texts (what a bulk writer needs,
1.4 million rows without a Decimal each). Rows whose value cells are plain numbers take a fast
path: a 同比 is checked in floating point with a wide margin and only the doubtful ones again
exactly in Decimal, so the verdicts and messages are those of the exact check (tests compare both
paths). xlsx files are read with calamine (Rust), csv with the csv module.
"""

from policyledger.releases.checks import yoy_consistent
from policyledger.releases.model import Problem, ReleaseError, ReleaseRow, Series, ValueRow
from policyledger.releases.reader import read_release, read_release_values, read_rows

__all__ = [
    "Problem",
    "ReleaseError",
    "ReleaseRow",
    "Series",
    "ValueRow",
    "read_release",
    "read_release_values",
    "read_rows",
    "yoy_consistent",
]
