"""A gunicorn worker killed with SIGKILL in the middle of a burst of keyed intake calls: the master
starts another, the clients send the calls that got no answer again with the same keys, and
every call ends up registered exactly once, the acknowledged ones with their first answer.

Production's setup (hotline.benchmarks.server: gunicorn, sync workers, the app preloaded), two
workers, over an installation of its own (SQLite, or a scratch database on the PostgreSQL of
``DATABASE_URL``). The development server killed whole: tests/api/test_restart.py.
"""

import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.servers import CALL, NO_ANSWER, Answer, Gunicorn, installed

CALLS = 20
KILL_EVERY = 3  # answers between kills; they go on until a kill has cut a call off
MAX_KILLS = 5


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory):
    with installed(tmp_path_factory.mktemp("gunicorn"), os.environ.get("DATABASE_URL")) as ready:
        yield ready


@pytest.fixture(scope="module")
def gunicorn(installation):
    server = Gunicorn(installation, workers=2)
    try:
        yield server
    finally:
        server.stop()
        print(f"--- gunicorn\n{server.log()}")  # shown when a test fails


def burst_with_kills(
    gunicorn: Gunicorn, path: str, bodies: list[dict], keys: list[str]
) -> tuple[dict[int, Answer], list[int]]:
    """All calls at once; a worker killed every KILL_EVERY answers, each once the master has
    replaced the one before, until a call was cut off. The answers that came, and the workers
    killed."""
    acknowledged: dict[int, Answer] = {}
    answered, cut_off = threading.Semaphore(0), threading.Event()
    killed: list[int] = []

    def call(i: int) -> None:
        try:
            acknowledged[i] = gunicorn.register(keys[i], bodies[i], path=path)
        except NO_ANSWER:
            cut_off.set()
            return
        answered.release()

    with ThreadPoolExecutor(len(bodies)) as pool:
        for i in range(len(bodies)):
            pool.submit(call, i)
        while not cut_off.is_set() and len(killed) < MAX_KILLS:
            for _ in range(KILL_EVERY):
                assert answered.acquire(timeout=30), f"gunicorn stopped answering: {gunicorn.log()}"
            # An answer just read means its worker is between requests: kill a moment later.
            time.sleep(0.01)
            killed.append(gunicorn.kill_worker())
            gunicorn.wait_for_respawn(killed[-1])
    return acknowledged, killed


@pytest.mark.parametrize(
    "path, per_call", [("/api/v1/orders", 1), ("/api/v1/orders/batch", 3)], ids=["one", "batch"]
)
def test_a_worker_killed_mid_burst_loses_no_acknowledged_order_and_registers_no_call_twice(
    gunicorn, path, per_call
) -> None:
    keys = [f"killed-{uuid.uuid4().hex}" for _ in range(CALLS)]
    calls = [
        [CALL | {"caller_name": f"来电人{i}-{j}"} for j in range(per_call)] for i in range(CALLS)
    ]
    bodies = [orders[0] if per_call == 1 else {"orders": orders} for orders in calls]
    before = set(gunicorn.numbers())

    acknowledged, killed = burst_with_kills(gunicorn, path, bodies, keys)
    assert len(set(killed)) == len(killed) and not set(killed) & set(
        gunicorn.workers()
    )  # each one replaced
    assert len(acknowledged) < CALLS, (
        "no call was cut off: every kill missed the requests in flight"
    )
    assert {a.status for a in acknowledged.values()} == {201}, acknowledged

    with ThreadPoolExecutor(CALLS) as pool:
        retried = list(
            pool.map(
                lambda i: gunicorn.register_until_answered(keys[i], bodies[i], path=path),
                range(CALLS),
            )
        )
    assert {r.status for r in retried} == {201}, retried
    for i, answer in acknowledged.items():
        assert (retried[i].body, retried[i].replay) == (answer.body, "true"), i
    numbers = [n for r in retried for n in r.numbers]
    after = set(gunicorn.numbers())
    assert len(numbers) == len(set(numbers)) == CALLS * per_call
    assert after == before | set(numbers) and not before & set(numbers)
