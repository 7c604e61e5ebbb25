"""Idempotency keys against a real server process killed with SIGKILL: a POST retried with the
same ``Idempotency-Key`` after a restart gets the first answer again and registers nothing more,
one call alone or a whole burst cut off in the middle.

The server runs in its own installation (``hotline migrate`` in a temporary folder, or a scratch
database on the PostgreSQL server of ``DATABASE_URL``), not in the test database of this process.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = str(Path(sys.executable).with_name("hotline"))

# Run inside the installation: a small triage model in use (no cold-start training during the
# first request), the test city, and the name of its operator, printed last.
SETUP = """
from hotline.triage import corpus
from hotline.triage.model import train
from hotline.triage.models import ModelVersion
from tests.factories import city

model = train(corpus.generate(per_category=20, seed=11))
ModelVersion.objects.create(source=ModelVersion.Source.CORPUS, examples=model.info["examples"], blob=model.to_bytes())
print(city().operator.username)
"""

CALL = {"text": "东城1路11小区门口垃圾三天没人清运，味道很大", "address": "东城1路11小区3栋",
        "caller_name": "张先生", "caller_phone": "13812345678"}


@dataclass(frozen=True)
class Answer:
    status: int
    replay: str | None  # the Idempotent-Replay header
    body: bytes

    @property
    def number(self) -> str:
        return json.loads(self.body)["number"]


@dataclass
class Installation:
    env: dict[str, str]
    folder: Path
    token: str


def _hotline(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([HOTLINE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"hotline {' '.join(args)}: {done.stderr[-3000:]}"
    return done.stdout


@contextlib.contextmanager
def _scratch_database():
    """None on SQLite; on PostgreSQL the URL of a new, empty database, dropped afterwards."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield None
        return
    name = f"hotline_restart_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    folder = tmp_path_factory.mktemp("restart")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"HOTLINE_VAR_DIR": str(folder), "HOTLINE_DEBUG": "0", "HOTLINE_SECRET_KEY": uuid.uuid4().hex * 2,
            "HOTLINE_ALLOWED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    with _scratch_database() as url:
        if url:
            env["DATABASE_URL"] = url
        _hotline(env, "migrate", "-v0", "--skip-checks")
        operator = _hotline(env, "shell", "-v0", "-c", SETUP).split()[-1]
        token = _hotline(env, "token", "--skip-checks", "create", operator).split()[-1]
        yield Installation(env, folder, token)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``hotline runserver`` as a process of its own, on one port across restarts."""

    def __init__(self, installation: Installation):
        self.installation = installation
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self.logs: list[Path] = []

    def start(self) -> None:
        log = self.installation.folder / f"server-{self.port}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [HOTLINE, "runserver", f"127.0.0.1:{self.port}", "--noreload", "--skip-checks"],
                env=self.installation.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server stopped: {log.read_text()[-3000:]}"
            with contextlib.suppress(OSError, http.client.HTTPException):
                self.request("GET", "/api/v1/orders?limit=1", token="")  # any answer, even a 401, will do
                return
            time.sleep(0.05)
        raise AssertionError(f"the server did not answer within 30 s: {log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def send(self, method: str, path: str, body: dict | None = None, *, key: str = "",
             token: str | None = None) -> http.client.HTTPConnection:
        """The request sent, its answer not read yet."""
        headers = {"Authorization": f"Bearer {self.installation.token if token is None else token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(method, path, json.dumps(body, ensure_ascii=False).encode() if body is not None else None, headers)
        return connection

    def request(self, method: str, path: str, body: dict | None = None, *, key: str = "", token: str | None = None) -> Answer:
        connection = self.send(method, path, body, key=key, token=token)
        try:
            response = connection.getresponse()
            body = response.read()
            # The development server writes its header lines one by one: a kill between them
            # leaves a status line without the rest, which http.client takes for a whole answer.
            if response.getheader("Content-Length") is None:
                raise http.client.IncompleteRead(body)
            return Answer(response.status, response.getheader("Idempotent-Replay"), body)
        finally:
            connection.close()

    def register(self, key: str, call: dict = CALL) -> Answer:
        return self.request("POST", "/api/v1/orders", call, key=key)

    def register_until_answered(self, key: str, call: dict = CALL) -> Answer:
        """What a client holding an Idempotency-Key does: the same request again until an answer
        comes (a burst can overflow the development server's short listen queue: a reset)."""
        for _ in range(10):
            with contextlib.suppress(OSError, http.client.HTTPException):
                return self.register(key, call)
            assert self.process is not None and self.process.poll() is None, "the server died"
            time.sleep(0.2)
        raise AssertionError(f"no answer to {key} in 10 attempts")

    def numbers(self) -> list[str]:
        """Every order number the API lists, as the database holds them."""
        answer = self.request("GET", "/api/v1/orders?limit=500")
        page = json.loads(answer.body)
        assert answer.status == 200 and page["count"] == len(page["items"]), page
        return [o["number"] for o in page["items"]]


@pytest.fixture
def server(installation):
    running = Server(installation)
    try:
        running.start()
        yield running
    finally:
        running.kill()
        for log in running.logs:  # shown when the test fails
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-5000:]}")


