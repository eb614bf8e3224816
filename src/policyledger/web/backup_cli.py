"""`policyledger backup PATH` / `policyledger restore PATH` (logic in policyledger.web.backup).

Django is set up inside each command, so `policyledger --help` needs no database.
"""

from __future__ import annotations

from pathlib import Path

import click

from policyledger.web.core.cli import setup_django as _django


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """备份平台数据库到文件 PATH（可在平台运行、有人报送时进行）。

    SQLite 使用其在线备份接口；PostgreSQL 使用 pg_dump -Fc（需安装 postgresql-client）。
    文件写完整后才出现在 PATH，已有同名文件会被替换。

    \b
    示例：
      policyledger backup var/backup-2026-12-06.db
    """
    _django()
    from policyledger.web.backup import BackupError
    from policyledger.web.backup import backup as do_backup

    try:
        written = do_backup(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已备份到 {written}（{written.stat().st_size:,} 字节）")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="不再确认，直接恢复")
def restore(path: Path, yes: bool) -> None:
    """用备份文件 PATH 替换平台数据库的全部内容。

    恢复前请停止网站和后台任务进程。恢复要么全部完成，要么数据库保持原样。

    \b
    示例：
      policyledger restore var/backup-2026-12-06.db
    """
    if not yes:
        click.confirm(f"将用 {path} 替换当前数据库的全部内容，确定吗？", abort=True)
    _django()
    from policyledger.web.backup import BackupError
    from policyledger.web.backup import restore as do_restore

    try:
        do_restore(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已从 {path} 恢复数据库")


COMMANDS = [backup, restore]
