"""Monthly statistical releases (社会消费品零售总额 and its categories) read from csv/xlsx.

A pure library (no Django): ``read_release`` recognises the layouts the bureaus publish, checks
every figure (numbers, units, 同比 against the values within rounding, months missing, duplicates)
and yields the checked rows in chunks, so that a caller can write them as it goes inside one
transaction and roll everything back when the file turns out to be wrong. Every problem names the
row and the column at fault, in Chinese.
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
