"""Our production setup for a benchmark run: gunicorn serving ``hotline.wsgi`` with N workers on a
free loopback port, against a given PostgreSQL database, with production settings (DEBUG off, a
fixed secret key, loopback hosts only, quiet logs); and, when wanted, ``hotline worker`` beside
it, as a centre runs it.

API: ``free_port()``; ``start_server(database_url, workdir=, workers=, threads=, ...)`` → ``Server``
(``.url``, ``.pids()``); ``stop_server(server)``; ``start_worker(...)`` / ``stop_worker(process)``.
Everything started here is ended by its own process id (the process group gunicorn leads).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class ServerError(RuntimeError):
    """The server did not come up (its log's tail is in the message)."""


@dataclass
class Server:
    url: str
    port: int
    workers: int
    threads: int
    process: subprocess.Popen
    log: Path
    env: dict = field(repr=False, default_factory=dict)

    def pids(self) -> list[int]:
        """The master's and its workers' process ids (for a profiler)."""
        try:
            out = subprocess.run(
                ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
            ).stdout
        except FileNotFoundError:  # no procps: the master alone
            out = ""
        return [self.process.pid, *(int(p) for p in out.split())]


def free_port() -> int:
    """A TCP port nobody listens on, on the loopback interface (as the operating system gives)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(
    database_url: str, *, workdir: Path, secret_key: str, extra: dict | None = None
) -> dict:
    """The environment of a production process: DEBUG off, the given database and secret (the
    bench's own sessions must be valid on the server), notifications written to files under
    ``workdir``, warnings and errors logged only."""
    var = workdir / "var"
    var.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
            "HOTLINE_DEBUG": "0",
            "HOTLINE_SECRET_KEY": secret_key,
            "HOTLINE_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "HOTLINE_VAR_DIR": str(var),
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_SMS_BACKEND": "file",
            "HOTLINE_EMAIL_BACKEND": "file",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def start_server(
    database_url: str,
    *,
    workdir: Path,
    secret_key: str,
    workers: int = 4,
    threads: int = 1,
    port: int | None = None,
    timeout: float = 60.0,
    request_timeout: int = 30,
    extra_env: dict | None = None,
) -> Server:
    """gunicorn with ``workers`` processes (sync workers; gthread with ``threads`` > 1) serving
    ``hotline.wsgi`` on 127.0.0.1; returns once it answers, or raises ServerError (and stops it)
    after ``timeout`` seconds. The application is loaded before the workers fork (``--preload``:
    one import, shared memory)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = workdir / f"gunicorn-{port}.log"
    env = production_env(database_url, workdir=workdir, secret_key=secret_key, extra=extra_env)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "hotline.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--threads",
        str(threads),
        "--timeout",
        str(request_timeout),
        "--graceful-timeout",
        "5",
        "--backlog",
        "2048",
        "--preload",
        # gunicorn 27's control socket is one path per user: runs side by side would share it
        "--no-control-socket",
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=workdir,
        )
    server = Server(f"http://127.0.0.1:{port}", port, workers, threads, process, log, env)
    try:
        wait_until_up(server.url + "/login/", process, timeout=timeout)
    except ServerError as error:
        stop_server(server)
        raise ServerError(f"{error}\n{_tail(log)}") from None
    return server


def wait_until_up(url: str, process: subprocess.Popen | None, *, timeout: float) -> None:
    """Poll ``url`` until it answers below 500; ServerError when the process ends or time is up."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise ServerError(
                f"the server exited with status {process.returncode} before answering"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise ServerError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


def stop_server(server: Server, *, grace: float = 10.0) -> None:
    """TERM to gunicorn's master (it stops its workers), KILL to its process group if it lingers."""
    _stop(server.process, grace)


def start_worker(
    database_url: str, *, workdir: Path, secret_key: str, interval: float = 5.0
) -> subprocess.Popen:
    """``hotline worker`` (notifications, urging, the statistics rollup) as in production."""
    env = production_env(database_url, workdir=workdir, secret_key=secret_key)
    log = open(workdir / "worker.log", "ab")  # noqa: SIM115 (kept open by the child)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "worker", "--interval", str(interval)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=workdir,
        )
    finally:
        log.close()


def stop_worker(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    _stop(process, grace)


def _stop(process: subprocess.Popen, grace: float) -> None:
    if process.poll() is not None:
        return
    try:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(
                process.pid, signal.SIGKILL
            )  # the group this process leads (start_new_session)
        except ProcessLookupError:
            pass
        process.wait(timeout=grace)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
