"""The ``policyledger`` command, run for real: click's CliRunner and the installed console script."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from policyledger.cli import main
from policyledger.formats.json_lines import load_schema, schema_errors
from policyledger.formats.rows import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "corpus").glob("*.txt"))
SCRIPT = Path(sys.executable).parent / "policyledger"


def _sample(prefix: str) -> Path:
    return next(p for p in SAMPLES if p.name.startswith(prefix))


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def _measure_count(path: Path) -> int:
    result = run("parse", str(path))
    assert result.exit_code == 0, result.output
    return len(json.loads(result.stdout)["measures"])


def test_one_file_gives_one_object_that_follows_the_schema() -> None:
    result = run("parse", str(_sample("004")))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert schema_errors(data) == []
    assert data["source"]["name"] == _sample("004").name
    assert data["measures"]


def test_several_files_give_json_lines_in_order() -> None:
    result = run("parse", *map(str, SAMPLES))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line)["source"]["name"] for line in lines] == [p.name for p in SAMPLES]
    assert all(schema_errors(json.loads(line)) == [] for line in lines)


def test_a_folder_is_json_lines_even_with_one_file(tmp_path: Path) -> None:
    shutil.copy(_sample("002"), tmp_path / "a.txt")
    result = run("parse", str(tmp_path))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1
    assert json.loads(result.stdout.splitlines()[0])["source"]["name"] == "a.txt"


def _bad_folder(tmp_path: Path) -> Path:
    """Good and bad files, nested: a GBK text, a .docx renamed .txt, an xlsx renamed .txt, junk."""
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(_sample("004"), folder / "a_004.txt")
    text = _sample("002").read_text(encoding="utf-8")
    (folder / "sub" / "b_gbk.txt").write_bytes(text.encode("gb18030"))
    document = docx.Document()
    for line in _sample("004").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(folder / "c_word.txt")
    workbook = io.BytesIO()
    Workbook().save(workbook)
    (folder / "d_sheet.txt").write_bytes(workbook.getvalue())
    (folder / "e_junk.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    (folder / "ignored.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return folder


def test_bad_files_in_a_folder_do_not_stop_the_others(tmp_path: Path) -> None:
    result = run("parse", str(_bad_folder(tmp_path)))
    assert result.exit_code == 1
    names = [json.loads(line)["source"]["name"] for line in result.stdout.splitlines()]
    assert names == ["a_004.txt", "c_word.txt", "b_gbk.txt"]  # sorted by path; png not tried
    assert "d_sheet.txt" in result.stderr and "Excel" in result.stderr
    assert "e_junk.pdf" in result.stderr and "PDF" in result.stderr
    assert "共 5 个输入，2 个失败" in result.stderr
    assert "Traceback" not in result.stderr


def test_docx_renamed_txt_and_gbk_parse_like_the_utf8_text(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path)
    expected = _measure_count(_sample("004"))
    assert _measure_count(folder / "c_word.txt") == expected
    assert _measure_count(folder / "sub" / "b_gbk.txt") == _measure_count(_sample("002"))


def test_missing_file_is_a_chinese_error_and_exit_1(tmp_path: Path) -> None:
    result = run("parse", str(tmp_path / "没有.txt"), str(_sample("004")))
    assert result.exit_code == 1
    assert f"{tmp_path / '没有.txt'}：文件不存在" in result.stderr
    assert json.loads(result.stdout.splitlines()[0])["measures"]  # the good file still came out


def test_unsupported_type_named_explicitly(tmp_path: Path) -> None:
    image = tmp_path / "扫描.txt"
    image.write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    result = run("parse", str(image))
    assert result.exit_code == 1
    assert "不支持的文件类型：JPEG 图片" in result.stderr
    assert result.stdout == ""


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    result = run("parse", str(tmp_path))
    assert result.exit_code == 1
    assert "没有可解析的文件" in result.stderr


def test_stdin_in_gbk() -> None:
    data = _sample("004").read_text(encoding="utf-8").encode("gb18030")
    result = run("parse", "-", input=data)
    assert result.exit_code == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["source"]["name"] == "stdin"
    assert len(parsed["measures"]) == _measure_count(_sample("004"))


def test_table_shows_measures_and_units() -> None:
    result = run("parse", str(_sample("004")), "--format", "table")
    assert result.exit_code == 0
    data = json.loads(run("parse", str(_sample("004"))).stdout)
    first = data["measures"][0]
    assert first["number"] in result.stdout
    assert first["lead_units"][0] in result.stdout
    assert f"措施数：{len(data['measures'])}" in result.stdout


def test_xlsx_needs_output() -> None:
    result = run("parse", str(_sample("004")), "--format", "xlsx")
    assert result.exit_code == 2
    assert "xlsx 格式需要用 -o 指定输出文件" in result.stderr


def test_xlsx_one_sheet_per_document_one_row_per_measure(tmp_path: Path) -> None:
    out = tmp_path / "任务分解表.xlsx"
    result = run("parse", *map(str, SAMPLES), "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    workbook = load_workbook(out)
    assert len(workbook.sheetnames) == len(SAMPLES)
    for sheet, path in zip(workbook.worksheets, SAMPLES, strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == COLUMNS
        measures = json.loads(run("parse", str(path)).stdout)["measures"]
        assert len(rows) - 1 == len(measures), path.name
        assert [row[2] for row in rows[1:]] == [m["text"] for m in measures]


def test_xlsx_written_for_good_files_when_one_fails(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    result = run("parse", str(_bad_folder(tmp_path)), "-f", "xlsx", "-o", str(out))
    assert result.exit_code == 1
    assert len(load_workbook(out).sheetnames) == 3


def test_markdown_table_rows() -> None:
    result = run("parse", str(_sample("002")), "--format", "md")
    assert result.exit_code == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert rows[0] == "| " + " | ".join(COLUMNS) + " |"
    assert len(rows) - 1 == _measure_count(_sample("002"))


def test_output_file_for_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "结果.jsonl"
    result = run("parse", *map(str, SAMPLES[:2]), "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2


def test_schema_prints_the_shipped_schema() -> None:
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == load_schema()


def test_help_is_the_docstring_with_examples() -> None:
    result = run("parse", "--help")
    assert result.exit_code == 0
    assert "policyledger parse 文件夹/ --format xlsx -o 任务分解表.xlsx" in result.stdout


def test_cli_import_does_not_load_django_or_the_parser() -> None:
    code = (
        "import sys, policyledger.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('django', 'policyledger.parsing', "
        "'openpyxl', 'docx', 'pypdf'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def script() -> Path:
    if not SCRIPT.exists():
        pytest.fail(f"console script {SCRIPT} is not installed (pip install -e .)")
    return SCRIPT


def test_installed_script_over_the_corpus(script: Path) -> None:
    result = subprocess.run(
        [str(script), "parse", *map(str, SAMPLES), "--format", "json"],
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(SAMPLES)
    assert all(schema_errors(json.loads(line)) == [] for line in lines)


def test_installed_script_progress_bar_on_stderr_only(script: Path, tmp_path: Path) -> None:
    for path in SAMPLES:
        shutil.copy(path, tmp_path / path.name)
    env = {**os.environ, "FORCE_COLOR": "1", "TERM": "xterm", "COLUMNS": "100"}
    result = subprocess.run(
        [str(script), "parse", str(tmp_path)], capture_output=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "解析中" in result.stderr.decode("utf-8")
    assert len(result.stdout.decode("utf-8").splitlines()) == len(SAMPLES)


def test_installed_script_missing_file_exit_code(script: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(script), "parse", str(tmp_path / "nope.txt")], capture_output=True, timeout=60
    )
    assert result.returncode == 1
    assert "文件不存在" in result.stderr.decode("utf-8")
    assert b"Traceback" not in result.stderr


def test_unwritable_output_is_a_chinese_error(tmp_path: Path) -> None:
    out = tmp_path / "没有这个文件夹" / "结果.json"
    result = run("parse", str(_sample("004")), "-o", str(out))
    assert result.exit_code == 1
    assert f"无法写入输出文件 {out}（文件或所在文件夹不存在）" in result.stderr


def test_aliases_file_merges_abbreviations(tmp_path) -> None:
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("# 本单位简称\n发改委\t发展改革委\n", encoding="utf-8")
    sample = _sample("004")
    plain = CliRunner().invoke(main, ["parse", str(sample)])
    merged = CliRunner().invoke(main, ["parse", str(sample), "--aliases", str(aliases)])
    assert plain.exit_code == 0 and merged.exit_code == 0
    plain_units = json.loads(plain.output)["measures"][0]["lead_units"]
    merged_units = json.loads(merged.output)["measures"][0]["lead_units"]
    assert "市发改委" in plain_units
    assert "市发展改革委" in merged_units and "市发改委" not in merged_units


def test_missing_aliases_file_is_a_clear_error(tmp_path) -> None:
    sample = _sample("004")
    result = CliRunner().invoke(main, ["parse", str(sample), "--aliases", str(tmp_path / "无.tsv")])
    assert result.exit_code == 2
    assert "单位别名表" in result.output


def test_measure_level_reads_the_measures_at_the_level_given(tmp_path) -> None:
    text = (
        "一、重点任务\n（一）夯实数字基础\n"
        "1.推进光网建设。加快光纤改造。（责任单位：市通信办）\n"
        "2.完善算力设施。建设算力中心。（责任单位：市发展改革委）\n"
        "（二）深化融合应用\n1.推动数字化改造。支持智能工厂。（责任单位：市工信局）\n"
    )
    path = tmp_path / "方案.txt"
    path.write_text(text, encoding="utf-8")
    default = json.loads(run("parse", str(path)).output)
    chosen = json.loads(run("parse", str(path), "--measure-level", "（一）").output)
    assert [m["number"] for m in default["measures"]] == ["1.", "2.", "1."]
    assert [m["number"] for m in chosen["measures"]] == ["（一）", "（二）"]
    assert chosen["measures"][0]["lead_units"] == ["市通信办", "市发展改革委"]
    wrong = CliRunner().invoke(main, ["parse", str(path), "--measure-level", "甲"])
    assert wrong.exit_code == 2 and "无法识别的措施层级" in wrong.output
