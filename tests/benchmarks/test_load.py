"""The load generator: its statistics on a tiny local server, its bounds, the scenarios' requests,
and (on PostgreSQL) `hotline bench quick` registering orders through our gunicorn with every
acknowledged order in the database and nothing else."""

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from hotline.benchmarks import load
from hotline.benchmarks.load import Call, Level, percentile


class _Handler(BaseHTTPRequestHandler):
    """/ok → 200; /status/N → N; /sleep/MS → 200 after MS milliseconds; POST /orders → 201 with
    {"number": n}, or 500 for every third."""

    protocol_version = "HTTP/1.1"
    posted = Counter()
    lock = threading.Lock()

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if parts[0] == "sleep":
            time.sleep(int(parts[1]) / 1000)
            return self._answer(200)
        if parts[0] == "status":
            return self._answer(int(parts[1]))
        return self._answer(200)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.posted["n"] += 1
            n = self.posted["n"]
        if n % 3 == 0:
            return self._answer(500)
        self._answer(201, json.dumps({"number": str(n)}).encode())

    def _answer(self, status: int, body: bytes = b"ok"):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that timed out and hung up: expected here


@pytest.fixture(scope="module")
def local():
    server = _Server(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _level(ok: int, *, errors: int = 0, latency: float = 0.01, seconds: float = 1.0) -> Level:
    return Level(
        "x",
        seconds,
        Counter({"200": ok, **({"500": errors} if errors else {})}),
        [latency] * (ok + errors),
    )


# --- statistics -----------------------------------------------------------------------------------


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, q) for q in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0 and percentile([7.0], 99) == 7.0
    assert percentile([], 99) == 0.0


def test_a_level_counts_answers_errors_and_throughput(local):
    level = load.run_level(
        local,
        lambda i: Call("GET", "/ok" if i % 4 else "/status/503"),
        scenario="t",
        concurrency=4,
        duration=0.8,
    )
    assert level.requests == level.ok + level.errors > 20
    assert level.errors == level.statuses["503"] and set(level.statuses) == {"200", "503"}
    assert (
        abs(level.errors - level.requests / 4) <= 4
    )  # one in four, give or take the users in flight
    assert level.throughput == pytest.approx(level.ok / level.seconds)
    assert 0.8 <= level.seconds < 2.0
    figures = level.as_dict()
    assert figures["statuses"] == {"503": level.errors} and figures["throughput"] == round(
        level.throughput, 1
    )
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]


def test_latency_percentiles_follow_the_slow_answers(local):
    level = load.run_level(
        local,
        lambda i: Call("GET", "/sleep/150" if i % 10 == 0 else "/ok"),
        concurrency=1,
        duration=0.8,
    )
    assert level.errors == 0 and level.requests >= 10
    assert level.latency_ms(50) < 100
    assert level.latency_ms(99) >= 150 and level.latency_ms(95) >= 150  # one in ten is slow


def test_a_level_stops_by_itself_and_counts_timeouts(local):
    started = time.monotonic()
    level = load.run_level(
        local, lambda i: Call("GET", "/sleep/3000"), concurrency=3, duration=0.3, timeout=0.25
    )
    elapsed = time.monotonic() - started
    assert elapsed < 0.3 + 0.25 + 1.0  # the deadline, one request's timeout, and a little
    assert level.ok == 0 and level.errors == level.timeouts == level.requests >= 3
    assert min(level.latencies) >= 0.25


def test_the_open_loop_keeps_its_schedule_and_its_bound(local):
    steady = load.run_level(local, lambda i: Call("GET", "/ok"), rate=40, duration=1.0)
    assert steady.requests == steady.ok == 40 and 0.95 <= steady.seconds < 1.6
    # Slow answers: the client keeps at most max_in_flight open and counts the rest as dropped.
    slow = load.run_level(
        local, lambda i: Call("GET", "/sleep/600"), rate=20, duration=0.5, max_in_flight=2
    )
    assert slow.requests == 10 and slow.ok == 2 and slow.statuses["dropped"] == 8
    assert slow.latency_ms(50) >= 0  # dropped calls count from their scheduled moment


def test_kept_answers_and_the_unanswered_calls(local):
    level = load.run_level(
        local, lambda i: Call("POST", "/orders", b"{}", keep=True), concurrency=2, duration=0.5
    )
    assert (
        len(level.kept) == level.ok
        and len(level.unanswered) == level.errors == level.statuses["500"] > 0
    )
    assert all(call.path == "/orders" for call, _ in level.kept)
    assert len(set(load.numbers_of([body for _, body in level.kept]))) == level.ok


def test_only_loopback_is_loaded():
    with pytest.raises(ValueError, match="loopback"):
        load.run_level(
            "http://example.com", lambda i: Call("GET", "/"), concurrency=1, duration=0.1
        )


