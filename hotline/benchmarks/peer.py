"""django-helpdesk as the benchmark's peer: its own virtualenv, its own database, gunicorn.

The peer never touches the hotline's Python environment or Django setup: it is installed from
PyPI into a cached virtualenv (``ensure_peer_env``), its site is written from the plain-text
templates in ``peer_site/`` into a throwaway directory, and it is run as separate processes
(``migrate``, a setup script, gunicorn) against a database ``helpdesk_bench`` on the same
PostgreSQL server as the hotline (``start_peer``). ``stop_peer`` ends it.

Endpoints (token authentication; ``Peer.headers()``):

- ``POST /api/tickets/`` creates a ticket (201), through helpdesk's TicketForm, which also adds
  the "Ticket Opened" follow-up and builds an e-mail to the submitter (console backend, sent to
  /dev/null).
- ``GET /api/tickets/`` lists a page of 25 (``?page=N``, ``?page_size=N``). It is O(all tickets)
  in 2.6.1: the view loads every accessible ticket and runs one query per ticket
  (``set_custom_field_values``) before paginating. About 5 s per page with 10,000 tickets.

Only the standard library is imported at module level; psycopg is imported when a database is
touched.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

HELPDESK_VERSION = "2.6.1"
# What the peer runs. django-helpdesk and Django are pinned (what the shared note was measured
# with); the rest are floors: gunicorn 27 is the first with --no-control-socket.
REQUIREMENTS: tuple[str, ...] = (
    f"django-helpdesk=={HELPDESK_VERSION}",
    "Django>=5.2,<5.3",
    "djangorestframework>=3.15",
    "gunicorn>=27",
    "psycopg[binary]>=3.2",
)
DATABASE = "helpdesk_bench"
SITE_TEMPLATES = Path(__file__).with_name("peer_site")
SITE_FILES = {  # template in peer_site/ -> file in the working directory
    "settings.py.txt": "peer_site/settings.py",
    "urls.py.txt": "peer_site/urls.py",
    "wsgi.py.txt": "peer_site/wsgi.py",
    "setup_peer.py.txt": "setup_peer.py",
}
INSTALL_TIMEOUT = 600  # seconds, pip included
STEP_TIMEOUT = 300  # seconds for migrate and the setup script
READY_TIMEOUT = 60  # seconds for gunicorn to answer
_DIGIT_REFERENCE = re.compile(r"#(?=\d)")


class PeerError(RuntimeError):
    """The peer could not be installed, set up or started; the message says which step."""


@dataclass
class Peer:
    """A running django-helpdesk, served by gunicorn at ``url``.

    ``create_path`` takes ``ticket_body()`` as JSON and answers 201. ``list_path`` answers a
    page of 25 tickets (``?page=N``); its cost grows with the number of tickets in the table.
    """

    url: str
    token: str
    queue_id: int
    process: subprocess.Popen
    create_path: str = "/api/tickets/"
    list_path: str = "/api/tickets/"
    database_url: str = ""  # the peer's own database (helpdesk_bench), for count_tickets
    workdir: Path | None = None  # site, gunicorn.log, install/migrate logs
    timings: dict[str, float] = field(default_factory=dict)  # seconds per start-up step

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}

    def ticket_body(self, i: int, text: str) -> dict:
        """A valid POST body. A ``#`` before digits in the description would make helpdesk add
        a "Referenced in ticket" follow-up to that ticket number (more work, and rows that
        are not the new ticket's), so such a ``#`` is replaced by ``No.``."""
        text = _DIGIT_REFERENCE.sub("No.", text)
        first_line = text.strip().splitlines()[0] if text.strip() else ""
        return {
            "title": f"{i}: {first_line}"[:200],
            "description": text or f"Benchmark ticket {i}",
            "queue": self.queue_id,
            "priority": 3,
            "submitter_email": f"citizen{i}@example.com",
        }

    def count_tickets(self) -> int:
        """Rows in the peer's ticket table."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return _scalar(conn, "SELECT count(*) FROM helpdesk_ticket")

    @property
    def log_path(self) -> Path | None:
        return self.workdir / "gunicorn.log" if self.workdir else None


def _scalar(conn: psycopg.Connection[Any], query: str) -> Any:
    """The one value of a query that always has a row: an aggregate, or what the peer's setup
    made (the ``bench`` user)."""
    row = conn.execute(query).fetchone()
    assert row is not None, f"no row for {query}"
    return row[0]


# --- the virtualenv -------------------------------------------------------------------------


def cache_root(cache_dir: Path | None = None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get("HOTLINE_BENCH_CACHE"):
        return Path(os.environ["HOTLINE_BENCH_CACHE"])
    return Path.home() / ".cache" / "hotline-bench"


def ensure_peer_env(cache_dir: Path | None = None) -> Path:
    """The peer's virtualenv, created on first use under the cache folder and reused after.

    A finished environment carries ``hotline-peer.json`` (requirements, versions, seconds); one
    without it (an interrupted install) is removed and made again. A lock file serialises
    concurrent callers. Raises PeerError with the tail of pip's output when the install fails.
    """
    root = cache_root(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    venv = root / f"helpdesk-{HELPDESK_VERSION}-{python}"
    marker = venv / "hotline-peer.json"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and _venv_python(venv).exists():
            recorded = json.loads(marker.read_text())
            if recorded.get("requirements") == list(REQUIREMENTS):
                log.info("peer virtualenv reused: %s", venv)
                return venv
        if venv.exists():
            log.info("peer virtualenv incomplete or outdated, making it again: %s", venv)
            shutil.rmtree(venv)
        versions, seconds = _install(venv, root / "install.log")
        marker.write_text(
            json.dumps(
                {
                    "requirements": list(REQUIREMENTS),
                    "versions": versions,
                    "seconds": seconds,
                    "created": datetime.now(UTC).isoformat(),
                },
                indent=1,
            )
        )
        log.info(
            "peer virtualenv made in %.1f s (pip %.1f s): %s",
            seconds["total"],
            seconds["pip"],
            venv,
        )
        return venv


def _install(venv: Path, log_file: Path) -> tuple[dict, dict]:
    """Create the virtualenv ``venv`` and pip install the requirements into it (output in
    ``log_file``); return the versions installed and the seconds of each step. A failed step
    leaves no half-made environment behind."""
    started = time.monotonic()
    seconds: dict[str, float] = {}
    try:
        with _timed(seconds, "venv"):
            _run(
                [sys.executable, "-m", "venv", str(venv)],
                "creating the peer's virtualenv",
                log_file=log_file,
                timeout=120,
            )
        with _timed(seconds, "pip"):
            _run(
                [
                    str(_venv_python(venv)),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--progress-bar",
                    "off",
                    *REQUIREMENTS,
                ],
                "pip install of the peer (" + " ".join(REQUIREMENTS) + ")",
                log_file=log_file,
                append=True,
                timeout=INSTALL_TIMEOUT,
            )
        out = _run(
            [str(_venv_python(venv)), "-c", _VERSIONS_SCRIPT],
            "importing the installed peer",
            timeout=60,
        )
    except BaseException:
        shutil.rmtree(venv, ignore_errors=True)
        raise
    versions = json.loads(out.strip().splitlines()[-1])
    seconds["total"] = time.monotonic() - started
    return versions, {step: round(value, 2) for step, value in seconds.items()}


_VERSIONS_SCRIPT = """
import json
from importlib.metadata import version
names = ["django-helpdesk", "Django", "djangorestframework", "gunicorn", "psycopg"]
import helpdesk, django, rest_framework, gunicorn, psycopg  # noqa
print(json.dumps({n: version(n) for n in names}))
"""


def peer_env_info(venv: Path) -> dict:
    """What ``ensure_peer_env`` recorded: requirements, versions, seconds of the install."""
    return json.loads((venv / "hotline-peer.json").read_text())


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


# --- running the peer ----------------------------------------------------------------------


def start_peer(
    database_url: str,
    *,
    port: int,
    workers: int = 4,
    workdir: Path,
    threads: int = 1,
    cache_dir: Path | None = None,
    email_backend: str = "django.core.mail.backends.console.EmailBackend",
) -> Peer:
    """Install (once), set up and start the peer; return it when it answers on ``port``.

    ``database_url`` is any PostgreSQL URL on the server to use, with a role that may create
    databases; ``helpdesk_bench`` is dropped (closing its connections) and created empty there.
    ``workdir`` receives the site, ``migrate.log``, ``setup.log`` and ``gunicorn.log``.
    gunicorn runs ``workers`` sync workers; ``threads`` > 1 makes them gthread workers with that
    many threads each (gunicorn would do so anyway), to match a hotline server run that way.
    """
    timings: dict[str, float] = {}
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    _check_port_free(port)
    with _timed(timings, "env"):
        venv = ensure_peer_env(cache_dir)
    with _timed(timings, "createdb"):
        peer_database_url = _recreate_database(database_url)
    _write_site(workdir)
    env = _peer_environ(workdir, peer_database_url, email_backend)
    made = _migrate_and_set_up(str(_venv_python(venv)), workdir, env, timings)
    with _timed(timings, "gunicorn"):
        command = _gunicorn_command(venv, workdir, port=port, workers=workers, threads=threads)
        peer = Peer(
            url=f"http://127.0.0.1:{port}",
            token=made["token"],
            queue_id=made["queue_id"],
            process=_start_gunicorn(command, workdir, env),
            database_url=peer_database_url,
            workdir=workdir,
            timings=timings,
        )
        try:
            _wait_until_ready(peer)
        except BaseException:
            stop_peer(peer)
            raise
    log.info(
        "peer ready at %s (%s)",
        peer.url,
        ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()),
    )
    return peer


def _migrate_and_set_up(python: str, workdir: Path, env: dict[str, str], timings: dict) -> dict:
    """Migrate the peer's database and make its user, token and queue; returns what the setup
    script made ({"token": …, "queue_id": …})."""
    with _timed(timings, "migrate"):
        _run(
            [python, "-m", "django", "migrate", "--noinput", "-v", "1"],
            "migrating the peer",
            cwd=workdir,
            env=env,
            log_file=workdir / "migrate.log",
            timeout=STEP_TIMEOUT,
        )
    with _timed(timings, "setup"):
        out = _run(
            [python, "setup_peer.py"],
            "setting up the peer's user, token and queue",
            cwd=workdir,
            env=env,
            log_file=workdir / "setup.log",
            timeout=STEP_TIMEOUT,
        )
        made = json.loads(out.strip().splitlines()[-1])
    return made


def _gunicorn_command(
    venv: Path, workdir: Path, *, port: int, workers: int, threads: int
) -> list[str]:
    """gunicorn serving the peer's site from ``workdir`` on loopback ``port``."""
    return [
        str(venv / "bin" / "gunicorn"),
        "peer_site.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync" if threads <= 1 else "gthread",
        "--threads",
        str(max(threads, 1)),
        "--no-control-socket",
        "--chdir",
        str(workdir),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
    ]


def _start_gunicorn(command: list[str], workdir: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start ``command`` in a session of its own, its errors in ``workdir``/gunicorn.log."""
    with open(workdir / "gunicorn.log", "wb") as log_file:
        # Standard output takes the console e-mail backend's messages: discarded. Errors and
        # gunicorn's own log go to gunicorn.log. A new session, so stop_peer can end the group.
        return subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )


def stop_peer(peer: Peer) -> None:
    """Stop gunicorn: TERM to the master (it stops its workers), KILL to the process group if
    anything is left after 20 s. Leaves the database and the working directory in place."""
    process = peer.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log.warning("peer did not stop within 20 s: killing its process group")
    try:  # workers left behind by a master that died or hung
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait(timeout=10)


def seed_tickets(peer: Peer, n: int, *, batch: int = 5000) -> None:
    """Add ``n`` tickets to the peer's queue straight into its tables (COPY), each with the
    "Ticket Opened" follow-up a ticket made through the API has. Spread over the last 30 days,
    most of them open. For the list workload; seconds for tens of thousands."""
    import psycopg

    if n <= 0:
        return
    now = datetime.now(UTC)
    with psycopg.connect(peer.database_url) as conn:
        user_id = _scalar(conn, "SELECT id FROM auth_user WHERE username = 'bench'")
        first = _scalar(conn, "SELECT coalesce(max(id), 0) + 1 FROM helpdesk_ticket")
        for start in range(0, n, batch):
            ids = range(first + start, first + min(n, start + batch))
            tickets = []
            for ticket_id in ids:
                created = now.timestamp() - (ticket_id * 7919 % (30 * 86400))
                moment = datetime.fromtimestamp(created, UTC)
                status = 1 if ticket_id % 5 else 4  # open, some closed
                text = f"Seeded benchmark ticket {ticket_id}: a street light is out."
                tickets.append(
                    (
                        ticket_id,
                        f"Seeded ticket {ticket_id}",
                        peer.queue_id,
                        moment,
                        moment,
                        f"citizen{ticket_id}@example.com",
                        status,
                        False,
                        text,
                        3,
                        str(uuid.uuid4()),
                    )
                )
            with conn.cursor() as cur:
                with cur.copy(
                    "COPY helpdesk_ticket (id, title, queue_id, created, modified, "
                    "submitter_email, status, on_hold, description, priority, "
                    "secret_key) FROM STDIN"
                ) as copy:
                    for row in tickets:
                        copy.write_row(row)
                with cur.copy(
                    "COPY helpdesk_followup (ticket_id, date, title, comment, public, "
                    "user_id, message_id) FROM STDIN"
                ) as copy:
                    for row in tickets:
                        copy.write_row(
                            (row[0], row[3], "Ticket Opened", row[8], True, user_id, None)
                        )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('helpdesk_ticket', 'id'), "
            "(SELECT max(id) FROM helpdesk_ticket))"
        )
        conn.execute("ANALYZE helpdesk_ticket")
        conn.execute("ANALYZE helpdesk_followup")
        conn.commit()


# --- helpers -------------------------------------------------------------------------------


def _run(
    command: Sequence[str],
    what: str,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    log_file: Path | None = None,
    append: bool = False,
    timeout: float,
) -> str:
    """Run a step; return its standard output. On failure, PeerError with the output's tail."""
    try:
        done = subprocess.run(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except FileNotFoundError as error:
        raise PeerError(f"{what} failed: {error}") from error
    except subprocess.TimeoutExpired as error:
        output = _text(error.stdout) + _text(error.stderr)
        _keep(log_file, command, output, append)
        raise PeerError(
            f"{what} did not finish in {timeout:.0f} s; last lines:\n{_tail(output)}"
        ) from error
    output = done.stdout + done.stderr
    _keep(log_file, command, output, append)
    if done.returncode != 0:
        where = f" (whole output in {log_file})" if log_file else ""
        raise PeerError(
            f"{what} failed with exit status {done.returncode}{where}; last lines:\n{_tail(output)}"
        )
    return done.stdout


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Record in ``timings[step]`` the seconds the block took, if it finishes."""
    started = time.monotonic()
    yield
    timings[step] = time.monotonic() - started


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def _keep(log_file: Path | None, command: Sequence[str], output: str, append: bool) -> None:
    if log_file is not None:
        with open(log_file, "a" if append else "w") as f:
            f.write(f"$ {' '.join(map(str, command))}\n{output}\n")


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _check_port_free(port: int) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as error:
            raise PeerError(f"port {port} on 127.0.0.1 is taken: {error}") from error


def _recreate_database(database_url: str) -> str:
    """Drop and create helpdesk_bench on the server of ``database_url``; return its URL."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise PeerError(f"the peer needs a PostgreSQL URL, not {parts.scheme or database_url!r}")
    if parts.path.lstrip("/") == DATABASE:
        raise PeerError(f"connect through another database than {DATABASE}, which is recreated")
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(DATABASE)
                )
            )
    except psycopg.Error as error:
        raise PeerError(f"creating the peer's database {DATABASE} failed: {error}") from error
    return urllib.parse.urlunsplit(parts._replace(path="/" + DATABASE))


def _write_site(workdir: Path) -> None:
    (workdir / "peer_site").mkdir(exist_ok=True)
    (workdir / "peer_site" / "__init__.py").write_text("")
    for template, target in SITE_FILES.items():
        (workdir / target).write_text((SITE_TEMPLATES / template).read_text())


def _peer_environ(workdir: Path, database_url: str, email_backend: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in (
            "DJANGO_SETTINGS_MODULE",
            "PYTHONPATH",
            "PYTHONHOME",
            "VIRTUAL_ENV",
            "DATABASE_URL",
            "PYTHONSTARTUP",
        )
    }
    env.update(
        DJANGO_SETTINGS_MODULE="peer_site.settings",
        PYTHONPATH=str(workdir),
        PEER_DATABASE_URL=database_url,
        PEER_SECRET_KEY=secrets.token_urlsafe(40),
        PEER_EMAIL_BACKEND=email_backend,
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _wait_until_ready(peer: Peer) -> None:
    """Until an authenticated GET of the list answers 200 (proves token and database work)."""
    deadline = time.monotonic() + READY_TIMEOUT
    request = urllib.request.Request(
        peer.url + peer.list_path + "?page_size=1", headers=peer.headers()
    )
    last = "no answer"
    while time.monotonic() < deadline:
        if peer.process.poll() is not None:
            raise PeerError(
                f"gunicorn exited with status {peer.process.returncode} at start; "
                f"last lines of {peer.log_path}:\n{_tail(_read(peer.log_path))}"
            )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                if answer.status == 200:
                    return
                last = f"HTTP {answer.status}"
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}: {error.read()[:300]!r}"
            if error.code in (400, 401, 403, 404):
                break  # a misconfigured peer: waiting will not help
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = str(error)
        time.sleep(0.2)
    raise PeerError(
        f"the peer at {peer.url} did not answer {peer.list_path} ({last}); last "
        f"lines of {peer.log_path}:\n{_tail(_read(peer.log_path))}"
    )


def _read(path: Path | None) -> str:
    try:
        return path.read_text(errors="replace") if path else ""
    except OSError:
        return ""
