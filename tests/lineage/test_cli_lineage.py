"""`policyledger lineage propose` on files written for the tests."""

from __future__ import annotations

import json

from click.testing import CliRunner
from lineage_texts import CHILD_TEXT, PARENT_TEXT

from policyledger.cli import main


def _files(tmp_path):
    parent, child = tmp_path / "市实施意见.txt", tmp_path / "区若干措施.txt"
    parent.write_text(PARENT_TEXT, encoding="utf-8")
    child.write_text(CHILD_TEXT, encoding="utf-8")
    return str(parent), str(child)


def test_json_output_has_the_documented_shape(tmp_path) -> None:
    result = CliRunner().invoke(main, ["lineage", "propose", *_files(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"parent", "child", "proposals"}
    assert data["parent"]["title"].startswith("市政府办公室关于推进社区养老服务")
    proposals = data["proposals"]
    assert [p["child"]["number"] for p in proposals] == ["（一）", "（二）", "（三）", "（四）"]
    first = proposals[0]["candidates"][0]
    assert first["parent"]["number"] == "（一）" and first["confidence"] == "high"
    assert any("综合性社区养老服务中心" in s for s in first["shared"])
    # The child's own measure (parking) has no plausible parent: an empty list, not a guess.
    assert proposals[3]["candidates"] == []


def test_table_output(tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["lineage", "propose", *_files(tmp_path), "--format", "table"]
    )
    assert result.exit_code == 0, result.output
    assert "建设社区养老服务中心" in result.output and "高" in result.output


def test_limit(tmp_path) -> None:
    result = CliRunner().invoke(main, ["lineage", "propose", *_files(tmp_path), "--limit", "1"])
    assert all(len(p["candidates"]) <= 1 for p in json.loads(result.output)["proposals"])


def test_missing_file_is_a_chinese_error(tmp_path) -> None:
    parent, _child = _files(tmp_path)
    result = CliRunner().invoke(main, ["lineage", "propose", parent, str(tmp_path / "无.txt")])
    assert result.exit_code == 1
    assert "文件不存在" in result.output


def test_a_folder_is_refused(tmp_path) -> None:
    parent, _child = _files(tmp_path)
    result = CliRunner().invoke(main, ["lineage", "propose", parent, str(tmp_path)])
    assert result.exit_code == 1
    assert "请给出一个文件" in result.output


def test_stdin_for_one_side(tmp_path) -> None:
    parent, _child = _files(tmp_path)
    result = CliRunner().invoke(main, ["lineage", "propose", parent, "-"], input=CHILD_TEXT)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["child"]["name"] == "stdin"


def test_stdin_twice_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["lineage", "propose", "-", "-"])
    assert result.exit_code == 2
    assert "标准输入" in result.output
