"""Idempotency keys against a real server process killed with SIGKILL: a POST retried with the
same ``Idempotency-Key`` after a restart gets the first answer again and registers nothing more,
one call alone or a whole burst cut off in the middle.

The server runs in its own installation (``hotline migrate`` in a temporary folder, or a scratch
database on the PostgreSQL server of ``DATABASE_URL``), not in the test database of this process.
A gunicorn worker killed under load: tests/faults/test_gunicorn_worker_killed.py.
"""

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.faults.servers import (
    CALL,
    HOTLINE,
    NO_ANSWER,
    ROOT,
    Answer,
    Client,
    Installation,
    free_port,
    installed,
)


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory):
    with installed(tmp_path_factory.mktemp("restart"), os.environ.get("DATABASE_URL")) as ready:
        yield ready


class Server(Client):
    """``hotline runserver`` as a process of its own, on one port across restarts."""

    def __init__(self, installation: Installation) -> None:
        super().__init__(installation, free_port())
        self.process: subprocess.Popen | None = None
        self.logs: list[Path] = []

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        log = self.installation.folder / f"server-{self.port}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [HOTLINE, "runserver", f"127.0.0.1:{self.port}", "--noreload", "--skip-checks"],
                env=self.installation.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server stopped: {log.read_text()[-3000:]}"
            with contextlib.suppress(*NO_ANSWER):
                self.request(
                    "GET", "/api/v1/orders?limit=1", token=""
                )  # any answer, even a 401, will do
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


def test_a_retry_after_the_server_was_killed_gets_the_first_answer_and_registers_nothing(
    server,
) -> None:
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
    assert (lost.status, lost.replay) == (201, "true") and listed == before | {
        first.numbers[0],
        lost.numbers[0],
    }
    assert set(server.numbers()) == listed

    # a different key is another call: another order (so the counts above could have failed)
    other = server.register("k2")
    assert other.status == 201 and other.replay is None and other.numbers[0] not in listed
    assert set(server.numbers()) == listed | {other.numbers[0]}
    # the same key with another request is refused, and registers nothing either
    reused = server.register("k1", CALL | {"caller_name": "李女士"})
    assert reused.status == 422 and reused.document["code"] == "idempotency_key_reused"
    assert len(server.numbers()) == len(before) + 3


def test_a_burst_cut_off_by_sigkill_and_retried_whole_registers_each_call_once(server) -> None:
    calls, kill_after = 20, 6
    keys = [f"burst-{uuid.uuid4().hex}" for _ in range(calls)]
    bodies = [CALL | {"caller_name": f"来电人{i}"} for i in range(calls)]
    before = set(server.numbers())
    acknowledged: dict[int, Answer] = {}
    answered = threading.Semaphore(0)

    def call(i: int) -> None:
        try:
            acknowledged[i] = server.register(keys[i], bodies[i])
        except NO_ANSWER:
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
    assert kill_after <= len(acknowledged) < calls, (
        "the kill came after the burst: nothing was cut off"
    )
    assert {a.status for a in acknowledged.values()} == {201}, acknowledged

    server.start()
    with ThreadPoolExecutor(calls) as pool:
        retried = list(
            pool.map(lambda i: server.register_until_answered(keys[i], bodies[i]), range(calls))
        )
    assert {r.status for r in retried} == {201}, retried
    for i, answer in acknowledged.items():
        assert (retried[i].body, retried[i].replay) == (answer.body, "true"), i
    numbers = {r.numbers[0] for r in retried}
    after = set(server.numbers())
    assert len(numbers) == calls and after == before | numbers and not before & numbers
