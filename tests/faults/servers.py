"""A hotline installation of its own and real server processes over it, for the tests that kill
servers and databases under load.

``installed(folder, database_url)`` migrates a fresh installation (SQLite in ``folder`` when the
URL is empty) with a small triage model, the test city and an API token; ``Client`` sends it keyed
intake calls over HTTP; ``Gunicorn`` serves it as production does (hotline.benchmarks.server).
Nothing here shares the test database of the pytest process.
"""

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
from psycopg import sql

from hotline.benchmarks import server as production

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = str(Path(sys.executable).with_name("hotline"))

# Run inside the installation: a small triage model in use (no cold-start training during the
# first request), the test city, and the name of its operator, printed last.
SETUP = """
from hotline.triage import corpus
from hotline.triage.classifier import train
from hotline.triage.models import ModelVersion
from tests.factories import city

model = train(corpus.generate(per_category=20, seed=11))
ModelVersion.objects.create(
    source=ModelVersion.Source.CORPUS, examples=model.info["examples"], blob=model.to_bytes()
)
print(city().operator.username)
"""

CALL = {
    "text": "东城1路11小区门口垃圾三天没人清运，味道很大",
    "address": "东城1路11小区3栋",
    "caller_name": "张先生",
    "caller_phone": "13812345678",
}

# What a client takes for "no answer": the connection refused, reset or closed mid-answer.
NO_ANSWER = (OSError, http.client.HTTPException)


@dataclass(frozen=True)
class Answer:
    status: int
    replay: str | None  # the Idempotent-Replay header
    body: bytes
    retry_after: str | None = None
    content_type: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def document(self):
        return json.loads(self.body)

    @property
    def numbers(self) -> list[str]:
        """The numbers of the orders a 201 registered (one call or a batch)."""
        document = self.document
        return (
            [o["number"] for o in document["items"]]
            if "items" in document
            else [document["number"]]
        )


@dataclass
class Installation:
    env: dict[str, str]
    folder: Path  # its HOTLINE_VAR_DIR is folder / "var", as hotline.benchmarks.server sets it
    token: str  # the operator's API token
    database_url: str  # empty: SQLite in the folder
    operator: str  # the test city's operator (password "x")

    @property
    def secret_key(self) -> str:
        return self.env["HOTLINE_SECRET_KEY"]


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    return {
        c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0]
        for c in response.headers.get_all("Set-Cookie") or []
    }