def test_a_retry_after_the_server_was_killed_gets_the_first_answer_and_registers_nothing(server):
    before = set(server.numbers())
    first = server.register("k1")
    assert first.status == 201 and first.replay is None, first
    # an answer lost on the way: the order is stored, its caller never read the number
    unread = server.send("POST", "/api/v1/orders", CALL, key="k3")
    deadline = time.monotonic() + 30
    while len(listed := set(server.numbers())) < len(before) + 2:
        assert time.monotonic() < deadline, "the unread request was never stored"
        time.sleep(0.05)

    server.restart()
    unread.close()
    again = server.register("k1")
    assert (again.status, again.body, again.replay) == (first.status, first.body, "true")
    lost = server.register("k3")
    assert (lost.status, lost.replay) == (201, "true") and listed == before | {first.number, lost.number}
    assert set(server.numbers()) == listed

    # a different key is another call: another order (so the counts above could have failed)
    other = server.register("k2")
    assert other.status == 201 and other.replay is None and other.number not in listed
    assert set(server.numbers()) == listed | {other.number}
    # the same key with another request is refused, and registers nothing either
    reused = server.register("k1", CALL | {"caller_name": "李女士"})
    assert reused.status == 422 and json.loads(reused.body)["code"] == "idempotency_key_reused"
    assert len(server.numbers()) == len(before) + 3


def test_a_burst_cut_off_by_sigkill_and_retried_whole_registers_each_call_once(server):
    calls, kill_after = 20, 6
    keys = [f"burst-{uuid.uuid4().hex}" for _ in range(calls)]
    bodies = [CALL | {"caller_name": f"来电人{i}"} for i in range(calls)]
    before = set(server.numbers())
    acknowledged: dict[int, Answer] = {}
    answered = threading.Semaphore(0)

    def call(i: int) -> None:
        try:
            acknowledged[i] = server.register(keys[i], bodies[i])
        except (OSError, http.client.HTTPException):
            return  # no answer: cut off by the kill (or refused by a full listen queue)
        answered.release()

    with ThreadPoolExecutor(calls) as pool:
        for i in range(calls):
            pool.submit(call, i)
        try:
            for _ in range(kill_after):
                assert answered.acquire(timeout=30), "the server stopped answering before the kill"
        finally:
            server.kill()
    assert kill_after <= len(acknowledged) < calls, "the kill came after the burst: nothing was cut off"
    assert {a.status for a in acknowledged.values()} == {201}, acknowledged

    server.start()
    with ThreadPoolExecutor(calls) as pool:
        retried = list(pool.map(lambda i: server.register_until_answered(keys[i], bodies[i]), range(calls)))
    assert {r.status for r in retried} == {201}, retried
    for i, answer in acknowledged.items():
        assert (retried[i].body, retried[i].replay) == (answer.body, "true"), i
    numbers = {r.number for r in retried}
    after = set(server.numbers())
    assert len(numbers) == calls and after == before | numbers and not before & numbers
