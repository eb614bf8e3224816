"""`policyledger subsidies ...`: thin commands over the subsidy services (Django imported inside)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from policyledger.web.core.cli import ServiceGroup as _Group
from policyledger.web.core.cli import setup_django as _django


@click.group(cls=_Group)
def subsidies() -> None:
    """政策兑现：资金审计、免申即享导入、上级奖补测算。"""


def _programme(pk: int):
    from policyledger.web.subsidies.models import Programme

    try:
        return Programme.objects.get(pk=pk)
    except Programme.DoesNotExist:
        raise click.ClickException(f"兑现项目{pk}不存在") from None


@subsidies.command()
@click.option("--programme", "programme_id", type=int, help="只审计这个项目（默认全部）")
def audit(programme_id: int | None) -> None:
    """检查每个项目、每个地区：已拨付 ≤ 已承诺 ≤ 资金总额（上限），计数与名单一致；一张发票只用一次。"""
    _django()
    from policyledger.web.subsidies.services.audit import audit as run

    programme = _programme(programme_id) if programme_id else None
    problems = run(programme)
    if problems:
        for line in problems:
            click.echo(f"✗ {line}")
        click.echo(f"共发现{len(problems)}个问题")
        sys.exit(1)
    click.echo("审计通过：资金未超额承诺、未超额拨付，发票无重复使用")


@subsidies.command("import")
@click.option("--programme", "programme_id", type=int, required=True, help="兑现项目编号")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_records(programme_id: int, path: Path) -> None:
    """免申即享：导入开票记录（xlsx 或 csv），按规则生成待确认的兑现名单。"""
    _django()
    from policyledger.web.subsidies.services.auto import import_invoices

    result = import_invoices(_programme(programme_id), path.read_bytes(), path.name)
    click.echo(
        f"导入{result.rows}行：生成{result.created}条待确认名单，"
        f"{result.not_eligible}行不符合条件，合计{result.total_yuan}元"
    )


@subsidies.command()
@click.option("--programme", "programme_id", type=int, required=True, help="上级奖补项目编号")
def transfer(programme_id: int) -> None:
    """按消费券账本的实际核销额测算上级奖补（如省财政按20%奖补，省辖市2000万元、县400万元封顶）。"""
    _django()
    from policyledger.web.subsidies.services.auto import compute_transfer

    for line in compute_transfer(_programme(programme_id)):
        click.echo(line)