def hotline(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [HOTLINE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"hotline {' '.join(args)}: {done.stderr[-3000:]}"
    return done.stdout


@contextlib.contextmanager
def scratch_database(server_url: str | None) -> Iterator[str]:
    """'' without a server (SQLite); else the URL of a new, empty database on it, dropped
    afterwards."""
    if not server_url:
        yield ""
        return
    name = f"hotline_faults_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def installed(folder: Path, server_url: str | None) -> Iterator[Installation]:
    """A migrated installation in a scratch database on ``server_url`` (SQLite in ``folder``
    when None)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "HOTLINE_VAR_DIR": str(folder / "var"),
        "HOTLINE_DEBUG": "0",
        "HOTLINE_SECRET_KEY": uuid.uuid4().hex * 2,
        "HOTLINE_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    with scratch_database(server_url) as url:
        if url:
            env["DATABASE_URL"] = url
        hotline(env, "migrate", "-v0", "--skip-checks")
        operator = hotline(env, "shell", "-v0", "-c", SETUP).split()[-1]
        token = hotline(env, "token", "--skip-checks", "create", operator).split()[-1]
        yield Installation(env, folder, token, url, operator)


def free_port() -> int:
    return production.free_port()


class Client:
    """HTTP calls to one port on loopback, with the installation's API token."""

    timeout = 60.0

    def __init__(self, installation: Installation, port: int) -> None:
        self.installation = installation
        self.port = port

    def alive(self) -> bool:
        """Whether the server process still runs (a retry loop gives up when it does not)."""
        return True

    def send(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        *,
        key: str = "",
        token: str | None = None,
    ) -> http.client.HTTPConnection:
        """The request sent, its answer not read yet."""
        headers = {"Authorization": f"Bearer {self.installation.token if token is None else token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        connection.request(
            method,
            path,
            json.dumps(body, ensure_ascii=False).encode() if body is not None else None,
            headers,
        )
        return connection

    def request(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        *,
        key: str = "",
        token: str | None = None,
    ) -> Answer:
        connection = self.send(method, path, body, key=key, token=token)
        try:
            response = connection.getresponse()
            body = response.read()
            # The development server writes its header lines one by one: a kill between them
            # leaves a status line without the rest, which http.client takes for a whole answer.
            if response.getheader("Content-Length") is None:
                raise http.client.IncompleteRead(body)
            return Answer(
                response.status,
                response.getheader("Idempotent-Replay"),
                body,
                response.getheader("Retry-After"),
                response.getheader("Content-Type"),
                _cookies(response),
            )
        finally:
            connection.close()

    def register(self, key: str, call: dict = CALL, *, path: str = "/api/v1/orders") -> Answer:
        return self.request("POST", path, call, key=key)

    def register_until_answered(
        self,
        key: str,
        call: dict = CALL,
        *,
        path: str = "/api/v1/orders",
        answered: Callable[[Answer], bool] = lambda a: True,
    ) -> Answer:
        """What a client holding an Idempotency-Key does: the same request again until an answer
        comes (and, with ``answered``, until it is one it accepts: not a 503, say)."""
        for _ in range(50):
            with contextlib.suppress(*NO_ANSWER):
                if answered(answer := self.register(key, call, path=path)):
                    return answer
            assert self.alive(), "the server died"
            time.sleep(0.2)
        raise AssertionError(f"no answer to {key} in 50 attempts")

    def login(self, username: str, password: str = "x") -> str:
        """The ``Cookie`` header of a console session, signed in through the login form."""
        page = self.request("GET", "/login/", token="")
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)[1].decode()
        cookies = {"csrftoken": page.cookies["csrftoken"]}
        form = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
        ).encode()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(
                "POST",
                "/login/",
                form,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={cookies['csrftoken']}",
                },
            )
            response = connection.getresponse()
            response.read()
            assert response.status == 302, f"the login failed: {response.status}"
            cookies |= _cookies(response)
        finally:
            connection.close()
        return "; ".join(f"{k}={v}" for k, v in cookies.items())

    def page(self, path: str, cookie: str) -> Answer:
        """A console page as a signed-in browser asks for it."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            return Answer(
                response.status,
                None,
                response.read(),
                response.getheader("Retry-After"),
                response.getheader("Content-Type"),
            )
        finally:
            connection.close()

    def numbers(self) -> list[str]:
        """Every order number the API lists, as the database holds them."""
        answer = self.request("GET", "/api/v1/orders?limit=500")
        page = answer.document
        assert answer.status == 200 and page["count"] == len(page["items"]), page
        return [o["number"] for o in page["items"]]


class Gunicorn(Client):
    """gunicorn as production runs it (hotline.benchmarks.server), over an installation."""

    def __init__(
        self, installation: Installation, *, workers: int = 2, request_timeout: int = 30
    ) -> None:
        self.server = production.start_server(
            installation.database_url,
            workdir=installation.folder,
            secret_key=installation.secret_key,
            workers=workers,
            request_timeout=request_timeout,
            extra_env={"PYTHONPATH": str(ROOT)},
        )
        super().__init__(installation, self.server.port)

    def alive(self) -> bool:
        return self.server.process.poll() is None

    def workers(self) -> list[int]:
        return self.server.pids()[1:]

    def kill_worker(self) -> int:
        """SIGKILL to one worker, never the master; its process id."""
        pid = self.workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_for_respawn(self, killed: int, *, timeout: float = 30) -> None:
        """Until the master has reaped ``killed`` and runs as many workers as it was told to."""
        deadline = time.monotonic() + timeout
        while killed in (workers := self.workers()) or len(workers) < self.server.workers:
            assert self.alive() and time.monotonic() < deadline, (
                f"the master did not respawn its worker: {self.log()}"
            )
            time.sleep(0.05)

    def stop(self) -> None:
        production.stop_server(self.server)

    def log(self) -> str:
        return self.server.log.read_text(errors="replace")[-5000:]
