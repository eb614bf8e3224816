"""``policyledger monitoring import FILE``: import a (large) release with a progress indicator."""

from __future__ import annotations

from decimal import Decimal

import click


@click.group("monitoring")
def monitoring() -> None:
    """消费市场运行监测：导入统计月报。"""


@monitoring.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--region", default="")
@click.option("--year", type=int, default=None)
@click.option("--month", type=int, default=None)
@click.option("--tolerance", default="0", help="同比容差（百分点）")
def import_command(path: str, region: str, year, month, tolerance: str) -> None:
    """导入文件（一个事务：有任何问题则一条也不写入）。"""
    import os
    from pathlib import Path

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")
    django.setup()
    from django.conf import settings

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    from policyledger.releases.reader import count_lines
    from policyledger.web.monitoring.services.importing import ImportError_, import_release

    total = count_lines(path) if path.lower().endswith(".csv") else None
    with click.progressbar(length=total or 0, label="导入", show_pos=True) as bar:
        done = [0]

        def progress(rows: int, _total) -> None:
            bar.update(rows - done[0])
            done[0] = rows

        try:
            result = import_release(
                path, path, region=region, year=year, month=month,
                yoy_tolerance=Decimal(tolerance), progress=progress, total_rows=total,
            )  # fmt: skip
        except ImportError_ as error:
            click.echo("", err=True)
            for problem in error.problems:
                click.echo(str(problem), err=True)
            raise SystemExit(1) from error
    click.echo(
        f"已导入{result.values}条数值，新登记指标{result.new_indicators}个，用时{result.seconds:.1f}秒"
    )


@monitoring.command("import-weekly")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, help="导入人（管理员，或指标报送单位的填报人）")
def import_weekly_command(path: str, username: str) -> None:
    """导入重点监测企业周度数据（csv：地区,指标,周,本周值），全部成功或全部不写入。"""
    from pathlib import Path

    from policyledger.web.core.cli import setup_django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied

    from policyledger.web.monitoring.services.weekly import WeeklyError, import_weekly_csv

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise click.ClickException(f"没有用户{username}")
    try:
        result = import_weekly_csv(Path(path).read_bytes(), user)
    except (WeeklyError, PermissionDenied) as error:
        for problem in getattr(error, "extra", {}).get("problems", []) or [str(error)]:
            click.echo(problem, err=True)
        raise SystemExit(1) from error
    click.echo(f"已导入{result.values}条周度数值（{result.first_week}至{result.last_week}所在周）")
