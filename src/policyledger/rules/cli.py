"""``policyledger rules``: test and evaluate rule sets from the command line (no Django)."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click


def _load(path: Path) -> Any:
    from policyledger.rules import RuleError, RuleSet, RuleVersion

    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise click.ClickException(f"{path}：无法读取（{exc.strerror}）") from None
    except ValueError as exc:
        raise click.ClickException(f"{path}：不是有效的 JSON（{exc}）") from None
    try:
        if isinstance(data, dict) and "versions" in data:
            return RuleSet.from_dict(data)
        if isinstance(data, dict) and "nodes" in data:  # a bare JDM: one undated version
            return RuleSet("", path.stem, [RuleVersion("1", date.min, data)])
    except RuleError as exc:
        raise click.ClickException(f"{path}：{exc}") from None
    raise click.ClickException(f"{path}：既不是规则集（versions）也不是 JDM（nodes）")


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期格式应为 YYYY-MM-DD：{value}") from None


@click.group()
def rules() -> None:
    """补贴规则：运行测试用例、计算单个申请。

    \b
    示例：
      policyledger rules test src/policyledger/rules/data/jinan-appliance-tradein-2025.json
    """


@rules.command("test")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--date", "on", help="只测试该日期（YYYY-MM-DD）生效的版本；默认测试全部版本。")
def test_command(file: Path, on: str | None) -> None:
    """运行规则集各版本的测试用例；有未通过的用例时退出码为 1。

    \b
    示例：
      policyledger rules test src/policyledger/rules/data/jinan-appliance-tradein-2025.json
    """
    from policyledger.rules import RuleError, run_cases

    ruleset = _load(file)
    day = _parse_date(on)
    try:
        versions = [ruleset.version_for(day)] if day else ruleset.versions
    except RuleError as exc:
        raise click.ClickException(str(exc)) from None
    failed = total = 0
    for version in versions:
        try:
            results = run_cases(version)
        except RuleError as exc:
            raise click.ClickException(f"版本 {version.version}：{exc}") from None
        if not results:
            click.echo(f"版本 {version.version}：没有测试用例（不能发布）")
            failed += 1
        for res in results:
            total += 1
            mark = "通过" if res.passed else "失败"
            click.echo(
                f"[{mark}] {version.version} {res.case.name}"
                + ("" if res.passed else f"：{res.message}")
            )
            failed += not res.passed
    click.echo(f"共 {total} 个用例，失败 {failed} 个")
    if failed:
        sys.exit(1)


@rules.command("eval")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--input", "input_json", required=True, help="输入 JSON（金额为整数分）；`-` 从标准输入读取。"
)
@click.option("--date", "on", help="申请日期（YYYY-MM-DD），用当日生效的版本；默认今天。")
def eval_command(file: Path, input_json: str, on: str | None) -> None:
    """按规则计算一个申请，输出金额（分）、是否符合、原因、封顶和命中的规则行（JSON）。

    \b
    示例：
      policyledger rules eval src/policyledger/rules/data/jinan-appliance-tradein-2025.json --date 2025-03-01 --input '{"buyer_type": "个人消费者", "category": "电冰箱", "efficiency_grade": "1级", "price_fen": 399900, "items_claimed": 0}'
    """
    from policyledger.rules import RuleError

    ruleset = _load(file)
    text = sys.stdin.read() if input_json == "-" else input_json
    try:
        inputs = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise click.ClickException(f"--input 不是有效的 JSON：{exc}") from None
    day = _parse_date(on) or date.today()
    try:
        version, decision = ruleset.decide(day, inputs)
    except RuleError as exc:
        raise click.ClickException(str(exc)) from None
    out = {"version": version.version, **decision.as_dict()}
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


@rules.command("whatif")
@click.argument("baseline", type=click.Path(path_type=Path))
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--budget", required=True, help="预算（元，如 30000000 或 3000万 请写数字）。")
@click.option(
    "--population",
    "population_file",
    type=click.Path(path_type=Path),
    help="人群数据（JSON Lines，每行一个申请，金额为整数分）。",
)
@click.option(
    "--generate", type=int, help="不给 --population 时，生成这么多张济南家电发票（可复现）。"
)
@click.option("--by", default="district", show_default=True, help="分组列。")
@click.option("--date", "on", help="两个规则集都取该日（YYYY-MM-DD）生效的版本；默认今天。")
def whatif_command(
    baseline: Path,
    scenario: Path,
    budget: str,
    population_file: Path | None,
    generate: int | None,
    by: str,
    on: str | None,
) -> None:
    """试算：同一批申请按现行规则与调整后规则并排计算总成本、受益人次、占预算比例、资金用完时点、分区县兑付。

    \b
    示例：
      policyledger rules whatif 现行.json 调整.json --budget 30000000 --generate 100000
    """
    from policyledger.rules import RuleError, whatif, yuan_to_fen
    from policyledger.rules.population import appliance_invoices, columns_from_records

    day = _parse_date(on) or date.today()
    try:
        budget_fen = yuan_to_fen(budget)
        rules_now = [_load(path).version_for(day).jdm for path in (baseline, scenario)]
        if population_file is not None:
            records = []
            with population_file.open(encoding="utf-8") as fh:
                for number, line in enumerate(fh, start=1):
                    if line.strip():
                        try:
                            records.append(json.loads(line, parse_float=Decimal))
                        except ValueError as exc:
                            raise click.ClickException(
                                f"{population_file} 第{number}行不是有效的 JSON：{exc}"
                            ) from None
            population = columns_from_records(records)
            if "submitted_at" in population and population["submitted_at"].dtype.kind not in "iuM":
                raise click.ClickException("submitted_at 列须为整数（申报先后）")
        elif generate:
            population = appliance_invoices(generate)
        else:
            raise click.ClickException("请给出 --population 文件或 --generate 数量")
        result = whatif(
            rules_now[0], rules_now[1], population, budget_fen, by=by if by in population else None
        )
    except OSError as exc:
        raise click.ClickException(f"无法读取：{exc}") from None
    except RuleError as exc:
        raise click.ClickException(str(exc)) from None
    from rich.console import Console
    from rich.table import Table

    table = Table(title="试算：现行 vs 调整后")
    table.add_column("指标")
    table.add_column("现行", justify="right")
    table.add_column("调整后", justify="right")
    for row in result.table():
        table.add_row(*row)
    Console(width=100).print(table)
