"""Backing up and restoring the platform's database, while it serves.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while other connections keep writing; restoring copies the backup's pages back the same way,
after checking the file is an intact SQLite database.

PostgreSQL: ``pg_dump -Fc`` (a consistent snapshot in one transaction, writers not blocked) and
``pg_restore --clean --if-exists --single-transaction`` (all or nothing), Debian's client tools
(package ``postgresql-client``). Their major version should be at least the server's.

Every failure is a BackupError with a Chinese message; nothing is half-written: a backup goes
to a temporary file renamed into place once complete, and a restore either replaces the whole
database or leaves it as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
TOOL_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that could not be done; the message is for the user (Chinese)."""


def _settings(alias: str = "default") -> dict:
    return connections[alias].settings_dict


def _vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def backup(path: Path | str, alias: str = "default") -> Path:
    """Write a backup of the database to `path` (replaced if it exists); returns the path."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"备份路径是一个目录，请给出文件名：{path}")
    if not path.parent.is_dir():
        raise BackupError(f"备份目录不存在：{path.parent}")
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if _vendor(alias) == "sqlite":
            _sqlite_backup(tmp, alias)
        elif _vendor(alias) == "postgresql":
            _pg_dump(tmp, alias)
        else:
            raise BackupError(f"不支持备份这种数据库：{_vendor(alias)}")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def restore(path: Path | str, alias: str = "default") -> None:
    """Replace the database's contents with the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    with path.open("rb") as f:
        head = f.read(16)
    vendor = _vendor(alias)
    if vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{path} 不是 SQLite 数据库备份（当前数据库是 SQLite）")
        _sqlite_restore(path, alias)
    elif vendor == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise BackupError(
                f"{path} 不是 PostgreSQL 备份（应为 policyledger backup 或 pg_dump -Fc 生成的文件）"
            )
        _pg_restore(path, alias)
    else:
        raise BackupError(f"不支持恢复这种数据库：{vendor}")


# -- SQLite -----------------------------------------------------------------------------------
def _sqlite_source(alias: str) -> sqlite3.Connection:
    name = str(_settings(alias)["NAME"])
    # A test database lives in memory (a shared-cache URI); a real one is a file.
    if not name.startswith("file:") and not Path(name).is_file():
        raise BackupError(f"找不到 SQLite 数据库文件：{name}")
    return sqlite3.connect(name, uri=name.startswith("file:"), timeout=30)


def _sqlite_backup(target: Path, alias: str) -> None:
    source = _sqlite_source(alias)
    dest = sqlite3.connect(target)
    try:
        # One step (pages=-1): the copy is one consistent snapshot; writers wait a moment.
        source.backup(dest)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite 备份失败：{exc}") from exc
    finally:
        dest.close()
        source.close()


def _sqlite_restore(path: Path, alias: str) -> None:
    backup_db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            ok = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"备份文件已损坏，无法读取：{exc}") from exc
        if ok != "ok":
            raise BackupError(f"备份文件未通过完整性检查：{ok}")
        connections[alias].close()  # Django reconnects on its next query
        live = _sqlite_source(alias)
        try:
            backup_db.backup(live)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite 恢复失败，数据库未改动：{exc}") from exc
        finally:
            live.close()
    finally:
        backup_db.close()


# -- PostgreSQL -------------------------------------------------------------------------------
def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL 客户端工具（Debian/Ubuntu：apt install postgresql-client）"
        )
    return found


def _pg_args(alias: str) -> tuple[list[str], dict[str, str]]:
    s = _settings(alias)
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what}超时（{TOOL_TIMEOUT_S} 秒）") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        hint = ""
        if any("version mismatch" in line for line in detail):
            hint = "（客户端工具版本低于服务器，请安装与服务器相同或更新的 postgresql-client）"
        raise BackupError(f"{what}失败{hint}：{' / '.join(detail[-3:])}")


def _pg_dump(target: Path, alias: str) -> None:
    args, env = _pg_args(alias)
    _run([_tool("pg_dump"), "-Fc", "--no-owner", "--file", str(target), *args], env, "pg_dump 备份")


def _pg_restore(path: Path, alias: str) -> None:
    args, env = _pg_args(alias)
    _run([_tool("pg_restore"), "--list", str(path)], env, "读取备份文件")
    connections[alias].close()
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(path),
        ],
        env,
        "pg_restore 恢复（数据库未改动）",
    )
