"""PostgreSQL restarted (``pg_ctl restart -m fast``) and then crashed (``stop -m immediate``, a
second down, ``start``) under a load of keyed intake calls and console pages, served by gunicorn:
every answer is a success or a clear 503 (JSON with a message on the API, a short page on the
console), none hangs, each refused call sent again with its key once the database is back is
registered, and every order is whole and there once: its register event, its receipt and its
idempotency record, nothing more, nothing less.

The cluster is the test's own (tests/faults/cluster.py), never the server of ``DATABASE_URL``.
"""

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import pytest
from django.db import connection

from tests.faults.cluster import Cluster
from tests.faults.servers import CALL, NO_ANSWER, Answer, Gunicorn, installed

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="restarts a PostgreSQL cluster (PostgreSQL)"
)

CALLERS = 5  # threads registering orders; one more reads a console page
TIMEOUT = 15.0  # seconds: an answer later than this is a hung request
SUCCESSES_BETWEEN = 8  # acknowledged orders before the restart, between it and the crash, after


@pytest.fixture(scope="module")
def cluster():
    own = Cluster()
    try:
        yield own
    finally:
        print(f"--- PostgreSQL\n{own.log()}")
        own.remove()


@pytest.fixture(scope="module")
def gunicorn(cluster, tmp_path_factory: pytest.TempPathFactory):
    with installed(tmp_path_factory.mktemp("pg-restart"), cluster.url) as installation:
        server = Gunicorn(installation, workers=2)
        server.timeout = TIMEOUT
        try:
            yield server
        finally:
            server.stop()
            print(f"--- gunicorn\n{server.log()}")


@dataclass
class Sent:
    key: str
    body: dict
    phase: str
    answer: Answer | None = None
    error: str = ""


class Load:
    """Callers registering orders with keys of their own, and a reader of a console page, until
    stopped; each request with the phase it was sent in."""

    def __init__(self, gunicorn: Gunicorn, cookie: str) -> None:
        self.gunicorn, self.cookie = gunicorn, cookie
        self.phase = "before"
        self.sent: list[Sent] = []
        self.pages: list[tuple[str, Answer | str]] = []
        self.acknowledged = threading.Semaphore(0)
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._call, args=(i,)) for i in range(CALLERS)]
        self.threads.append(threading.Thread(target=self._read))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(TIMEOUT + 5)
        assert not any(t.is_alive() for t in self.threads), "a client is stuck"

    def wait_for(self, successes: int) -> None:
        for _ in range(successes):
            assert self.acknowledged.acquire(timeout=60), "no order acknowledged for a minute"

    def _call(self, caller: int) -> None:
        n = 0
        while not self.stopped.is_set():
            n += 1
            sent = Sent(
                f"pg-{caller}-{n}-{uuid.uuid4().hex[:8]}",
                CALL | {"caller_name": f"来电人{caller}-{n}"},
                self.phase,
            )
            self.sent.append(sent)
            try:
                sent.answer = self.gunicorn.register(sent.key, sent.body)
            except NO_ANSWER as error:
                sent.error = repr(error)
            if sent.answer is not None and sent.answer.status == 201:
                self.acknowledged.release()
            else:
                time.sleep(0.05)  # what a client does after a refusal: not hammer the server

    def _read(self) -> None:
        while not self.stopped.is_set():
            phase = self.phase
            try:
                self.pages.append((phase, self.gunicorn.page("/orders/", self.cookie)))
            except NO_ANSWER as error:
                self.pages.append((phase, repr(error)))
            time.sleep(0.05)


def _clear_api_error(answer: Answer) -> bool:
    document = answer.document
    return (
        answer.status == 503
        and answer.retry_after == "5"
        and answer.content_type.startswith("application/json")
        and document["code"] == "database_unavailable"
        and "数据库暂时不可用" in document["message"]
    )


def _clear_page(answer: Answer) -> bool:
    page = answer.body.decode()
    return (
        answer.status == 503
        and answer.retry_after == "5"
        and answer.content_type.startswith("text/html")
        and "系统暂时不可用" in page
        and "Traceback" not in page
    )


