"""Backup and restore for real: ``hotline backup`` of the test database, ``hotline restore`` into a
fresh installation (a new SQLite file, or a scratch database on the PostgreSQL server of
``DATABASE_URL``) in a process of its own, and the same rows and rates read back there."""

import contextlib
import json
import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql
from pytest_django import Settings

from hotline.operations.backup import BackupError, Tool, _pg_command, pg_tool
from tests.factories import City
from tests.operations import history

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = str(Path(sys.executable).with_name("hotline"))
SNAPSHOT = (
    "import json; from tests.operations.history import month_figures, row_counts; "
    "print(json.dumps({'counts': row_counts(), 'figures': month_figures()}, default=str))"
)
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def _hotline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HOTLINE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@contextlib.contextmanager
def fresh_installation(folder: Path):
    """The environment of a new, empty installation: its own var folder and, on PostgreSQL, a
    new database on the same server (dropped afterwards)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"HOTLINE_VAR_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield env
        return
    name = f"hotline_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield env | {"DATABASE_URL": urlsplit(url)._replace(path=f"/{name}").geturl()}
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def same_as_json(value):
    return json.loads(json.dumps(value, default=str))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restored_backup_has_every_row_and_the_same_rates(city: City, tmp_path: Path) -> None:
    history.build(city)  # committed: pg_dump reads from a session of its own
    counts, figures = history.row_counts(), same_as_json(history.month_figures())
    assert counts["orders_workorder"] == 8 and figures["totals"]["visited"] == 2
    backup = tmp_path / "hotline.backup"
    out = StringIO()
    call_command("backup", out=str(backup), stdout=out)
    assert backup.stat().st_size > 0 and "附件不在备份中" in out.getvalue()
    with fresh_installation(tmp_path / "restored") as env:
        done = _hotline(env, "restore", str(backup))
        assert done.returncode == 0, done.stderr
        snapshot = _hotline(env, "shell", "-v0", "-c", SNAPSHOT)
        assert snapshot.returncode == 0, snapshot.stderr
        restored = json.loads(snapshot.stdout)
        verify = _hotline(env, "analytics", "verify", "--month", "2023-03")
        assert verify.returncode == 0, verify.stderr
        again = _hotline(
            env, "restore", str(backup)
        )  # the restored installation is no longer empty
        clean = _hotline(env, "restore", "--clean", str(backup))
        assert clean.returncode == 0, clean.stderr
        over = json.loads(_hotline(env, "shell", "-v0", "-c", SNAPSHOT).stdout)
    assert restored["counts"] == counts
    assert restored["figures"] == figures
    assert again.returncode == 1 and "不是空的" in again.stderr
    assert over == restored  # --clean replaced the data instead of adding to it


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # SQLite's backup waits for the test's open transaction
def test_a_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
    city: City, tmp_path: Path
) -> None:
    history.build(city)
    backup = tmp_path / "hotline.backup"
    call_command("backup", out=str(backup), stdout=StringIO())
    counts = history.row_counts()
    with pytest.raises(CommandError, match=r"不是空的（已有 \d+ 个表），未做任何修改"):
        call_command("restore", str(backup), stdout=StringIO())
    assert history.row_counts() == counts


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a backup at all", "不是 hotline backup 生成的备份文件"),
        (b"PGDMP" if connection.vendor == "sqlite" else b"SQLite format 3\x00", "不能恢复到"),
    ],
)
def test_a_file_that_is_not_a_backup_of_this_engine_is_refused_and_changes_nothing(
    city: City, tmp_path: Path, content, message
) -> None:
    counts = history.row_counts()
    bogus = tmp_path / "bogus"
    bogus.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(bogus), "--clean", stdout=StringIO())
    with pytest.raises(CommandError, match="备份文件不存在"):
        call_command("restore", str(tmp_path / "missing"), stdout=StringIO())
    assert history.row_counts() == counts


def test_a_backup_into_a_folder_that_does_not_exist_is_refused(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="目录不存在"):
        call_command("backup", out=str(tmp_path / "no" / "such" / "file"), stdout=StringIO())


def test_a_missing_pg_dump_is_named_with_what_to_install(
    settings: Settings, tmp_path: Path
) -> None:
    settings.HOTLINE_PG_BIN = str(tmp_path)
    with pytest.raises(BackupError, match="找不到 pg_dump.*postgresql-client-15"):
        pg_tool("pg_dump", 15)


def test_a_pg_dump_older_than_the_server_is_refused_with_its_version(
    settings: Settings, tmp_path: Path
) -> None:
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    settings.HOTLINE_PG_BIN = str(tmp_path)
    with pytest.raises(
        BackupError, match=r"pg_dump 的版本低于数据库服务器 PostgreSQL 15：找到 .*pg_dump（9）"
    ):
        pg_tool("pg_dump", 15)
    assert pg_tool("pg_dump", 9) == Tool(str(old), 9)


@postgres_only
def test_the_tools_chosen_are_at_least_as_new_as_the_server(db: None) -> None:
    connection.ensure_connection()
    server = connection.pg_version // 10000
    for name in ("pg_dump", "pg_restore"):
        assert pg_tool(name, server).major >= server


def test_the_password_goes_through_the_environment_never_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-pw")
    monkeypatch.setitem(connection.settings_dict, "HOST", "db.example")
    args, env = _pg_command(Tool("/usr/bin/pg_dump", 15))
    assert not any("s3cret-pw" in a for a in args) and env["PGPASSWORD"] == "s3cret-pw"
    assert args[args.index("--host") + 1] == "db.example"
