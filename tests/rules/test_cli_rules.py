"""`policyledger rules test` and `policyledger rules eval`."""

from __future__ import annotations

import json

from click.testing import CliRunner
from rules_jdm import JINAN_FILE, chain, expr_node

from policyledger.cli import main


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["rules", *args], input=stdin)


def test_eval_prints_the_explained_decision() -> None:
    inputs = {
        "buyer_type": "个人消费者",
        "category": "电视机",
        "efficiency_grade": "1级",
        "price_fen": 1_200_000,
        "items_claimed": 0,
    }
    result = run(
        "eval",
        str(JINAN_FILE),
        "--date",
        "2025-03-01",
        "--input",
        json.dumps(inputs, ensure_ascii=False),
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["amount_fen"] == 200_000 and out["cap_applied"] == "每件补贴上限2000元"
    assert out["version"] == "2025.1" and any(s.get("matched") for s in out["trace"])


def test_eval_reads_stdin_and_a_bare_jdm(tmp_path) -> None:
    path = tmp_path / "rule.json"
    path.write_text(json.dumps(chain(expr_node("c", ("amount_fen", "round(price_fen * 0.15)")))))
    result = run("eval", str(path), "--input", "-", stdin='{"price_fen": 1010}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["amount_fen"] == 152


def test_eval_with_no_version_in_force_fails_in_chinese() -> None:
    result = run("eval", str(JINAN_FILE), "--date", "2026-02-01", "--input", "{}")
    assert result.exit_code == 1 and "没有生效的版本" in result.output


def test_eval_refuses_bad_json_and_bad_dates() -> None:
    assert "不是有效的 JSON" in run("eval", str(JINAN_FILE), "--input", "{").output
    assert (
        "YYYY-MM-DD" in run("eval", str(JINAN_FILE), "--date", "1.1.2025", "--input", "{}").output
    )


def test_test_fails_with_exit_1_when_a_case_fails(tmp_path) -> None:
    data = json.loads(JINAN_FILE.read_text(encoding="utf-8"))
    data["versions"][0]["cases"][0]["expected"]["amount_fen"] += 1
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run("test", str(path))
    assert result.exit_code == 1
    assert "[失败]" in result.output and "失败 1 个" in result.output


def test_test_on_a_missing_file() -> None:
    result = run("test", "/nonexistent/rules.json")
    assert result.exit_code == 1 and "无法读取" in result.output


def test_whatif_side_by_side_from_a_file(tmp_path) -> None:
    base = tmp_path / "base.json"
    scen = tmp_path / "scen.json"
    base.write_text(json.dumps(chain(expr_node("c", ("amount_fen", "round(price_fen * 0.1)")))))
    scen.write_text(json.dumps(chain(expr_node("c", ("amount_fen", "round(price_fen * 0.2)")))))
    people = tmp_path / "people.jsonl"
    people.write_text(
        "\n".join(
            json.dumps({"price_fen": p, "district": d, "submitted_at": t}, ensure_ascii=False)
            for p, d, t in [(1000, "甲区", 2), (3000, "乙区", 1), (5000, "甲区", 3)]
        ),
        encoding="utf-8",
    )
    result = run("whatif", str(base), str(scen), "--budget", "8", "--population", str(people))
    assert result.exit_code == 0, result.output
    rows = {
        cells[0]: cells[1:]
        for line in result.output.splitlines()
        if (cells := [c.strip() for c in line.strip("│ ").split("│")]) and len(cells) == 3
    }
    assert rows["总成本（元）"] == ["9.00", "18.00"]
    # in submission order 3.00, 1.00 | 5.00 and 6.00, 2.00 | 10.00: the 8元 pool stops at the third
    assert rows["预算内兑付（元）"] == ["4.00", "8.00"]
    assert rows["资金用完于"] == ["第3笔（3）", "第3笔（3）"]
    assert rows["甲区：预算内兑付（元）"] == ["1.00", "2.00"]


def test_whatif_generated_population_and_errors() -> None:
    ok = run(
        "whatif",
        str(JINAN_FILE),
        str(JINAN_FILE),
        "--budget",
        "30000",
        "--generate",
        "500",
        "--date",
        "2025-05-01",
    )
    assert ok.exit_code == 0, ok.output and "总成本" in ok.output
    assert (
        "--population"
        in run(
            "whatif", str(JINAN_FILE), str(JINAN_FILE), "--budget", "1", "--date", "2025-05-01"
        ).output
    )
    bad = run(
        "whatif",
        str(JINAN_FILE),
        str(JINAN_FILE),
        "--budget",
        "1.234",
        "--generate",
        "5",
        "--date",
        "2025-05-01",
    )
    assert bad.exit_code == 1 and "两位小数" in bad.output