def _stored(url: str) -> dict:
    """What the database holds, read directly: each order's number with its events, receipts and
    the idempotency records' bodies."""
    with psycopg.connect(url) as db:
        orders = dict(db.execute("SELECT id, number FROM orders_workorder").fetchall())
        rows = db.execute(
            "SELECT o.id, o.status, o.version, o.registered_at, e.seq, e.action, e.at "
            "FROM orders_workorder o LEFT JOIN orders_event e ON e.order_id = o.id"
        ).fetchall()
        receipts = Counter(
            r[0]
            for r in db.execute("SELECT order_id FROM notifications_message WHERE kind = 'receipt'")
        )
        keys = db.execute("SELECT key, status, body FROM api_idempotencykey").fetchall()
    events: dict[int, list] = {}
    for order_id, status, version, registered_at, seq, action, at in rows:
        events.setdefault(order_id, []).append((status, version, seq, action, at == registered_at))
    return {"orders": orders, "events": events, "receipts": receipts, "keys": keys}


def test_a_database_restarted_and_crashed_under_load_gives_clear_errors_and_loses_or_doubles_nothing(  # noqa: E501  (the test's name)
    gunicorn, cluster
) -> None:
    cookie = gunicorn.login(gunicorn.installation.operator)
    before = _stored(gunicorn.installation.database_url)
    with Load(gunicorn, cookie) as load:
        load.wait_for(SUCCESSES_BETWEEN)
        load.phase = "restart"
        cluster.restart()
        load.wait_for(SUCCESSES_BETWEEN)
        load.phase = "crash"
        cluster.stop("immediate")
        time.sleep(1)  # requests keep coming while it is down
        cluster.start()
        load.wait_for(SUCCESSES_BETWEEN)

    # Every answer a success or a clear error; no hung request, no connection cut without an answer.
    assert [s for s in load.sent if s.answer is None] == []
    assert [p for p in load.pages if isinstance(p[1], str)] == []
    unclear = [
        (s.key, s.answer)
        for s in load.sent
        if s.answer.status != 201 and not _clear_api_error(s.answer)
    ]
    assert unclear == []
    assert [a for _, a in load.pages if a.status != 200 and not _clear_page(a)] == []
    refused = [s for s in load.sent if s.answer.status == 503]
    assert {s.phase for s in refused} >= {"crash"}, (
        "the crash refused nothing: the test proved nothing"
    )
    assert {p for p, a in load.pages if a.status == 503} >= {"crash"}
    print(
        Counter((s.phase, s.answer.status) for s in load.sent),
        Counter((p, a.status) for p, a in load.pages),
    )

    # The refused calls sent again with their keys are registered; the acknowledged ones answered
    # alike.
    with ThreadPoolExecutor(8) as pool:
        again = list(
            pool.map(
                lambda s: gunicorn.register_until_answered(
                    s.key, s.body, answered=lambda a: a.status != 503
                ),
                load.sent,
            )
        )
    assert {a.status for a in again} == {201}
    assert all(
        (a.body, a.replay) == (s.answer.body, "true")
        for s, a in zip(load.sent, again, strict=True)
        if s.answer.status == 201
    )
    assert sum(a.replay is None for a in again) == len(refused)  # each refusal had written nothing

    # Each call one whole order: number, register event, receipt, idempotency record; nothing else.
    stored = _stored(gunicorn.installation.database_url)
    numbers = [a.document["number"] for a in again]
    new = {pk: number for pk, number in stored["orders"].items() if pk not in before["orders"]}
    assert sorted(new.values()) == sorted(numbers) and len(set(numbers)) == len(load.sent)
    assert {pk: stored["events"][pk] for pk in new} == {
        pk: [("registered", 1, 1, "register", True)] for pk in new
    }
    assert {pk: stored["receipts"][pk] for pk in new} == dict.fromkeys(new, 1)
    kept = {key: (status, bytes(body)) for key, status, body in stored["keys"]}
    assert {s.key: kept.get(s.key) for s in load.sent} == {
        s.key: (201, a.body) for s, a in zip(load.sent, again, strict=True)
    }
