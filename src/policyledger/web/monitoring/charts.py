"""Charts for the docx reports (运行分析, 绩效评价报告): PNG bytes drawn by matplotlib in memory.

Agg backend only (no GUI), a fixed size and dpi, and no timestamp or software name in the PNG's
metadata, so the same figures give the same bytes. Labels are Chinese, so a CJK font is needed:
``cjk_font()`` finds one (fonts-noto-cjk on Debian, installed by ``make system-deps``); without one
``available()`` is False and the reports say the charts are left out instead of printing boxes.
Figures are Decimal in the data; they become floats only to be drawn.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import StrMethodFormatter  # noqa: E402

WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.4, 150
SIZE_PX = (round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI))  # (960, 510)
# Families tried in order; the first one installed is used.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
)
MISSING_FONT = "本机未安装中文字体（请安装 fonts-noto-cjk，见 make system-deps），图表从略。"
BLUE, ORANGE, GREY, GREEN = "#3b6ea8", "#d9822b", "#9aa5b1", "#3f8f5b"


class ChartError(RuntimeError):
    pass


@functools.cache
def cjk_font() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def available() -> bool:
    return cjk_font() is not None


def _figure() -> tuple[Figure, object]:
    font = cjk_font()
    if font is None:
        raise ChartError(MISSING_FONT)
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.subplots()
    figure.set_layout_engine("constrained")
    return figure, axes


def _style(axes, title: str) -> None:
    font = cjk_font()
    axes.set_title(title, fontfamily=font, fontsize=11)
    for label in [*axes.get_xticklabels(), *axes.get_yticklabels()]:
        label.set_fontfamily(font)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    legend = axes.get_legend()
    if legend is not None:
        for text in legend.get_texts():
            text.set_fontfamily(font)


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    # Software: None drops matplotlib's version line; PNG has no date unless one is given.
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _f(value: Decimal | int | None) -> float:
    return float("nan") if value is None else float(value)


def target_path(
    title: str, months: Sequence[int], path: Sequence[Decimal], actual: Sequence[Decimal | None]
) -> bytes:
    """An indicator's actual against its target path, month by month."""
    figure, axes = _figure()
    labels = [f"{m}月" for m in months]
    axes.plot(
        labels, [_f(v) for v in path], color=GREY, linestyle="--", marker="", label="目标路径"
    )
    axes.plot(labels, [_f(v) for v in actual], color=BLUE, marker="o", markersize=3, label="实际")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # 1,200,000 not 1.2e6
    axes.legend(prop={"family": cjk_font(), "size": 8}, frameon=False)
    _style(axes, title)
    return _png(figure)


def ranked_growth(title: str, names: Sequence[str], growth: Sequence[Decimal | None]) -> bytes:
    """Categories ranked by growth (本月同比, %), fastest on top; negative growth in orange."""
    figure, axes = _figure()
    values = [_f(v) for v in growth]
    rows = list(range(len(names)))[::-1]
    colours = [ORANGE if v < 0 else BLUE for v in values]
    axes.barh(rows, values, color=colours, height=0.6)
    axes.set_yticks(rows, list(names), fontsize=8)
    axes.axvline(0, color="#555555", linewidth=0.8)
    axes.set_xlabel("同比增长（%）", fontfamily=cjk_font(), fontsize=8)
    _style(axes, title)
    axes.grid(False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    return _png(figure)


def grouped_bars(
    title: str, names: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | int]]]
) -> bytes:
    """Bars for a few series side by side per name (money by programme or sector, in 元)."""
    figure, axes = _figure()
    width = 0.8 / max(len(series), 1)
    colours = [GREY, BLUE, GREEN, ORANGE]
    for index, (label, values) in enumerate(series):
        positions = [i + (index - (len(series) - 1) / 2) * width for i in range(len(names))]
        axes.bar(positions, [_f(v) for v in values], width=width, label=label,
                 color=colours[index % len(colours)])  # fmt: skip
    axes.set_xticks(range(len(names)), [n if len(n) <= 12 else n[:11] + "…" for n in names],
                    fontsize=8)  # fmt: skip
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # 1,200,000 not 1.2e6
    axes.legend(prop={"family": cjk_font(), "size": 8}, frameon=False)
    _style(axes, title)
    return _png(figure)
