"""The ``policyledger`` command: a thin click layer over the library.

Each command is a few lines that call ``policyledger.parsing`` / ``policyledger.formats``; its
docstring (with an example) is its ``--help``. Add a command by appending a ``@main.command()``
function. Import heavy or Django modules inside the command, never at the top of this file, so that
``policyledger --help`` stays fast and works without a database.
"""

from __future__ import annotations

import errno
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from policyledger import __version__

if TYPE_CHECKING:
    from policyledger.parsing.model import Document

logger = logging.getLogger("policyledger.cli")

SUFFIXES = (".txt", ".docx", ".pdf")
FORMATS = ("json", "table", "xlsx", "md")
# Above this many inputs a progress bar goes to stderr.
PROGRESS_MIN_FILES = 4


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policyledger")
def main() -> None:
    """政策落实台账：把政策文件拆解为可跟踪的任务。

    \b
    示例：
      policyledger parse 实施方案.docx --format table
      policyledger schema
    """


@dataclass
class Input:
    """One document to read: a file path, or stdin when ``path`` is None."""

    label: str
    path: Path | None


class InputError(Exception):
    """A PATH argument that names nothing readable (message in Chinese)."""


def expand_paths(paths: tuple[str, ...]) -> Iterator[Input | InputError]:
    """Files as given, folders recursed for .txt/.docx/.pdf (sorted), ``-`` for stdin."""
    for raw in paths:
        if raw == "-":
            yield Input("<stdin>", None)
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            if not found:
                yield InputError(f"{raw}：文件夹中没有可解析的文件（{' '.join(SUFFIXES)}）")
            for file in found:
                yield Input(str(file), file)
        elif path.is_file():
            # An explicit file is read whatever its name: the reader sniffs the content.
            yield Input(raw, path)
        elif path.exists():
            yield InputError(f"{raw}：不是普通文件")
        else:
            yield InputError(f"{raw}：文件不存在")


def _level_style(example: str) -> str | None:
    """The numbering style a marker such as （一） or 1. is written in (its name in numbering.json)."""
    from policyledger.parsing.outline import STYLES

    text = example.strip().translate(str.maketrans("()．﹒", "（）.."))
    for style in STYLES:
        if style["name"] == text or re.fullmatch(style["pattern"], text):
            return style["name"]
    return None


def _parse_input(
    item: Input, aliases: dict[str, str] | None = None, measure_level: str | None = None
) -> Document:
    from policyledger.parsing import parse_bytes

    if item.path is None:
        data = sys.stdin.buffer.read()
        name = "stdin"
    else:
        try:
            data = item.path.read_bytes()
        except OSError as exc:
            raise InputError(f"{item.label}：无法读取文件（{_os_reason(exc)}）") from exc
        name = item.path.name
    return parse_bytes(data, name=name, aliases=aliases, measure_level=measure_level)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="输出格式：json（单个对象或 JSON Lines）、table（终端表格）、xlsx（任务分解表）、md（Markdown 表格）。",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="写入此文件（xlsx 必须指定）；默认输出到标准输出。",
)
@click.option(
    "--aliases",
    "aliases_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="单位别名表（每行“别名<Tab>规范名称”），在内置别名表之外追加，例如把“发改委”统一为“发展改革委”。",
)
@click.option(
    "--measure-level",
    "measure_level",
    metavar="层级",
    help="按指定的编号层级拆分措施，如“（一）”或“1.”（默认由系统判断：带责任单位的层级）。",
)
def parse(
    paths: tuple[str, ...],
    fmt: str,
    output: Path | None,
    aliases_file: Path | None,
    measure_level: str | None = None,
) -> None:
    """解析政策文件（.txt / .docx / .pdf），输出措施、责任单位和量化指标。

    PATH 可以是文件、文件夹（递归查找 .txt .docx .pdf）或 -（标准输入）。
    一个输入时 json 输出一个对象，多个输入（或文件夹）时输出 JSON Lines。
    某个文件出错时给出中文提示并继续处理其余文件，最后以退出码 1 结束。

    \b
    示例：
      policyledger parse 实施方案.txt
      policyledger parse 文件夹/ --format json -o 结果.jsonl
      policyledger parse a.docx b.pdf --format table
      policyledger parse 文件夹/ --format xlsx -o 任务分解表.xlsx
      cat 通知.txt | policyledger parse - --format md
      policyledger parse 文件夹/ --aliases 本单位别名.tsv --format table
      policyledger parse 指导意见.txt --measure-level "（一）" --format table
    """
    from policyledger.parsing import ReadError
    from policyledger.parsing.units import load_aliases

    if fmt == "xlsx" and output is None:
        raise click.UsageError("xlsx 格式需要用 -o 指定输出文件，例如 -o 任务分解表.xlsx")
    aliases = None
    if aliases_file is not None:
        try:
            aliases = load_aliases(aliases_file)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            _error(f"单位别名表无法使用：{exc}")
            sys.exit(2)

    style = None
    if measure_level is not None:
        style = _level_style(measure_level)
        if style is None:
            _error(f"无法识别的措施层级“{measure_level}”，请写成“一、”“（一）”“1.”“第一条”等形式")
            sys.exit(2)

    items = list(expand_paths(paths))
    inputs = [item for item in items if isinstance(item, Input)]
    failed = 0
    for item in items:
        if isinstance(item, InputError):
            _error(str(item))
            failed += 1
    # Decided from the command line, not from what was found, so a script always gets one shape:
    # one object for one file named alone, JSON Lines for several PATHs or any folder.
    several = len(paths) > 1 or any(Path(p).is_dir() for p in paths if p != "-")

    sink = _Sink(fmt, output, several)
    try:
        for item in _progress(inputs):
            try:
                document = _parse_input(item, aliases, style)
            except (ReadError, InputError) as exc:
                _error(f"{item.label}：{exc}" if isinstance(exc, ReadError) else str(exc))
                failed += 1
                continue
            except Exception as exc:  # a parser bug must not hide the other files' output
                logger.debug("parse failed for %s", item.label, exc_info=True)
                _error(f"{item.label}：解析时发生内部错误（{type(exc).__name__}: {exc}）")
                failed += 1
                continue
            sink.add(document)
        sink.close()
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        _error(f"无法写入输出文件{where}（{_os_reason(exc)}）")
        sys.exit(1)
    if failed:
        _error(f"共 {len(items)} 个输入，{failed} 个失败。")
        sys.exit(1)


