"""Backing up the database into one file and restoring it (``hotline backup`` /
``hotline restore``).

PostgreSQL: ``pg_dump`` in its custom format (``-Fc``) and ``pg_restore``, run with the connection
settings of ``DATABASES['default']``; the password goes through ``PGPASSWORD``, never on the
command line (where ``ps`` would show it). The tools must be at least as new as the server
(older ones refuse, or misread the archive): the server's own version under
``/usr/lib/postgresql/<major>/bin`` is preferred, then a newer one there, then ``PATH``;
``HOTLINE_PG_BIN`` names the one folder to use instead.

SQLite: sqlite3's online backup API, page by page, consistent while the site keeps writing.

A restore goes only into an empty database, unless ``clean`` is asked for: restoring over live
data by mistake is the one error a backup must not make. Every refusal raises ``BackupError``
before anything is changed.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

PG_MAGIC, SQLITE_MAGIC = b"PGDMP", b"SQLite format 3\x00"
SERVER_BINS = Path("/usr/lib/postgresql")


class BackupError(Exception):
    """A backup or restore that was refused or failed; nothing was changed."""


@dataclass(frozen=True)
class Tool:
    path: str
    major: int


def _major_of(path: str) -> int | None:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    match = re.search(r"\)\s*(\d+)", done.stdout) or re.search(r"(\d+)\.\d+", done.stdout)
    return int(match.group(1)) if done.returncode == 0 and match else None


def _candidates(name: str, server: int) -> list[str]:
    if folder := getattr(settings, "HOTLINE_PG_BIN", ""):
        return [str(Path(folder) / name)]
    found = [SERVER_BINS / str(server) / "bin" / name]
    others = sorted(
        (p for p in SERVER_BINS.glob(f"*/bin/{name}") if p not in found),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which(name)
    return [str(p) for p in [*found, *others] if p.exists()] + ([on_path] if on_path else [])


def pg_tool(name: str, server: int) -> Tool:
    """The ``pg_dump`` or ``pg_restore`` to use with a server of major version ``server``;
    BackupError when there is none or none is new enough."""
    candidates = _candidates(name, server)
    versions = [(path, _major_of(path)) for path in candidates]
    for path, major in versions:
        if major is not None and major >= server:
            return Tool(path, major)
    if not any(major is not None for _, major in versions):
        where = (
            f"HOTLINE_PG_BIN={settings.HOTLINE_PG_BIN}"
            if getattr(settings, "HOTLINE_PG_BIN", "")
            else "PATH"
        )
        raise BackupError(
            f"找不到 {name}（查找了 {SERVER_BINS}/*/bin 和 {where}）：请安装 "
            f"postgresql-client-{server}，或用 HOTLINE_PG_BIN 指定其所在目录"
        )
    seen = "、".join(f"{path}（{major}）" for path, major in versions if major is not None)
    raise BackupError(
        f"{name} 的版本低于数据库服务器 PostgreSQL {server}：找到 {seen}；"
        f"请安装 postgresql-client-{server}，或用 HOTLINE_PG_BIN 指定其所在目录"
    )


def _pg_command(tool: Tool) -> tuple[list[str], dict[str, str]]:
    """The tool with the connection's host, port, user and database, and an environment that
    carries the password."""
    db = connection.settings_dict
    args = [tool.path]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return args, env


def _server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]  # PostgreSQL only


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(
            f"{what}失败（{Path(args[0]).name} 退出码 {done.returncode}）："
            f"{done.stderr.strip()[-2000:]}"
        )


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def backup(out: Path) -> str:
    """Write the whole database to ``out`` (replaced only once the copy is complete); returns
    what was written, for the command to print."""
    out = Path(out)
    if not out.parent.is_dir():
        raise BackupError(f"目录不存在：{out.parent}")
    partial = out.with_name(out.name + ".partial")
    try:
        if connection.vendor == "postgresql":
            tool = pg_tool("pg_dump", _server_major())
            args, env = _pg_command(tool)
            _run(
                [
                    *args,
                    "--format=custom",
                    "--file",
                    str(partial),
                    connection.settings_dict["NAME"],
                ],
                env,
                "备份",
            )
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            raise BackupError(f"不支持的数据库：{connection.vendor}")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return f"已备份 {connection.vendor} 数据库到 {out}（{out.stat().st_size:,} 字节）"


def _kind_of(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    raise BackupError(
        f"{path} 不是 hotline backup 生成的备份文件（既非 pg_dump 自定义格式，也非 SQLite 数据库）"
    )


def restore(path: Path, *, clean: bool = False) -> str:
    """Restore a backup of the same engine into the database of ``DATABASES['default']``: only
    an empty one, unless ``clean`` (then what the backup holds replaces what is there). On
    PostgreSQL in one transaction, so a failed restore leaves the database as it was."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    kind = _kind_of(path)
    if kind != connection.vendor:
        raise BackupError(f"{path} 是 {kind} 的备份，不能恢复到 {connection.vendor} 数据库")
    name = connection.settings_dict["NAME"]
    if not clean and (tables := _tables()):
        raise BackupError(
            f"数据库 {name} 不是空的（已有 {len(tables)} 个表），未做任何修改："
            "请恢复到新建的空数据库，或确认要用备份覆盖现有数据时加 --clean"
        )
    if kind == "postgresql":
        tool = pg_tool("pg_restore", _server_major())
        args, env = _pg_command(tool)
        _run([*args, "--list", str(path)], env, "读取备份")
        connection.close()  # pg_restore --clean must not wait for this process's own session
        _run(
            [
                *args,
                "--dbname",
                name,
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                *(["--clean", "--if-exists"] if clean else []),
                str(path),
            ],
            env,
            "恢复",
        )
    else:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if (
                source.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'"
                ).fetchone()[0]
                != 1
            ):
                raise BackupError(f"{path} 不是 hotline 数据库的备份（没有 django_migrations 表）")
            connection.ensure_connection()
            source.backup(connection.connection)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"无法读取备份 {path}：{error}") from None
        finally:
            source.close()
    return f"已从 {path} 恢复 {kind} 数据库 {name}"