def test_saturation_errors_flat_throughput_or_exploding_p99():
    assert load.saturation([_level(100)]) == ""
    assert load.saturation([_level(100), _level(190)]) == ""
    assert load.saturation([_level(100), _level(105)]).startswith("throughput stopped rising")
    assert load.saturation([_level(100), _level(150, errors=1)]).startswith("errors")
    assert load.saturation([_level(100, latency=0.1), _level(200, latency=2.0)]).startswith(
        "p99 exploded"
    )


def test_ramp_stops_at_saturation_or_when_its_budget_is_spent():
    rates = {1: 50, 2: 100, 4: 104, 8: 300}
    levels, why = load.ramp(lambda c: _level(rates[c]), [1, 2, 4, 8])
    assert [lv.ok for lv in levels] == [50, 100, 104] and why.startswith(
        "throughput stopped rising"
    )
    assert load.best_level(levels).ok == 104
    # with patience, one flat level is not yet saturation: the next one rises again
    levels, why = load.ramp(lambda c: _level(rates[c]), [1, 2, 4, 8], patience=1)
    assert [lv.ok for lv in levels] == [50, 100, 104, 300] and why == ""
    levels, why = load.ramp(lambda c: _level(100, errors=c // 4), [1, 2, 4, 8], patience=3)
    assert len(levels) == 3 and why.startswith("errors")  # errors stop a ramp at once

    def slow(c):
        time.sleep(0.05)
        return _level(c * 100)

    levels, why = load.ramp(slow, [1, 2, 4, 8], budget=0.08)
    assert len(levels) == 2 and why == "time budget spent"


# --- the scenarios against the application, in process ------------------------------------------


@pytest.mark.django_db
def test_every_scenario_makes_requests_the_application_answers(client, model_in_use):
    from hotline.benchmarks.generate import generate
    from hotline.org.selectors import area_index

    generate(300, months=1, seed=3)
    fixture = load.make_fixture(seed=3, bodies=50, numbers=50)
    assert fixture.numbers and fixture.handler_tokens and len(fixture.bodies) == 50
    assert all(area_index().resolve(body["address"]) for body in fixture.bodies)
    scenarios = load.Scenarios(fixture)
    seen = Counter()
    for i in range(40):
        call = scenarios.mixed(i)
        seen[call.kind] += 1
        headers = {
            "HTTP_" + k.upper().replace("-", "_"): v
            for k, v in (call.headers or {}).items()
            if k != "Content-Type"
        }
        if call.method == "POST":
            answer = client.post(
                call.path, call.content, content_type="application/json", **headers
            )
        else:
            answer = client.get(call.path, **headers)
        assert answer.status_code in (200, 201), (call.kind, call.path, answer.content[:300])
    assert set(seen) == set(load.MIX)


# --- end to end on PostgreSQL ------------------------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if urlsplit(url).scheme in ("postgres", "postgresql") else None


@pytest.mark.skipif(_postgres_url() is None, reason="needs DATABASE_URL=postgres://…")
def test_bench_registers_through_gunicorn_and_every_acknowledged_order_is_in_the_database(tmp_path):
    """A small `hotline bench quick`: intake only, a scratch database of its own, our gunicorn;
    the command itself checks rows against acknowledgements (and exits 1 when they differ)."""
    command = [
        sys.executable,
        "-m",
        "hotline.cli",
        "bench",
        "quick",
        "--orders",
        "400",
        "--scenarios",
        "intake,intake_batch",
        "--levels",
        "2",
        "--duration",
        "1.5",
        "--rate",
        "20",
        "--workers",
        "2",
        "--no-peer",
        "--profile",
        "0",
        "--corpus-per-category",
        "40",
        "--database",
        f"hotline_bench_test_{os.getpid()}",
        "--workdir",
        str(tmp_path),
        "--out",
        str(tmp_path / "report.json"),
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"HOTLINE_VAR_DIR": str(tmp_path / "var")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    headline = json.loads(done.stdout.strip().splitlines()[-1])
    assert headline["intake_rows_match"] is headline["intake_batch_rows_match"] is True
    assert (
        headline["intake_orders_per_s"]
        == max(headline["intake_single_orders_per_s"], headline["intake_batch_orders_per_s"])
        > 0
    )
    report = json.loads((tmp_path / "report.json").read_text())
    check = report["checks"]["intake"]
    assert check["rows"] == check["acknowledged"] > 0 and check["lost"] == check["extra"] == 0
    assert check["replayed_same"] == check["replayed"] > 0
    batch = report["checks"]["intake_batch"]
    assert batch["rows"] == batch["acknowledged"] > 0 and batch["acknowledged"] % load.BATCH == 0
    assert report["checks"]["intake_at_rate"]["match"]
    intake = [lv for lv in report["levels"] if lv["scenario"] == "intake"]
    at_rate = [lv for lv in report["levels"] if lv["scenario"].endswith(" at rate")]
    assert intake[0]["concurrency"] == 2 and len(at_rate) == 1
    assert (
        headline["intake_at_rate"]["orders_rate"] <= 20
    )  # 20 orders a second, or 80 % of a lower peak