_OS_REASONS = {
    errno.ENOENT: "文件或所在文件夹不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
}


def _os_reason(exc: OSError) -> str:
    return _OS_REASONS.get(exc.errno, exc.strerror or str(exc))


def _error(message: str) -> None:
    click.secho(f"错误：{message}", fg="red", err=True)


def _progress(inputs: list[Input]) -> Iterator[Input]:
    if len(inputs) < PROGRESS_MIN_FILES:
        yield from inputs
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    # On stderr, and without rich's stdout redirection (which would reflow the JSON written to
    # stdout meanwhile); transient, so that nothing is left behind on the terminal.
    with Progress(
        TextColumn("解析中"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    ) as progress:
        task = progress.add_task("parse", total=len(inputs))
        for item in inputs:
            yield item
            progress.advance(task)


class _Sink:
    """Collects or streams documents in the chosen format to ``output`` or stdout."""

    def __init__(self, fmt: str, output: Path | None, several: bool) -> None:
        self.fmt, self.output, self.several = fmt, output, several
        self.docs: list[Document] = []
        self._stream = None

    def _text(self):
        if self._stream is None:
            if self.output is None:
                self._stream = sys.stdout
                # Chinese must come out as UTF-8 even under a C or GBK locale.
                encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
                if encoding.replace("-", "") != "utf8" and hasattr(sys.stdout, "reconfigure"):
                    sys.stdout.reconfigure(encoding="utf-8")
            else:
                self._stream = self.output.open("w", encoding="utf-8")
        return self._stream

    def add(self, document: Document) -> None:
        # JSON Lines and the terminal table stream, so hundreds of documents need little memory.
        if self.fmt == "json" and self.several:
            from policyledger.formats.json_lines import dumps

            self._text().write(dumps(document) + "\n")
        elif self.fmt == "table":
            from rich.console import Console

            from policyledger.formats.table import render

            stream = self._text()
            # A terminal gets its own width; a file or pipe gets one wide enough to read.
            width = None if stream.isatty() else 120
            render(document, Console(file=stream, width=width))
        else:
            self.docs.append(document)

    def close(self) -> None:
        try:
            if self.fmt == "json" and not self.several:
                from policyledger.formats.json_lines import write

                if self.docs:
                    write(self.docs, self._text(), lines=False)
            elif self.fmt == "md":
                from policyledger.formats.markdown import render_all

                if self.docs:
                    self._text().write(render_all(self.docs))
            elif self.fmt == "xlsx":
                from policyledger.formats.xlsx import write_task_table

                if self.docs:
                    with self.output.open("wb") as fp:
                        write_task_table(self.docs, fp)
        finally:
            if self._stream is not None and self.output is not None:
                self._stream.close()
            elif self._stream is not None:
                self._stream.flush()


@main.command()
def schema() -> None:
    """打印解析结果 JSON 的 JSON Schema（draft 2020-12，schema_version 1）。

    \b
    示例：
      policyledger schema > document.schema.json
    """
    from policyledger.formats.json_lines import schema_text

    click.echo(schema_text(), nl=False)


@main.group()
def lineage() -> None:
    """政策对标：找出下级文件的每条措施承接了上级文件的哪些措施。

    \b
    示例：
      policyledger lineage propose 省实施方案.txt 市实施细则.txt --format table
    """


@lineage.command("propose")
@click.argument("parent", metavar="PARENT")
@click.argument("child", metavar="CHILD")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("json", "table")),
    default="json",
    show_default=True,
    help="输出格式：json（一个对象）或 table（终端表格）。",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="每条下级措施最多列出的候选上级措施数。",
)
def lineage_propose(parent: str, child: str, fmt: str, limit: int) -> None:
    """为下级文件（CHILD）的每条措施提出它可能承接的上级文件（PARENT）措施，按得分从高到低。

    PARENT、CHILD 可以是 parse 能读的任何文件（.txt / .docx / .pdf），或 -（标准输入，只能用一次）。
    每个候选给出得分（0–1）、置信度（high / medium / low）和两边共有的原文片段；
    找不到合理上级措施的下级措施，候选列表为空。

    \b
    示例：
      policyledger lineage propose 省实施方案.txt 市实施细则.txt
      policyledger lineage propose 省实施方案.docx 市实施细则.pdf --format table
    """
    from policyledger.lineage import propose
    from policyledger.parsing import ReadError

    if parent == "-" and child == "-":
        raise click.UsageError("标准输入（-）只能用于 PARENT 或 CHILD 中的一个")
    documents = []
    for raw in (parent, child):
        items = list(expand_paths((raw,)))
        found = [item for item in items if isinstance(item, Input)]
        if len(items) != 1 or len(found) != 1 or (found[0].path and found[0].path.is_dir()):
            problem = next((i for i in items if isinstance(i, InputError)), None)
            _error(str(problem) if problem else f"{raw}：请给出一个文件，而不是文件夹")
            sys.exit(1)
        try:
            documents.append(_parse_input(found[0]))
        except ReadError as exc:
            _error(f"{found[0].label}：{exc}")
            sys.exit(1)
        except InputError as exc:
            _error(str(exc))
            sys.exit(1)
    result = propose(documents[0], documents[1], limit=limit)
    for label, document in (("上级文件", documents[0]), ("下级文件", documents[1])):
        if not document.measures:
            click.secho(f"提示：{label}中没有识别出措施，无法对标。", fg="yellow", err=True)
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    if encoding.replace("-", "") != "utf8" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    if fmt == "json":
        import json

        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        from rich.console import Console

        from policyledger.lineage.render import render_table

        width = None if sys.stdout.isatty() else 140
        render_table(result, Console(file=sys.stdout, width=width))


