"""Read a release (csv or xlsx) in the layouts the bureaus publish, check it, yield its rows.

Two layouts are recognised by their headers, not by position:

- the long table (长表), one row per region, indicator and month:
  ``地区 | 指标 | [类别] | 年月 | [单位] | 本月 | 1—N月累计 | 本月同比% | 累计同比%``;
- the monthly release (月度发布表) for one region and month, as printed by a statistics bureau:
  ``指标 | 本月 | 1—N月累计 | 同比增长%``, or with a two-row header
  ``指标 | 10月 (绝对量（亿元） | 同比增长（%）) | 1—10月 (绝对量（亿元） | 同比增长（%）)``; the
  region and month come from the title (``2024年1—10月××市社会消费品零售总额``) or the caller.

A 同比 column that names neither 本月 nor 累计 belongs to the value column on its left, as in the
printed tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from policyledger.releases.checks import (
    UNITS,
    half_float,
    parse_number,
    unit_in,
    yoy_bounds,
    yoy_consistent,
    yoy_surely_consistent,
)
from policyledger.releases.model import (
    Problem,
    ReleaseError,
    ReleaseRow,
    Series,
    ValueRow,
    month_text,
    period_index,
)

MAX_PROBLEMS = 50
HEADER_SCAN_ROWS = 15

# What the caller knows of a series before this file: (the last month it has before ``period``,
# {month index: (本月, 累计)} for the twelve months before ``period``, its registered unit or "").
History = Callable[[Series, int], tuple[int | None, dict[int, tuple], str]]
Progress = Callable[[int, int | None], None]

_RANGE = r"1\s*[—–\-~至－]+\s*(\d{1,2})\s*月"
_MONTH_ONLY = r"^(\d{1,2})\s*月"
_TITLE_PERIOD = re.compile(r"(\d{4})\s*年\s*(?:" + _RANGE + r"|(\d{1,2})\s*月)")
_PERIOD = re.compile(r"^(\d{4})\s*(?:年|[-/.])?\s*(\d{1,2})\s*月?(?:份)?$")
_PREFIX = re.compile(r"^(?:其中[:：]|#|[\s\u3000]|[一二三四五六七八九十]+[、.]|\d+[、.])+")
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")
_FOOTNOTE = re.compile(r"[*＊①②③④⑤⑥⑦⑧⑨]+$")
_PLAIN_CHARS = "0123456789.-"
# What the platform's value columns hold (20 digits for 本月/累计, 12 for the 同比 %, 4 after the
# point each): (text length from which a figure may be too large, the bound it must stay under).
_LIMITS = ((16, Decimal(10) ** 16),) * 2 + ((8, Decimal(10) ** 8),) * 2
_FOUR_PLACES = Decimal("0.0001")


def _too_large(text: str, limit: Decimal) -> bool:
    """Whether a figure, rounded to four places as stored, is not under ``limit``."""
    try:
        value = abs(Decimal(text))
        return value >= limit or value.quantize(_FOUR_PLACES) >= limit
    except ArithmeticError:  # quantize() of a value with more digits than the context holds
        return True


def _clean(text: object) -> str:
    if text is None:
        return ""
    if isinstance(text, float) and text == int(text):  # xlsx integers come back as floats
        text = int(text)
    return str(text).strip().replace("\u3000", " ")


def _squash(label: str) -> str:
    return re.sub(r"\s+", "", label).replace("（", "(").replace("）", ")")


def category_of(name: str) -> str:
    """汽车类 -> 汽车, 粮油、食品类 -> 粮油食品, 餐饮收入 -> 餐饮; "" for a total."""
    base = name.replace("、", "")
    if base.endswith("收入") and len(base) > 2:
        return base[:-2]
    if base.endswith("类") and len(base) > 1:
        return base[:-1]
    return ""


# --- reading cells -------------------------------------------------------------------------


def read_rows(
    source: str | os.PathLike | BinaryIO | bytes, filename: str = ""
) -> Iterator[list[str]]:
    """Rows of cell texts from a .csv (UTF-8 with or without BOM, or GB18030) or an .xlsx."""
    name = filename or (str(source) if isinstance(source, (str, os.PathLike)) else "")
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(source)
    elif suffix in (".csv", ".txt", ""):
        yield from _csv_rows(source)
    else:
        raise ReleaseError(
            [Problem(None, "", f"不支持的文件类型“{suffix}”：请上传 xlsx 或 csv 文件")]
        )


def _binary(source) -> BinaryIO:
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(source)
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb")  # noqa: SIM115 - closed by the caller's generator
    return source


def _csv_rows(source) -> Iterator[list[str]]:
    raw = _binary(source)
    head = raw.read(65536)
    raw.seek(0)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut multi-byte character at the end of the sample is still UTF-8.
        if exc.start < len(head) - 3:
            encoding = "gb18030"
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError as exc:
        raise ReleaseError(
            [Problem(None, "", "文件编码无法识别：请另存为 UTF-8 或 GBK 编码的 csv")]
        ) from exc
    finally:
        text.detach()
        if not isinstance(source, (bytes, bytearray)) and isinstance(source, (str, os.PathLike)):
            raw.close()


def _xlsx_rows(source) -> Iterator[list[str]]:
    """The first sheet's rows from A1 on, read by calamine (Rust): ~20x faster than openpyxl on a
    large release, same texts (``_openpyxl_rows`` is kept as the reference the tests compare)."""
    import python_calamine

    raw = _binary(source)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(raw)
        # skip_empty_area=False: rows and columns counted from A1, as the messages name them.
        table = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for a file that is not a workbook
        raise ReleaseError(
            [Problem(None, "", "无法读取该 xlsx 文件：文件已损坏或不是 Excel 工作簿")]
        ) from exc
    finally:
        if isinstance(source, (str, os.PathLike)):
            raw.close()
    for values in table:
        yield [_clean_calamine(v) for v in values]


def _clean_calamine(value: object) -> str:
    """``_clean`` of the value openpyxl gives for the same cell, by the common types first."""
    kind = type(value)
    if kind is str:
        return value.strip().replace("\u3000", " ") if value else ""  # type: ignore[attr-defined]
    if kind is float:
        return str(int(value)) if value.is_integer() else str(value)  # type: ignore[attr-defined]
    if kind is dt.date:  # openpyxl gives a date cell as a datetime
        value = dt.datetime(value.year, value.month, value.day)  # type: ignore[attr-defined]
    return _clean(value)


def _openpyxl_rows(source) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    raw = _binary(source)
    try:
        book = load_workbook(raw, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise ReleaseError(
            [Problem(None, "", "无法读取该 xlsx 文件：文件已损坏或不是 Excel 工作簿")]
        ) from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_clean(v) for v in values]
    finally:
        book.close()


def count_lines(path: str | os.PathLike) -> int:
    """Rows in a csv, counted fast (for the progress indicator)."""
    total = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            total += block.count(b"\n")
    return total


# --- the header ----------------------------------------------------------------------------


@dataclass
class Layout:
    header_line: int  # the last header row (1-based)
    labels: list[str]
    region: int | None = None
    name: int | None = None
    category: int | None = None
    period: int | None = None
    unit: int | None = None
    current: int | None = None
    cumulative: int | None = None
    yoy_current: int | None = None
    yoy_cumulative: int | None = None
    units: dict[int, str] = field(default_factory=dict)  # unit named in a value column's header
    header_month: int | None = None  # "1—10月" in a group header


def _is_yoy(label: str) -> bool:
    return any(word in label for word in ("同比", "增长", "增速", "增幅"))


def _classify(labels: list[str]) -> Layout | list[Problem]:
    layout = Layout(0, labels)
    pending_yoy: list[int] = []
    value_columns: list[tuple[int, str]] = []  # (column, "current" | "cumulative") in order
    for col, raw in enumerate(labels):
        label = _squash(raw)
        if not label:
            continue
        month = re.search(_RANGE, label)
        if month:
            layout.header_month = int(month.group(1))
        elif re.match(_MONTH_ONLY, label):
            layout.header_month = int(re.match(_MONTH_ONLY, label).group(1))
        if re.match(r"^(地区|区域|行政区|地市|区县)", label) and layout.region is None:
            layout.region = col
        elif re.match(r"^(指标|项目|名称)", label) and layout.name is None:
            layout.name = col
        elif re.match(r"^(类别|分类|行业|商品类)", label) and layout.category is None:
            layout.category = col
        elif re.match(r"^(年月|月份|期间|统计期|时间|报告期)", label) and layout.period is None:
            layout.period = col
        elif re.match(r"^(单位|计量单位)", label) and layout.unit is None:
            layout.unit = col
        elif _is_yoy(label):
            if "累计" in label or re.search(_RANGE, label):
                layout.yoy_cumulative = col
            elif any(w in label for w in ("本月", "当月")) or re.match(_MONTH_ONLY, label):
                layout.yoy_current = col
            else:
                pending_yoy.append(col)
        elif "累计" in label or re.search(_RANGE, label):
            layout.cumulative = col
            value_columns.append((col, "cumulative"))
        elif any(w in label for w in ("本月", "当月", "绝对量", "金额", "零售额")) or re.match(
            _MONTH_ONLY, label
        ):
            layout.current = col
            value_columns.append((col, "current"))
        else:
            continue
        unit = unit_in(raw)
        if unit and not _is_yoy(label):
            layout.units[col] = unit
    for col in pending_yoy:
        left = [kind for c, kind in value_columns if c < col]
        if not left:
            continue
        if left[-1] == "cumulative" and layout.yoy_cumulative is None:
            layout.yoy_cumulative = col
        elif left[-1] == "current" and layout.yoy_current is None:
            layout.yoy_current = col
    problems = []
    if layout.name is None:
        problems.append(Problem(None, "指标", "缺少“指标”列"))
    if layout.current is None and layout.cumulative is None:
        problems.append(Problem(None, "本月", "缺少数值列：表头中应有“本月”或“1—N月累计”"))
    return problems or layout


def _find_header(
    rows: Iterator[list[str]],
) -> tuple[Layout, list[str], list[tuple[int, list[str]]]]:
    """Read up to the header; returns the layout, the title lines above it, and the data rows
    already read (a row after a one-row header is data)."""
    titles: list[str] = []
    scanned: list[tuple[int, list[str]]] = []
    for line, cells in enumerate(rows, start=1):
        cells = [_clean(c) for c in cells]
        scanned.append((line, cells))
        if any(re.match(r"^(指标|项目)", _squash(c)) for c in cells):
            break
        if any(cells):
            titles.append(" ".join(c for c in cells if c))
        if line >= HEADER_SCAN_ROWS:
            raise ReleaseError(
                [Problem(None, "指标", f"前{HEADER_SCAN_ROWS}行中找不到表头（应有“指标”列）")]
            )
    else:
        raise ReleaseError([Problem(None, "", "文件中没有数据（找不到含“指标”的表头行）")])
    header_line, header = scanned[-1]
    labels = list(header)
    extra: list[tuple[int, list[str]]] = []
    second = next(rows, None)
    if second is not None:
        second = [_clean(c) for c in second]
        name_col = next(i for i, c in enumerate(header) if re.match(r"^(指标|项目)", _squash(c)))
        sub = [c for i, c in enumerate(second) if i != name_col and c]
        is_subheader = (
            (name_col >= len(second) or not second[name_col])
            and sub
            and all(_looks_like_label(c) for c in sub)
        )
        if is_subheader:
            # The group label ("10月", "1—10月") spans its sub-columns (merged cells).
            group = ""
            width = max(len(labels), len(second))
            labels += [""] * (width - len(labels))
            for i in range(width):
                if labels[i]:
                    group = labels[i]
                sub_label = second[i] if i < len(second) else ""
                if sub_label and i != name_col:
                    labels[i] = f"{group}{sub_label}"
            header_line += 1
        else:
            extra.append((header_line + 1, second))
    layout = _classify(labels)
    if isinstance(layout, list):
        raise ReleaseError(layout)
    layout.header_line = header_line
    return layout, titles, extra


def _looks_like_label(text: str) -> bool:
    try:
        return parse_number(text) is None and bool(text.strip("-— "))
    except ValueError:
        return True


# --- the rows ------------------------------------------------------------------------------


class _Checker:
    def __init__(
        self,
        layout: Layout,
        *,
        region: str,
        period: int | None,
        tolerance: Decimal,
        history: History | None,
    ) -> None:
        self.layout = layout
        self.region = region
        self.period = period
        self.tolerance = tolerance
        self.history = history
        self.problems: list[Problem] = []
        self.last: dict[Series, int] = {}
        self.units: dict[Series, str] = {}
        self.window: dict[Series, dict[int, tuple]] = {}
        self.label = {i: _squash(x) or f"第{i + 1}列" for i, x in enumerate(layout.labels)}
        self.value_columns = (
            layout.current,
            layout.cumulative,
            layout.yoy_current,
            layout.yoy_cumulative,
        )
        self.names: dict[str, str] = {}
        self.periods: dict[str, int] = {}
        self.unit_cache: dict[str, str] = {}
        # The fast path, for a layout with all four value columns (the long table): a row
        # whose value cells hold plain numbers or nothing; any other row goes cell by cell.
        self.pick = None
        self.widest = 0
        if None not in self.value_columns:
            self.pick = operator.itemgetter(*self.value_columns)
            self.widest = max(self.value_columns)  # type: ignore[type-var]
        self.tolerance_float = float(tolerance)
        self.halves: dict[str, float] = {}

    def problem(self, line: int | None, col: int | None, message: str) -> None:
        self.problems.append(
            Problem(line, self.label.get(col, "") if col is not None else "", message)
        )

    def number(self, line: int, cells: list[str], col: int | None) -> Decimal | None:
        if col is None or col >= len(cells):
            return None
        try:
            return parse_number(cells[col])
        except ValueError:
            self.problem(line, col, f"“{cells[col]}”不是数字")
            return None

    def row(self, line: int, cells: list[str]) -> ValueRow | None:
        layout = self.layout
        width = len(cells)
        name_col = layout.name
        raw_name = cells[name_col] if name_col < width else ""  # type: ignore[operator]
        quick: tuple | None = None
        if self.pick is not None and width > self.widest:
            tc, tk, tyc, tyk = self.pick(cells)
            # Only digits, dots and minus signs: float() takes exactly what Decimal() and
            # parse_number take from these, or refuses it (then the cell-by-cell path below
            # names the cell). The texts themselves are kept: no Decimal per value.
            if not (tc + tk + tyc + tyk).strip(_PLAIN_CHARS):
                try:
                    halves = self.halves
                    half_c = halves.get(tyc)
                    if half_c is None:
                        half_c = halves[tyc] = half_float(tyc) + self.tolerance_float
                    half_k = halves.get(tyk)
                    if half_k is None:
                        half_k = halves[tyk] = half_float(tyk) + self.tolerance_float
                    # Floats for the quick checks, with each 同比's half last digit.
                    quick = (
                        float(tc) if tc else None,
                        float(tk) if tk else None,
                        float(tyc) if tyc else None,
                        float(tyk) if tyk else None,
                        half_c,
                        half_k,
                    )
                    texts = (tc or None, tk or None, tyc or None, tyk or None)
                except (ArithmeticError, ValueError):
                    quick = None
        if quick is None:
            values: list[Decimal | None] = []
            bad = False
            for col in self.value_columns:
                text = cells[col] if col is not None and col < width else ""
                if _PLAIN.match(text):
                    values.append(Decimal(text))
                elif not text:
                    values.append(None)
                else:
                    try:
                        values.append(parse_number(text))
                    except ValueError:
                        self.problem(line, col, f"“{text}”不是数字")
                        bad = True
            if bad:
                return None
            texts = tuple(None if v is None else str(v) for v in values)  # type: ignore[assignment]
            if values[0] is not None and values[0] < 0:
                negative = layout.current
            elif values[1] is not None and values[1] < 0:
                negative = layout.cumulative
            else:
                negative = None
        else:
            # float and Decimal agree on the sign ("-0" is not negative to either)
            if quick[0] is not None and quick[0] < 0:
                negative = layout.current
            elif quick[1] is not None and quick[1] < 0:
                negative = layout.cumulative
            else:
                negative = None
        if texts[0] is None and texts[1] is None and texts[2] is None and texts[3] is None:
            return None  # an empty row, a note, a section heading such as 按消费类型分
        name = self.names.get(raw_name)
        if name is None:
            name = self.names[raw_name] = _FOOTNOTE.sub("", _PREFIX.sub("", raw_name)).strip()
        if not name:
            self.problem(line, layout.name, "有数值但没有指标名称")
            return None
        if layout.region is not None:
            region = cells[layout.region].strip() if layout.region < width else ""
        else:
            region = self.region
        if not region:
            self.problem(line, layout.region, "缺少地区")
            return None
        if layout.period is not None:
            text = cells[layout.period] if layout.period < width else ""
            period = self.periods.get(text)
            if period is None:
                match = _PERIOD.match(text.replace(" ", ""))
                month = int(match.group(2)) if match else 0
                if not match or not 1 <= month <= 12:
                    self.problem(
                        line, layout.period, f"“{text}”不是年月（应如 2024-10 或 2024年10月）"
                    )
                    return None
                period = self.periods[text] = period_index(int(match.group(1)), month)
        else:
            period = self.period
            assert period is not None
        unit_text = cells[layout.unit] if layout.unit is not None and layout.unit < width else ""
        unit = self.unit_cache.get(unit_text)
        if unit is None:
            unit = self.unit(line, cells)
            if unit is None:
                return None
            self.unit_cache[unit_text] = unit
        if negative is not None:
            self.problem(line, negative, "金额不能为负数")
            return None
        for text, col, (digits, limit) in zip(texts, self.value_columns, _LIMITS, strict=True):
            # Only a long text can be too large: one comparison per figure in the usual case.
            if text is not None and len(text) >= digits and _too_large(text, limit):
                self.problem(line, col, f"“{text}”过大（须小于{limit:,}）")
                return None
        if layout.category is not None:
            category = cells[layout.category].strip() if layout.category < width else ""
        else:
            category = category_of(name)
        row = (line, region, name, category, unit, period, *texts)
        self.sequence(row, quick)  # type: ignore[arg-type]
        return row  # type: ignore[return-value]

    def unit(self, line: int, cells: list[str]) -> str | None:
        layout = self.layout
        header_units = {
            layout.units[c] for c in (layout.current, layout.cumulative) if c in layout.units
        }
        if len(header_units) > 1:
            self.problem(line, layout.cumulative, "表头中“本月”与“累计”的单位不同")
            return None
        header_unit = next(iter(header_units), "")
        if layout.unit is not None and layout.unit < len(cells) and cells[layout.unit]:
            unit = cells[layout.unit].strip()
            if unit not in UNITS:
                self.problem(line, layout.unit, f"未知单位“{unit}”（可用：亿元、万元、元等）")
                return None
            if header_unit and unit != header_unit:
                col = layout.current if layout.current in layout.units else layout.cumulative
                self.problem(
                    line,
                    layout.unit,
                    f"单位“{unit}”与表头“{self.label[col]}”的单位“{header_unit}”不一致",
                )
                return None
            return unit
        return header_unit

    def sequence(self, row: ValueRow, quick: tuple | None) -> None:
        line, region, name, _, unit, period, current, cumulative, yoy_current, yoy_cumulative = row
        key = (region, name)
        last = self.last.get(key)
        if last is None:
            self.first_of_series(key, row)
        elif period == last + 1:
            if unit and unit != self.units[key] and self.units[key]:
                self.problem(
                    line,
                    self.unit_column(),
                    f"“{name}”（{region}）的单位“{unit}”与前面各月的“{self.units[key]}”不一致",
                )
        elif period == last:
            self.problem(
                line, self.layout.period, f"“{name}”（{region}）{month_text(period)}重复出现"
            )
            return
        elif period < last:
            self.problem(
                line,
                self.layout.period,
                f"“{name}”（{region}）的月份须按先后排列（{month_text(period)}排在{month_text(last)}之后）",
            )
            return
        else:
            self.problem(
                line,
                self.layout.period,
                f"“{name}”（{region}）缺少{_gap(last + 1, period - 1)}的数据",
            )
        self.last[key] = period
        window = self.window[key]
        base = window.pop(period - 12, None)
        if quick is None:
            window[period] = (current, cumulative, _float(current), _float(cumulative))
        else:
            window[period] = (current, cumulative, quick[0], quick[1])
        if base is None:
            return
        base_current, base_cumulative, float_current, float_cumulative = base
        if (
            yoy_current is not None
            and current is not None
            and base_current is not None
            and (
                quick is None
                or float_current is None
                or not yoy_surely_consistent(quick[0], float_current, quick[2], quick[4])
            )
        ):
            self.yoy(line, "current", current, base_current, yoy_current, self.layout.yoy_current)
        if (
            yoy_cumulative is not None
            and cumulative is not None
            and base_cumulative is not None
            and (
                quick is None
                or float_cumulative is None
                or not yoy_surely_consistent(quick[1], float_cumulative, quick[3], quick[5])
            )
        ):
            self.yoy(
                line,
                "cumulative",
                cumulative,
                base_cumulative,
                yoy_cumulative,
                self.layout.yoy_cumulative,
            )

    def unit_column(self) -> int | None:
        layout = self.layout
        if layout.unit is not None:
            return layout.unit
        return layout.current if layout.current is not None else layout.cumulative

    def first_of_series(self, key: Series, row: ValueRow) -> None:
        """A series' first row in the file: its unit and months against what the caller holds."""
        line, region, name, _, unit, period = row[:6]
        window: dict[int, tuple] = {}
        known = ""
        last = None
        if self.history is not None:
            last, held, known = self.history(key, period)
            window = {month: (c, k, _float(c), _float(k)) for month, (c, k) in held.items()}
        if known and unit and unit != known:
            self.problem(
                line,
                self.unit_column(),
                f"单位“{unit}”与指标“{name}”（{region}）登记的单位“{known}”不一致",
            )
        elif not known and not unit:
            self.problem(
                line, self.unit_column(), f"新指标“{name}”没有单位：请在表头或“单位”列中注明"
            )
        self.units[key] = unit or known
        if self.history is not None and last is not None and last >= period:
            last = None  # a revision of a month already imported: it is replaced
        if last is not None and last != period - 1:
            self.problem(
                line,
                self.layout.period if self.layout.period is not None else self.layout.name,
                f"“{name}”（{region}）缺少{_gap(last + 1, period - 1)}的数据"
                f"（已有至{month_text(last)}），请先导入缺少的月份",
            )
        self.window[key] = window

    def yoy(self, line: int, kind: str, value, base, yoy, col: int | None) -> None:
        """The exact check (Decimal, every figure's rounding) and its message."""
        value, base, yoy = Decimal(value), Decimal(base), Decimal(yoy)
        ok = yoy_consistent(value, base, yoy, self.tolerance)
        if ok is False:
            low, high = yoy_bounds(value, base)  # type: ignore[misc]
            what = "本月" if kind == "current" else "累计"
            self.problem(
                line,
                col,
                f"同比{yoy}%与数值不符：{what}{value}、上年同期{base}算得"
                f"{low.quantize(Decimal('0.01'))}%至{high.quantize(Decimal('0.01'))}%（已计入四舍五入）",
            )


