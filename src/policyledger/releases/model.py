"""The rows a release yields and the problems it reports."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

# A series is one indicator in one region: (region, indicator name).
Series = tuple[str, str]


class ReleaseRow(NamedTuple):
    """One indicator for one month, as printed: amounts in ``unit``, 同比 in percent."""

    line: int  # the row number in the file (1 = its first row), for messages
    region: str
    name: str
    category: str
    unit: str
    year: int
    month: int
    current: Decimal | None  # 本月 / 当月值
    cumulative: Decimal | None  # 1—N月累计
    yoy_current: Decimal | None  # 本月同比增长 %
    yoy_cumulative: Decimal | None  # 累计同比增长 %

    @property
    def period(self) -> int:
        return period_index(self.year, self.month)


# A checked row as ``read_release_values`` yields it: (line, region, name, category, unit,
# period index (year * 12 + month - 1), 本月, 累计, 本月同比%, 累计同比%), the four figures as
# number texts that Decimal() reads (as printed, or normalised when printed with thousands
# separators or a percent sign), None when blank.
ValueRow = tuple[int, str, str, str, str, int, str | None, str | None, str | None, str | None]


def period_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def period_of(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def month_text(index: int) -> str:
    year, month = period_of(index)
    return f"{year}年{month}月"


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: the file as a whole (a missing column, an unreadable file)
    column: str  # the column's header as printed, "" when the problem is the whole row
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"第{self.line}行")
        if self.column:
            where.append(f"“{self.column}”列")
        prefix = "".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


class ReleaseError(Exception):
    """The file is wrong: ``problems`` lists each place (row, column) and what is wrong there."""

    def __init__(self, problems: list[Problem], *, truncated: bool = False) -> None:
        self.problems = problems
        self.truncated = truncated
        lines = [str(p) for p in problems[:10]]
        if len(problems) > len(lines) or truncated:
            lines.append(f"……共发现{len(problems)}处问题，以上为前{len(lines)}处")
        super().__init__("文件未导入，请修改后重新上传：\n" + "\n".join(lines))
