"""`policyledger demo | worker | warnings | manage`: the platform's commands.

Django is imported inside each command, so `policyledger --help` needs no database.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click

from policyledger.web.core.cli import setup_django as _django

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "corpus"


def _fail_cleanly(exc: Exception) -> None:
    if type(exc).__module__.startswith(("django.db", "psycopg", "sqlite3")):
        raise click.ClickException(f"数据库不可用或尚未迁移：{exc}") from None
    raise exc


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="服务监听地址")
@click.option("--port", default=8000, show_default=True, type=int, help="服务端口")
@click.option(
    "--samples",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="示例文件目录（默认 samples/corpus）",
)
@click.option("--no-serve", is_flag=True, help="只准备数据，不启动服务")
def demo(host: str, port: int, samples: Path | None, no_serve: bool) -> None:
    """准备演示数据并启动平台（SQLite，位于 ./var）。

    迁移数据库，导入并发布五个示例文件，创建演示单位、用户和几期进展报送，
    然后启动网站和后台任务进程，并打印登录账号。

    \b
    示例：
      policyledger demo --host 127.0.0.1 --port 8000
    """
    # The demo's own random keys, kept under ./var (settings.py refuses the public default).
    os.environ.setdefault("POLICYLEDGER_DEMO", "1")
    if host not in ("127.0.0.1", "localhost"):
        hosts = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
        os.environ["ALLOWED_HOSTS"] = f"{hosts},{host}"
    from policyledger.web import lifeline

    samples = samples or SAMPLES
    if not samples.is_dir():
        raise click.ClickException(f"找不到示例文件目录：{samples}")
    # Before any set-up: a demo that cannot serve must not migrate, load or start anything.
    if not no_serve and (why := lifeline.port_taken(host, port)):
        raise click.ClickException(why)
    _django()
    from django.core.management import call_command

    from policyledger.web.demo import seed

    click.echo("迁移数据库……")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    click.echo("导入示例文件、发布任务、生成演示报送……")
    creds = seed(samples)
    # Lineage demo data when the lineage app is installed (tracking does not depend on it).
    if importlib.util.find_spec("policyledger.web.lineage.demo") is not None:
        from policyledger.web.lineage.demo import seed_lineage

        for line in seed_lineage(samples):
            click.echo(line)
    click.echo("\n演示账号：")
    for c in creds:
        unit = f"（{c.unit}）" if c.unit else ""
        click.echo(f"  {c.role}{unit}：用户名 {c.username}  密码 {c.password}")
    if no_serve:
        return
    click.echo(f"\n打开 http://{host}:{port}/ ，按 Ctrl+C 停止。\n")
    from policyledger.web.tracking.jobs import ensure_daily_warnings

    ensure_daily_warnings()
    # The worker stops itself when this process ends, however it ends (runserver may leave
    # with os._exit); SIGTERM unwinds like Ctrl+C so it is also stopped here in order.
    worker_proc = lifeline.start_tied(["db_worker"])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
    finally:
        lifeline.stop(worker_proc)


@click.command()
@click.option(
    "--processes", default=1, show_default=True, type=click.IntRange(1, 32), help="工作进程数"
)
@click.option("--batch", is_flag=True, help="处理完队列中已有的任务后退出（适合定时任务和测试）")
def worker(processes: int, batch: bool) -> None:
    """运行后台任务进程（文件解析、每日预警）。

    多个进程可同时运行：每个任务只被一个进程领取。启动时若尚未安排每日预警任务，
    会安排一个（每天 WARNING_HOUR 点运行，运行后自动安排下一天）。

    \b
    示例：
      policyledger worker --processes 2
      policyledger worker --batch
    """
    _django()
    from django.core.management import call_command

    from policyledger.web.tracking.jobs import ensure_daily_warnings

    try:
        ensure_daily_warnings()
    except Exception as exc:
        _fail_cleanly(exc)
    extra = ["--batch"] if batch else []
    if processes == 1:
        call_command("db_worker", "--no-startup-delay", *extra)
        return
    children = [
        subprocess.Popen([sys.executable, "-m", "policyledger.web.manage", "db_worker", *extra])
        for _ in range(processes)
    ]
    stop = threading.Event()

    def forward(signum, _frame):
        stop.set()
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    codes = [child.wait() for child in children]
    if any(codes) and not stop.is_set():
        raise click.ClickException(f"工作进程异常退出：{codes}")


@click.command()
@click.option("--now", "now_text", default=None, help="按此时间计算（ISO 格式，默认当前时间）")
def warnings(now_text: str | None) -> None:
    """运行一次预警：更新任务的正常/临期/逾期和单位的未按期报送状态。

    可与其他进程同时运行，每次状态变化只记录一次。

    \b
    示例：
      policyledger warnings
      policyledger warnings --now 2022-12-20T06:00:00+08:00
    """
    now = None
    if now_text:
        try:
            now = dt.datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter(
                "时间格式应为 ISO 8601，例如 2022-12-20T06:00:00+08:00", param_hint="--now"
            ) from None
    _django()
    from django.utils import timezone

    from policyledger.web.tracking.services.warnings import run_warnings

    if now is not None and timezone.is_naive(now):
        now = timezone.make_aware(now)
    try:
        run = run_warnings(now)
    except Exception as exc:
        _fail_cleanly(exc)
    click.echo(f"预警完成（{timezone.localtime(run.now):%Y年%m月%d日 %H:%M}）：{run.summary()}")


@click.command(
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    }
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Django 管理命令（等同于 manage.py），参数原样传递。

    \b
    示例：
      policyledger manage migrate
      policyledger manage createsuperuser
    """
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["policyledger manage", *args])


COMMANDS = [demo, worker, warnings, manage]