@lineage.command("rebuild-index")
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="并行处理的进程数。",
)
def lineage_rebuild_index(processes: int) -> None:
    """从数据库重建平台的候选索引（设置 REDIS_URL 时 LSH 存入 Redis，供各进程共用）。

    \b
    示例：
      policyledger lineage rebuild-index --processes 2
    """
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")
    import django

    django.setup()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.lineage.services import index

    total = PolicyDocument.objects.filter(measures__isnull=False).distinct().count()
    with Progress(
        TextColumn("建立索引"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("index", total=total)
        built = index.rebuild(progress=lambda n: bar.advance(task, n), processes=processes)
    click.echo(f"已索引 {len(built)} 个文件、{built.measures} 条措施。")


# Voucher campaigns: the group lives with its app; it imports Django only inside commands.
from policyledger.web.vouchers.cli import vouchers as _vouchers  # noqa: E402

main.add_command(_vouchers)

# Subsidy programmes (政策兑现): the group lives with its app; Django imported inside commands.
from policyledger.web.subsidies.cli import subsidies as _subsidies  # noqa: E402

main.add_command(_subsidies)

# The tracking platform: demo, worker, warnings, manage (Django imported inside each command).
from policyledger.web.platform_cli import COMMANDS as _platform_commands  # noqa: E402

for _command in _platform_commands:
    main.add_command(_command)

# API tokens for units' own systems (Django imported inside each command).
from policyledger.web.api.cli import token as _token  # noqa: E402

main.add_command(_token)

# Backups of the platform's database (Django imported inside each command).
from policyledger.web.backup_cli import COMMANDS as _backup_commands  # noqa: E402

for _command in _backup_commands:
    main.add_command(_command)

# Subsidy rules (pure library, no Django): test rule sets, evaluate one application.
from policyledger.rules.cli import rules as _rules  # noqa: E402

main.add_command(_rules)

# Statistical releases (pure library, no Django): check a file.
from policyledger.releases.cli import release as _release  # noqa: E402

main.add_command(_release)

# Market monitoring: import a release into the platform (Django imported inside the command).
from policyledger.web.monitoring.cli import monitoring as _monitoring  # noqa: E402

main.add_command(_monitoring)
