"""``policyledger release check FILE``: check a monthly release without a database."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click

from policyledger.releases import ReleaseError, read_release


@click.group("release")
def release() -> None:
    """统计月报（社会消费品零售总额等）文件的检查。"""


@release.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--region", default="", help="地区（文件中没有“地区”列时）")
@click.option("--year", type=int, default=None, help="年份（标题中没有时）")
@click.option("--month", type=int, default=None, help="月份（标题中没有时）")
@click.option("--tolerance", default="0", help="同比容差（百分点）")
def check(path: str, region: str, year: int | None, month: int | None, tolerance: str) -> None:
    """检查文件：数字、单位、缺月、同比与数值是否相符；有问题时逐条列出并以状态 1 退出。"""
    try:
        slack = Decimal(tolerance)
    except InvalidOperation as exc:
        raise click.BadParameter("同比容差须为数字", param_hint="--tolerance") from exc
    rows = series = 0
    seen = set()
    try:
        for chunk in read_release(
            path, path, region=region, year=year, month=month, yoy_tolerance=slack
        ):
            rows += len(chunk)
            seen.update((r.region, r.name) for r in chunk)
    except ReleaseError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from error
    series = len(seen)
    click.echo(f"检查通过：{rows}条数值，{series}个指标")
