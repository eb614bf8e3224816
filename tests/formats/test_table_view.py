"""The rich terminal summary, rendered to a string."""

from __future__ import annotations

import io

from rich.console import Console

from policyledger.formats.table import render


def _render(document, width: int = 160) -> str:
    buffer = io.StringIO()
    render(document, Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def test_measures_units_targets_and_diagnostics_are_shown(document) -> None:
    text = _render(document)
    for expected in [
        "关于促进消费的若干措施",
        "某政办发〔2022〕1号",
        "措施数：2",
        "1·一、",  # two parts: the number says which
        "2·二、",
        "举办促消费活动",
        "市商务局、市财政局",
        "配合：各县区",
        "每人最高3万元",
        "2022年12月31日",
        "[missing_number] 未找到编号（三）",
    ]:
        assert expected in text, expected


def test_narrow_terminal_folds_instead_of_dropping(document) -> None:
    text = _render(document, width=60)
    # Cut-off cells end in an ellipsis; folded ones keep every character somewhere.
    assert "…" not in text
    assert "[missing_number]" in text