def _float(value: Decimal | None) -> float | None:
    """A base from the caller as a float for the quick 同比 check; None: check it exactly."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _gap(first: int, last: int) -> str:
    return month_text(first) if first == last else f"{month_text(first)}至{month_text(last)}"


def read_release(
    source: str | os.PathLike | BinaryIO | bytes,
    filename: str = "",
    *,
    region: str = "",
    year: int | None = None,
    month: int | None = None,
    yoy_tolerance: Decimal = Decimal(0),
    history: History | None = None,
    progress: Progress | None = None,
    total_rows: int | None = None,
    chunk_size: int = 5000,
) -> Iterator[list[ReleaseRow]]:
    """Yield the checked rows of a release in chunks; raise ``ReleaseError`` naming every place at
    fault (up to 50). Once a problem is found no further chunk is yielded, so a caller writing
    the chunks in one transaction rolls back what it wrote when the error comes."""
    for chunk in read_release_values(
        source,
        filename,
        region=region,
        year=year,
        month=month,
        yoy_tolerance=yoy_tolerance,
        history=history,
        progress=progress,
        total_rows=total_rows,
        chunk_size=chunk_size,
    ):
        yield [_release_row(v) for v in chunk]


def _release_row(value: ValueRow) -> ReleaseRow:
    line, region, name, category, unit, period, current, cumulative, yoy_c, yoy_k = value
    year, month = divmod(period, 12)
    return ReleaseRow(
        line,
        region,
        name,
        category,
        unit,
        year,
        month + 1,
        None if current is None else Decimal(current),
        None if cumulative is None else Decimal(cumulative),
        None if yoy_c is None else Decimal(yoy_c),
        None if yoy_k is None else Decimal(yoy_k),
    )


def read_release_values(
    source: str | os.PathLike | BinaryIO | bytes,
    filename: str = "",
    *,
    region: str = "",
    year: int | None = None,
    month: int | None = None,
    yoy_tolerance: Decimal = Decimal(0),
    history: History | None = None,
    progress: Progress | None = None,
    total_rows: int | None = None,
    chunk_size: int = 5000,
) -> Iterator[list[ValueRow]]:
    """``read_release`` without a Decimal per figure, for writing many rows fast: each row a
    ``ValueRow`` tuple whose figures are number texts (as Decimal() reads them) or None."""
    rows = iter(read_rows(source, filename))
    layout, titles, extra = _find_header(rows)
    period, problems = _period(layout, titles, year, month)
    if layout.region is None and not region:
        problems.append(Problem(None, "地区", "文件中没有“地区”列：请在导入时选择地区"))
    if problems:
        raise ReleaseError(problems)
    checker = _Checker(
        layout, region=region, period=period, tolerance=yoy_tolerance, history=history
    )
    check = checker.row
    found = checker.problems
    chunk: list[ValueRow] = []
    done = 0
    for line, cells in _numbered(extra, rows, layout.header_line + 1):
        row = check(line, cells)
        done += 1
        if found:
            if len(found) >= MAX_PROBLEMS:
                raise ReleaseError(found, truncated=True)
        elif row is not None:
            chunk.append(row)
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
                if progress is not None:
                    progress(done, total_rows)
    if found:
        raise ReleaseError(found)
    if not checker.last:
        raise ReleaseError([Problem(None, "", "文件中没有任何指标数值")])
    if chunk:
        yield chunk
    if progress is not None:
        progress(done, total_rows)


def _numbered(
    extra: list[tuple[int, list[str]]], rows: Iterator[list[str]], first_line: int
) -> Iterable[tuple[int, list[str]]]:
    yield from extra
    start = extra[-1][0] + 1 if extra else first_line
    yield from enumerate(rows, start=start)


def _period(
    layout: Layout, titles: list[str], year: int | None, month: int | None
) -> tuple[int | None, list[Problem]]:
    if layout.period is not None:
        return None, []
    found_year = found_month = None
    for title in titles:
        match = _TITLE_PERIOD.search(title)
        if match:
            found_year = int(match.group(1))
            found_month = int(match.group(2) or match.group(3))
            break
    if found_month is None and layout.header_month is not None:
        found_month = layout.header_month
    problems = []
    if year is not None and found_year is not None and year != found_year:
        problems.append(Problem(None, "", f"所选年份{year}年与文件标题中的{found_year}年不一致"))
    if month is not None and found_month is not None and month != found_month:
        problems.append(Problem(None, "", f"所选月份{month}月与文件中的{found_month}月不一致"))
    year = year or found_year
    month = month or found_month
    if year is None or month is None:
        problems.append(
            Problem(
                None, "", "无法确定数据月份：文件中没有“年月”列，标题中也没有年月，请在导入时选择"
            )
        )
        return None, problems
    if not 1 <= month <= 12:
        problems.append(Problem(None, "", f"月份{month}无效"))
        return None, problems
    return period_index(year, month), problems
