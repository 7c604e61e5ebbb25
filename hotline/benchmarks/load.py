"""A bounded HTTP load generator, and the scenarios it plays against our server and the peer.

The engine (no Django): an asyncio + httpx client on loopback that plays one *level* at a time,
either closed-loop (``concurrency`` users, each sending its next request when the last one was
answered) or open-loop (``rate`` requests a second on a fixed schedule whatever the answers; the
latency counts from the scheduled moment, so a server that falls behind is charged for the
queue it builds). A level lasts ``duration`` seconds and stops by itself: no request starts after
the deadline, every request has its own ``timeout``, and the whole level has a hard bound
(duration + timeout + a few seconds) after which whatever is still in flight is cancelled and
counted as timed out. Per level: requests, 2xx, errors by status (non-2xx, ``timeout``,
``network``), throughput (2xx per second), median, p95 and p99 latency (nearest rank, over every
request: a timeout counts with the time it took), and the client's own CPU time (the client
shares the machine with the server; its cost is reported, not hidden).

``ramp`` plays levels of rising concurrency until saturation: errors appear, throughput stops
rising (less than ``rise`` times the best so far), p99 explodes (``p99_factor`` times that of
the best level and above ``p99_limit_ms``), or the time ``budget`` is spent.

The scenarios (``Scenarios``) build the requests: ``intake`` (POST /api/v1/orders with the demo
city's texts and addresses and an ``Idempotency-Key``, so triage and the duplicate search run),
``inbox`` (a unit handler's orders through the API), ``order_page`` (an order's page, as the
dispatcher sees it), ``dispatcher_queue`` (the dispatcher's home page: the queue and its counts)
and ``mixed`` (a day in the life). ``PeerScenarios`` does ticket creation and the ticket list on
the peer (``peer.py``). The plan of ``hotline bench quick|full`` is ``run_bench`` at the end.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:  # only for annotations: the bench imports Django and psycopg when it runs
    import threading
    from pathlib import Path

    import psycopg

    from hotline.benchmarks.peer import Peer
    from hotline.demo.city import DemoCity
    from hotline.org.models import User

DEFAULT_TIMEOUT = 10.0  # seconds per request
HARD_GRACE = 5.0  # seconds past deadline + timeout after which a level is cut off


@dataclass(frozen=True)
class Call:
    """One request: ``content`` is sent as is (JSON already encoded); ``kind`` names the
    scenario it belongs to (a mix reports each kind); ``keep``: the level keeps the call with the
    body of its 2xx answer, or the call alone when it got none (to check what was written)."""

    method: str
    path: str
    content: bytes | None = None
    headers: dict | None = None
    kind: str = ""
    keep: bool = False


def json_call(
    method: str,
    path: str,
    body: dict,
    headers: dict[str, str] | None = None,
    *,
    kind: str = "",
    keep: bool = False,
) -> Call:
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Call(
        method,
        path,
        encoded,
        {"Content-Type": "application/json", **(headers or {})},
        kind=kind,
        keep=keep,
    )


MakeCall = Callable[[int], Call]  # the i-th call of a level (i counts from 0)
Say = Callable[[str], None]  # a line of the bench's progress


# --- statistics ---------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile of ascending ``ordered`` values (0.0 when empty): the
    smallest value with at least q % of the values at or below it."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def is_ok(status: str) -> bool:
    return status.startswith("2") and len(status) == 3


@dataclass
class Level:
    """What one level measured. ``latencies`` in seconds, in the order the answers came."""

    scenario: str
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list, repr=False)
    kinds: dict[str, list[tuple[str, float]]] = field(default_factory=dict, repr=False)
    kept: list[tuple[Call, bytes]] = field(default_factory=list, repr=False)
    unanswered: list[Call] = field(default_factory=list, repr=False)  # ``keep`` calls without a 2xx
    concurrency: int | None = None
    rate: float | None = None
    client_cpu_s: float = 0.0
    cpu_s: dict[str, float] = field(
        default_factory=dict
    )  # CPU seconds of the server's processes, by part
    others_s: float | None = None  # CPU seconds of every other process on the machine meanwhile
    cut_off: int = 0  # requests still in flight at the hard bound (counted as timeouts)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if is_ok(s))

    @property
    def errors(self) -> int:
        return self.requests - self.ok

    @property
    def timeouts(self) -> int:
        return self.statuses.get("timeout", 0)

    @property
    def throughput(self) -> float:
        """2xx answers per second of the level."""
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def latency_ms(self, q: float) -> float:
        return percentile(sorted(self.latencies), q) * 1000

    def as_dict(self) -> dict:
        ordered = sorted(self.latencies)
        out = {
            "scenario": self.scenario,
            **({"concurrency": self.concurrency} if self.concurrency is not None else {}),
            **({"rate": self.rate} if self.rate is not None else {}),
            "seconds": round(self.seconds, 2),
            "requests": self.requests,
            "ok": self.ok,
            "errors": self.errors,
            "timeouts": self.timeouts,
            "throughput": round(self.throughput, 1),
            "p50_ms": round(percentile(ordered, 50) * 1000, 1),
            "p95_ms": round(percentile(ordered, 95) * 1000, 1),
            "p99_ms": round(percentile(ordered, 99) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
            "client_cpu_pct": round(100 * self.client_cpu_s / self.seconds, 1)
            if self.seconds
            else 0.0,
        }
        if self.cpu_s and self.requests:
            # CPU per request: where the machine's time goes (app workers, database, this client)
            out["cpu_ms_per_request"] = {
                part: round(1000 * s / self.requests, 2)
                for part, s in (self.cpu_s | {"client": self.client_cpu_s}).items()
            }
        if self.others_s is not None and self.seconds:
            out["others_cpu_pct"] = round(
                100 * self.others_s / (self.seconds * (os.cpu_count() or 1)), 1
            )
        if self.errors:
            out["statuses"] = {s: n for s, n in sorted(self.statuses.items()) if not is_ok(s)}
        if len(self.kinds) > 1:
            out["kinds"] = {
                kind: _kind_figures(answers, self.seconds)
                for kind, answers in sorted(self.kinds.items())
            }
        return out


def _kind_figures(answers: list[tuple[str, float]], seconds: float) -> dict:
    ordered = sorted(latency for _, latency in answers)
    ok = sum(1 for status, _ in answers if is_ok(status))
    return {
        "requests": len(answers),
        "ok": ok,
        "throughput": round(ok / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(ordered, 50) * 1000, 1),
        "p99_ms": round(percentile(ordered, 99) * 1000, 1),
    }


# --- the engine ---------------------------------------------------------------------------------


class _Recorder:
    def __init__(self, level: Level):
        self.level = level

    def record(self, call: Call, status: str, latency: float, body: bytes | None) -> None:
        level = self.level
        level.statuses[status] += 1
        level.latencies.append(latency)
        level.kinds.setdefault(call.kind or level.scenario, []).append((status, latency))
        if call.keep:
            if body is not None and is_ok(status):
                level.kept.append((call, body))
            else:
                level.unanswered.append(call)


async def _send(
    client: httpx.AsyncClient,
    call: Call,
    timeout: float,
    recorder: _Recorder,
    started: float | None = None,
) -> None:
    """One request, recorded whatever happens; ``started`` is when it was due (open loop)."""
    begun = time.perf_counter() if started is None else started
    body = None
    try:
        async with asyncio.timeout(timeout):
            answer = await client.request(
                call.method, call.path, content=call.content, headers=call.headers
            )
        status, body = str(answer.status_code), answer.content
    except TimeoutError:
        status = "timeout"
    except httpx.TimeoutException:
        status = "timeout"
    except httpx.HTTPError:
        status = "network"
    except asyncio.CancelledError:  # cut off at the hard bound
        recorder.record(call, "timeout", time.perf_counter() - begun, None)
        raise
    recorder.record(call, status, time.perf_counter() - begun, body)


def _client(
    base_url: str, connections: int, timeout: float, headers: dict | None
) -> httpx.AsyncClient:
    if not base_url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError(f"the load generator only talks to loopback addresses, not {base_url}")
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers or {},
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        trust_env=False,
    )


async def _closed_loop(
    base_url: str,
    make: MakeCall,
    level: Level,
    *,
    concurrency: int,
    duration: float,
    timeout: float,
    headers: dict | None,
) -> None:
    counter = itertools.count()
    recorder = _Recorder(level)
    async with _client(base_url, concurrency, timeout, headers) as client:
        start = time.perf_counter()
        deadline = start + duration

        async def user() -> None:
            while time.perf_counter() < deadline:
                await _send(client, make(next(counter)), timeout, recorder)

        users = [asyncio.create_task(user()) for _ in range(concurrency)]
        await _bounded(users, level, duration + timeout + HARD_GRACE)
        level.seconds = time.perf_counter() - start


async def _open_loop(
    base_url: str,
    make: MakeCall,
    level: Level,
    *,
    rate: float,
    duration: float,
    timeout: float,
    headers: dict | None,
    max_in_flight: int,
) -> None:
    recorder = _Recorder(level)
    total = max(1, int(rate * duration))
    async with _client(base_url, max_in_flight, timeout, headers) as client:
        start = time.perf_counter()
        tasks: set[asyncio.Task] = set()
        for i in range(total):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            call = make(i)
            if len(tasks) >= max_in_flight:  # the client's own bound: not sent, counted as an error
                recorder.record(call, "dropped", time.perf_counter() - due, None)
                continue
            task = asyncio.create_task(_send(client, call, timeout, recorder, started=due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await _bounded(list(tasks), level, timeout + HARD_GRACE)
        level.seconds = time.perf_counter() - start


async def _bounded(tasks: list[asyncio.Task], level: Level, bound: float) -> None:
    """Wait for ``tasks`` at most ``bound`` seconds; cancel the rest (they record themselves)."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=bound)
    for task in pending:
        task.cancel()
    if pending:
        level.cut_off = len(pending)
        await asyncio.wait(pending)


def run_level(
    base_url: str,
    make: MakeCall,
    *,
    scenario: str = "",
    concurrency: int | None = None,
    rate: float | None = None,
    duration: float = 5.0,
    timeout: float = DEFAULT_TIMEOUT,
    headers: dict | None = None,
    max_in_flight: int = 512,
    meter: CpuMeter | None = None,
) -> Level:
    """Play one level: closed loop with ``concurrency`` users, or open loop at ``rate`` requests a
    second, for ``duration`` seconds; returns when every request has been answered, timed out or
    been cut off (at most duration + timeout + HARD_GRACE seconds). ``meter`` measures the CPU
    time of the server's processes over the level."""
    if (concurrency is None) == (rate is None):
        raise ValueError("give either concurrency (closed loop) or rate (open loop)")
    level = Level(scenario=scenario, seconds=0.0, concurrency=concurrency, rate=rate)
    before = meter.snapshot() if meter else None
    cpu = time.process_time()
    if concurrency is not None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        run = _closed_loop(
            base_url,
            make,
            level,
            concurrency=concurrency,
            duration=duration,
            timeout=timeout,
            headers=headers,
        )
    else:
        assert rate is not None, "checked above: exactly one of concurrency and rate is given"
        if rate <= 0:
            raise ValueError("rate must be positive")
        run = _open_loop(
            base_url,
            make,
            level,
            rate=rate,
            duration=duration,
            timeout=timeout,
            headers=headers,
            max_in_flight=max_in_flight,
        )
    asyncio.run(run)
    level.client_cpu_s = time.process_time() - cpu
    if meter and before is not None:
        level.cpu_s = meter.since(before)
        if (machine := level.cpu_s.pop("machine", None)) is not None:
            # what other processes took meanwhile (another bench, tests, a neighbour): a busy
            # machine explains figures that are lower than the CPU per request allows
            level.others_s = max(0.0, machine - sum(level.cpu_s.values()) - level.client_cpu_s)
    return level


def saturation(
    levels: Sequence[Level],
    *,
    rise: float = 1.1,
    p99_factor: float = 4.0,
    p99_limit_ms: float = 1000.0,
) -> str:
    """Why the last of ``levels`` shows saturation ('' when it does not): errors appeared,
    throughput stopped rising, or p99 exploded against the best level before it."""
    last = levels[-1]
    if last.errors:
        return f"errors ({last.errors} of {last.requests})"
    before = [lv for lv in levels[:-1] if not lv.errors]
    if not before:
        return ""
    best = max(before, key=lambda lv: lv.throughput)
    if last.throughput < best.throughput * rise:
        return (
            f"throughput stopped rising ({last.throughput:.0f}/s against {best.throughput:.0f}/s)"
        )
    p99, best_p99 = last.latency_ms(99), best.latency_ms(99)
    if p99 > p99_limit_ms and p99 > p99_factor * best_p99:
        return f"p99 exploded ({p99:.0f} ms against {best_p99:.0f} ms)"
    return ""


def ramp(
    play: Callable[[int], Level],
    concurrencies: Sequence[int],
    *,
    budget: float | None = None,
    patience: int = 0,
    progress: Callable[[str], None] | None = None,
    **rules: float,
) -> tuple[list[Level], str]:
    """Play ``play(concurrency)`` at each of ``concurrencies`` in turn until ``saturation`` (with
    ``rules``) shows at ``patience`` + 1 levels in a row (errors stop at once: more load only
    makes more), or the ``budget`` in seconds is spent; returns the levels and why it stopped."""
    started = time.monotonic()
    levels: list[Level] = []
    strikes = 0
    for concurrency in concurrencies:
        if budget is not None and levels and time.monotonic() - started >= budget:
            return levels, "time budget spent"
        level = play(concurrency)
        levels.append(level)
        if progress:
            progress(describe(level))
        why = saturation(levels, **rules)
        strikes = strikes + 1 if why else 0
        if why and (level.errors or strikes > patience):
            return levels, why
    return levels, ""


def best_level(levels: Sequence[Level]) -> Level | None:
    """The level with the highest throughput among those without errors (else among all)."""
    clean = [lv for lv in levels if not lv.errors] or list(levels)
    return max(clean, key=lambda lv: lv.throughput) if clean else None


def describe(level: Level) -> str:
    d = level.as_dict()
    how = f"c={level.concurrency:<3}" if level.concurrency is not None else f"rate={level.rate:g}/s"
    errors = f" errors {d['errors']} {d.get('statuses', {})}" if d["errors"] else ""
    cpu = " ".join(f"{part} {ms:.1f}" for part, ms in d.get("cpu_ms_per_request", {}).items())
    per = ORDERS_PER_REQUEST.get(level.scenario.removesuffix(" at rate"), 1)
    orders = f" ({d['throughput'] * per:.0f} orders/s)" if per > 1 else ""
    return (
        f"  {level.scenario:<17} {how} {d['requests']:>6} req {d['throughput']:>7.1f}/s{orders}  "
        f"p50 {d['p50_ms']:>6.1f}  p95 {d['p95_ms']:>6.1f}  p99 {d['p99_ms']:>6.1f} ms  "
        + (f"cpu ms/req: {cpu}" if cpu else f"client cpu {d['client_cpu_pct']:.0f}%")
        + (f"  others {d['others_cpu_pct']:.0f}%" if "others_cpu_pct" in d else "")
        + errors
    )


# --- CPU time of the server's processes ---------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int, *, reaped: bool = False) -> float | None:
    """User + system CPU seconds of a process so far, with those of its children it has reaped
    when ``reaped`` (None when it is gone or not on this machine)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    return ticks / _TICKS


def parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def children(pid: int) -> list[int]:
    """The direct children of a process (from /proc; empty where there is no /proc)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    return [int(entry) for entry in entries if entry.isdigit() and parent(int(entry)) == pid]


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and all its children, living or ended (a parent that reaps its
    children, as gunicorn's master and PostgreSQL's postmaster do, counts the ended ones)."""
    total = process_cpu(pid, reaped=True) or 0.0
    return total + sum(process_cpu(child, reaped=True) or 0.0 for child in children(pid))


class CpuMeter:
    """CPU seconds of an app server (gunicorn's master and workers) and of the whole PostgreSQL
    server (the postmaster and every backend, parallel workers included) between two snapshots,
    when they run on this machine. The database part counts all the server's work, whichever
    database: nothing else should run on it during a bench."""

    def __init__(self, server_pid: int, database_server: bool = True):
        self.server_pid = server_pid
        self.postmaster = _postmaster() if database_server else None

    def snapshot(self) -> dict[str, float]:
        parts = {"app": tree_cpu(self.server_pid)}
        if self.postmaster:
            parts["db"] = tree_cpu(self.postmaster)
        if (busy := machine_busy()) is not None:
            parts["machine"] = busy
        return parts

    def since(self, before: dict[str, float]) -> dict[str, float]:
        after = self.snapshot()
        return {part: round(after[part] - before[part], 3) for part in after if part in before}


def machine_busy() -> float | None:
    """CPU seconds the whole machine has been busy (all cores; from /proc/stat)."""
    try:
        with open("/proc/stat", "rb") as f:
            user, nice, system, _idle, _iowait, irq, softirq, steal = (
                int(v) for v in f.readline().split()[1:9]
            )
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq + steal) / _TICKS


def _postmaster() -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine (the parent of our
    connection's backend)."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 - no figures rather than no bench
        return None
    if process_cpu(backend) is None:
        return None  # another machine (or no /proc): the database's CPU is not measured
    return parent(backend)


# --- the scenarios ------------------------------------------------------------------------------

SCENARIOS = ("intake", "intake_batch", "inbox", "order_page", "dispatcher_queue", "mixed")
BATCH = 20  # orders per request of the batch intake (POST /api/v1/orders/batch)
# Orders each 2xx answer of a scenario registers: what turns requests/s into orders/s.
ORDERS_PER_REQUEST = {"intake": 1, "intake_batch": BATCH}
_HEADLINE_KEY = {"intake": "intake_single"}  # intake_orders_per_s is the faster of the two
# A day in the life of a centre, in requests: every call registered is read many times over.
MIX = {"intake": 20, "inbox": 30, "order_page": 35, "dispatcher_queue": 15}
LIST_PAGE = 25  # orders or tickets per list page, ours and the peer's alike
_INBOX_QUERIES = (
    f"?status=dispatched&limit={LIST_PAGE}",
    f"?status=accepted&limit={LIST_PAGE}",
    f"?limit={LIST_PAGE}",
)


@dataclass
class Fixture:
    """What the scenarios need from the bench database: credentials, requests, order numbers."""

    operator_token: str
    handler_tokens: list[str]
    dispatcher_session: str
    numbers: list[str]
    bodies: list[dict]


def make_fixture(
    *, seed: int = 12345, bodies: int = 5000, numbers: int = 2000, handlers: int = 8
) -> Fixture:
    """Tokens for the operator and the handlers of the units with the most orders in hand, a
    logged-in session of the dispatcher, random order numbers, and ``bodies`` intake requests
    of the demo city: its texts, addresses in its compounds and roads, callers (some repeat)."""
    from hotline.api.services import create_token
    from hotline.benchmarks.generate import load_city
    from hotline.org.models import User

    rng = random.Random(seed)
    city = load_city()
    operator = User.objects.get(username="operator")
    chosen = _busiest_handlers(handlers)
    found = _random_order_numbers(rng, numbers)
    made = _intake_bodies(rng, city, bodies)
    return Fixture(
        operator_token=create_token(user=operator),
        handler_tokens=[create_token(user=user) for user in chosen],
        dispatcher_session=_session_for(User.objects.get(username="dispatcher")),
        numbers=found,
        bodies=made,
    )


def _busiest_handlers(handlers: int) -> list:
    """Active handlers of the ``handlers`` units with the most orders dispatched or accepted
    (the first ``handlers`` active handlers when no unit has any)."""
    from django.db.models import Count

    from hotline.orders.models import WorkOrder
    from hotline.orders.workflow import Status
    from hotline.org.models import User
    from hotline.org.roles import Role

    busy = (
        WorkOrder.objects.filter(
            status__in=[Status.DISPATCHED, Status.ACCEPTED], unit__isnull=False
        )
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:handlers]
    )
    units = [row["unit_id"] for row in busy]
    chosen = list(
        User.objects.filter(role=Role.HANDLER, unit_id__in=units, is_active=True).order_by("pk")
    )
    if not chosen:
        chosen = list(
            User.objects.filter(role=Role.HANDLER, is_active=True).order_by("pk")[:handlers]
        )
    return chosen


def _random_order_numbers(rng: random.Random, numbers: int) -> list[str]:
    """The numbers of the orders found among ``numbers`` random ids, shuffled."""
    from django.db.models import Max, Min

    from hotline.orders.models import WorkOrder

    bounds = WorkOrder.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return []
    ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(numbers)]
    found = list(WorkOrder.objects.filter(pk__in=ids).values_list("number", flat=True))
    rng.shuffle(found)
    return found


def _intake_bodies(rng: random.Random, city: DemoCity, bodies: int) -> list[dict]:
    """``bodies`` intake requests of ``city``: categories as often as the demo's history has
    them, addresses in its compounds or along its roads, a few callers who call again."""
    from hotline.catalog.models import Category
    from hotline.demo import texts
    from hotline.demo.city import SURNAMES
    from hotline.demo.history import FREQUENCY

    codes = list(
        Category.objects.filter(active=True).order_by("code").values_list("code", flat=True)
    )
    weights = [FREQUENCY.get(code, 1) for code in codes]
    callers = [_phone_number(rng) for _ in range(300)]
    made = []
    for _ in range(bodies):
        community = rng.choice(city.communities)
        street = community.parent_id
        if rng.random() < 0.2 and street is not None and city.roads.get(street):
            address = f"{rng.choice(city.roads[street])}{rng.randint(1, 300)}号"
        else:
            address = (
                f"{rng.choice(city.compounds[community.pk])}"
                f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元"
            )
        code = rng.choices(codes, weights)[0]
        phone = rng.choice(callers) if rng.random() < 0.06 else _phone_number(rng)
        made.append(
            {
                "text": texts.request_text(rng, code, address),
                "address": address,
                "caller_name": f"{rng.choice(SURNAMES)}{rng.choice(['先生', '女士'])}",
                "caller_phone": phone,
                "channel": "phone",
            }
        )
    return made


def _phone_number(rng: random.Random) -> str:
    """A mainland mobile number."""
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _session_for(user: User) -> str:
    """The key of a new logged-in session of ``user`` (what the login page would have made)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest

    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    assert request.session.session_key is not None, "a saved session has its key"
    return request.session.session_key


class Scenarios:
    """The requests of each scenario against our server; ``make(name)`` gives a level's calls."""

    def __init__(self, fixture: Fixture, *, seed: int = 1):
        self.f = fixture
        self.rng = random.Random(seed)
        self.operator = {"Authorization": f"Bearer {fixture.operator_token}"}
        self.handlers = [{"Authorization": f"Bearer {t}"} for t in fixture.handler_tokens]
        self.dispatcher = {"Cookie": f"sessionid={fixture.dispatcher_session}"}
        self._mix = list(MIX)
        self._weights = list(itertools.accumulate(MIX.values()))

    def intake(self, i: int) -> Call:
        body = self.f.bodies[i % len(self.f.bodies)]
        return json_call(
            "POST",
            "/api/v1/orders",
            body,
            self.operator | {"Idempotency-Key": uuid.uuid4().hex},
            kind="intake",
            keep=True,
        )

    def intake_batch(self, i: int) -> Call:
        bodies = [self.f.bodies[(i * BATCH + k) % len(self.f.bodies)] for k in range(BATCH)]
        return json_call(
            "POST",
            "/api/v1/orders/batch",
            {"orders": bodies},
            self.operator | {"Idempotency-Key": uuid.uuid4().hex},
            kind="intake_batch",
            keep=True,
        )

    def inbox(self, i: int) -> Call:
        headers = self.handlers[i % len(self.handlers)]
        query = _INBOX_QUERIES[(i // len(self.handlers)) % len(_INBOX_QUERIES)]
        return Call("GET", "/api/v1/orders" + query, headers=headers, kind="inbox")

    def order_page(self, i: int) -> Call:
        return Call(
            "GET",
            f"/orders/{self.f.numbers[i % len(self.f.numbers)]}/",
            headers=self.dispatcher,
            kind="order_page",
        )

    def dispatcher_queue(self, i: int) -> Call:
        return Call("GET", "/", headers=self.dispatcher, kind="dispatcher_queue")

    def mixed(self, i: int) -> Call:
        point = self.rng.random() * self._weights[-1]
        kind = self._mix[next(k for k, edge in enumerate(self._weights) if point < edge)]
        return getattr(self, kind)(i)

    def make(self, name: str) -> MakeCall:
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r} (one of {', '.join(SCENARIOS)})")
        return getattr(self, name)


class PeerScenarios:
    """The same intake (ticket creation, same texts) and a list page against the peer."""

    def __init__(self, peer: Peer, bodies: list[dict]):
        self.peer = peer
        self.texts = [b["text"] for b in bodies]
        self.headers = dict(peer.headers())

    def intake(self, i: int) -> Call:
        body = self.peer.ticket_body(i, self.texts[i % len(self.texts)])
        return json_call(
            "POST", self.peer.create_path, body, self.headers, kind="intake", keep=True
        )

    def list(self, i: int) -> Call:
        return Call(
            "GET", f"{self.peer.list_path}?page_size={LIST_PAGE}", headers=self.headers, kind="list"
        )


# --- checks: what intake acknowledged is what the database holds ----------------------------------


def retry_unanswered(
    base_url: str, calls: Sequence[Call], *, timeout: float = 30.0, tries: int = 5
) -> list[bytes]:
    """Send again, with the same Idempotency-Key, every intake request that got no 2xx (what a
    client does after a timeout); returns the 2xx bodies. The server either replays the answer
    it committed or registers the order now, so afterwards every order written is acknowledged."""
    bodies = []
    with httpx.Client(base_url=base_url, timeout=timeout, trust_env=False) as client:
        for call in calls:
            for attempt in range(tries):
                try:
                    answer = client.request(
                        call.method, call.path, content=call.content, headers=call.headers
                    )
                except httpx.HTTPError:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                if is_ok(str(answer.status_code)):
                    bodies.append(answer.content)
                    break
                if answer.status_code < 500 and answer.status_code != 409:
                    break  # refused for good (nothing was written)
                time.sleep(0.2 * (attempt + 1))
    return bodies


def replays_match(base_url: str, kept: Sequence[tuple[Call, bytes]], *, sample: int = 20) -> dict:
    """Send ``sample`` acknowledged intake requests again with their keys: each must be answered
    with the same body, marked ``Idempotent-Replay``, and write nothing."""
    same = 0
    chosen = kept[:sample]
    with httpx.Client(base_url=base_url, timeout=30.0, trust_env=False) as client:
        for call, body in chosen:
            answer = client.request(
                call.method, call.path, content=call.content, headers=call.headers
            )
            same += answer.content == body and answer.headers.get("Idempotent-Replay") == "true"
    return {"replayed": len(chosen), "replayed_same": same}


def numbers_of(bodies: Sequence[bytes]) -> list[str]:
    """The order numbers acknowledged by intake answers, one order's or a batch's."""
    numbers = []
    for body in bodies:
        answer = json.loads(body)
        numbers.extend(
            [item["number"] for item in answer["items"]]
            if "items" in answer
            else [answer["number"]]
        )
    return numbers


def count_orders() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_workorder")
        return cursor.fetchone()[0]


def rows_check(before: int, acknowledged: Sequence[str]) -> dict:
    """Orders written since ``before`` against the numbers acknowledged with a 2xx: none lost
    (every acknowledged number is in the table), none extra (no row nobody acknowledged)."""
    from hotline.orders.models import WorkOrder

    after = count_orders()
    unique = sorted(set(acknowledged))
    present = sum(
        WorkOrder.objects.filter(number__in=unique[k : k + 5000]).count()
        for k in range(0, len(unique), 5000)
    )
    rows = after - before
    return {
        "acknowledged": len(acknowledged),
        "rows": rows,
        "lost": len(unique) - present,
        "extra": rows - present,
        "twice": len(acknowledged) - len(unique),
        "match": rows == present == len(unique) == len(acknowledged),
    }


# --- the plan of `hotline bench quick|full` -------------------------------------------------------


@dataclass
class Plan:
    """What a bench run does. ``levels``: closed-loop concurrencies per scenario (each level
    ``duration`` seconds, after a ``warmup``); ``rate``: the open-loop intake check, orders a
    second (in batches when the batch scenario is played), before the ramps."""

    name: str
    orders: int
    months: int
    levels: tuple[int, ...]
    duration: float
    scenarios: tuple[str, ...] = SCENARIOS
    peer: bool = True
    peer_levels: tuple[int, ...] = (2, 4, 8)
    peer_list_levels: tuple[int, ...] = (2, 4)
    peer_tickets: int = 1000
    rate: float = 300.0
    rate_duration: float = 5.0
    workers: int = 4
    threads: int = 1
    warmup: float = 2.0
    timeout: float = DEFAULT_TIMEOUT
    database: str = "hotline_bench"
    keep: bool = False
    reuse: bool = False
    worker: bool = False
    profile: int = 50
    corpus_per_category: int = 400  # the cold-start triage model's examples, when there is no model
    patience: int = 0  # levels past the first sign of saturation before a ramp stops
    seed: int = 12345


def quick_plan(**overrides: Any) -> Plan:
    """Under three minutes on two cores, database and peer included: 30,000 orders over the last
    month (the daily volume of a million orders over two years, so intake's duplicate search
    sees as many recent neighbours), two or three short levels per scenario."""
    return replace(
        Plan(
            name="quick",
            orders=30_000,
            months=1,
            levels=(2, 4, 8),
            duration=4.0,
            rate_duration=4.0,
            peer_levels=(2, 4, 8),
            peer_list_levels=(2, 4),
            peer_tickets=1000,
            warmup=1.5,
            profile=40,
        ),
        **overrides,
    )


def full_plan(**overrides: Any) -> Plan:
    """By hand: a million orders over two years, every scenario at rising concurrency (a ramp
    stops at the second level in a row that shows saturation: one flat level on a shared machine
    may be a neighbour's doing)."""
    return replace(
        Plan(
            name="full",
            orders=1_000_000,
            months=24,
            levels=(1, 2, 4, 8, 16, 32, 64),
            duration=10.0,
            rate_duration=15.0,
            peer_levels=(1, 2, 4, 8, 16, 32),
            peer_list_levels=(1, 2, 4, 8),
            peer_tickets=10_000,
            warmup=3.0,
            profile=200,
            patience=1,
        ),
        **overrides,
    )


class Refused(Exception):
    """The bench cannot run as asked (not PostgreSQL, a name clash): nothing was touched."""


def _postgres_url(database_url: str) -> str:
    from urllib.parse import urlsplit

    if not database_url or urlsplit(database_url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise Refused(
            "hotline bench quick|full needs DATABASE_URL=postgres://… "
            "(a PostgreSQL server on which it "
            "may create databases); it is " + (repr(database_url) if database_url else "unset")
        )
    return database_url


def _with_database(database_url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(database_url)._replace(path="/" + name))


def _admin(database_url: str) -> psycopg.Connection[tuple[Any, ...]]:
    import psycopg

    return psycopg.connect(database_url, autocommit=True)


def recreate_database(database_url: str, name: str) -> str:
    """Drop ``name`` (closing its sessions) and create it empty on the server of ``database_url``,
    which must name another database; returns the new database's URL."""
    from urllib.parse import urlsplit

    from psycopg import sql

    if urlsplit(database_url).path.lstrip("/") == name:
        raise Refused(
            f"DATABASE_URL names {name}, the scratch database the bench recreates: "
            "point it at another "
            "database of the same server (e.g. postgres)"
        )
    with _admin(database_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(name)
            )
        )
    return _with_database(database_url, name)


def drop_database(database_url: str, name: str) -> None:
    from psycopg import sql

    with _admin(database_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _existing_orders(database_url: str, name: str) -> int | None:
    """Orders in database ``name`` (None when it or its table does not exist)."""
    import psycopg

    with _admin(database_url) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return None
    try:
        with _admin(_with_database(database_url, name)) as conn:
            row = conn.execute("SELECT count(*) FROM orders_workorder").fetchone()
            assert row is not None, "an aggregate has its row"
            return row[0]
    except psycopg.Error:
        return None


def use_database(name: str) -> None:
    """Point this process's Django connection at database ``name`` of the same server."""
    from django.conf import settings
    from django.db import connections

    from hotline.core import cache

    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    cache.forget()


class _Clock:
    def __init__(self, say: Callable[[str], None]):
        self.started = time.monotonic()
        self.say = say

    def __call__(self, text: str) -> None:
        self.say(f"[{time.monotonic() - self.started:6.1f} s] {text}")

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


def run_bench(
    plan: Plan,
    database_url: str,
    *,
    workdir: str | Path,
    progress: Callable[[str], None] = lambda _: None,
) -> dict:
    """Run ``plan`` against a scratch database on the PostgreSQL server of ``database_url`` (the
    database it names is not touched): create and fill ``plan.database``, start our gunicorn,
    play the scenarios, then the peer's; returns {"headline": …, "levels": […], …}."""
    from pathlib import Path

    from django.conf import settings

    say = _Clock(progress)
    database_url = _postgres_url(database_url)
    unknown = set(plan.scenarios) - set(SCENARIOS)
    if unknown:
        raise Refused(
            f"unknown scenarios: {', '.join(sorted(unknown))} (known: {', '.join(SCENARIOS)})"
        )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "plan": {k: v for k, v in plan.__dict__.items()},
        "levels": [],
        "checks": {},
        "setup_s": {},
    }
    peer_env: dict = {}
    # The peer's first install downloads from the package index: overlap it with our setup.
    installer = _install_peer_meanwhile(peer_env) if plan.peer else None
    caller_database = settings.DATABASES["default"]["NAME"]
    try:
        return _run(plan, database_url, workdir, report, peer_env, installer, say)
    finally:
        use_database(caller_database)
        if not plan.keep and not plan.reuse:
            drop_database(database_url, plan.database)


def _install_peer_meanwhile(peer_env: dict) -> threading.Thread:
    """A started thread that makes the peer's virtualenv and leaves in ``peer_env`` its path
    ("venv") or what went wrong ("error"), and the seconds it took."""
    import threading

    def install() -> None:
        from hotline.benchmarks import peer

        started = time.monotonic()
        try:
            peer_env["venv"] = peer.ensure_peer_env()
        except Exception as error:  # noqa: BLE001 - reported with the peer's figures
            peer_env["error"] = f"{type(error).__name__}: {error}"
        peer_env["seconds"] = time.monotonic() - started

    installer = threading.Thread(target=install, name="peer-install", daemon=True)
    installer.start()
    return installer


def _run(
    plan: Plan,
    database_url: str,
    workdir: Path,
    report: dict,
    peer_env: dict,
    installer: threading.Thread | None,
    say: _Clock,
) -> dict:
    """The bench in order: the scratch database, the load's fixture, our scenarios, the profile,
    our headline figures, then the peer's and the comparison; returns the filled ``report``."""
    bench_url = _prepare_database(plan, database_url, report, say)
    fixture, headline = _prepare_load(plan, report, say)
    levels, scenarios = _play_ours(plan, bench_url, workdir, fixture, report, headline, say)
    if plan.profile and "intake" in plan.scenarios:
        say(f"profiling {plan.profile} intake requests in this process")
        report["profile"] = profile_intake(scenarios, plan.profile)
        headline["intake_profile_ms"] = report["profile"]["components_ms"]
    headline["db_mb"] = _database_mb()
    _our_figures(levels, report, headline)
    if installer is not None:
        installer.join(timeout=900)
        headline["peer_install_s"] = round(peer_env.get("seconds", 0.0), 1)
        _peer_part(database_url, plan, fixture, workdir, peer_env, report, headline, say)
    _compare(headline)
    headline["seconds"] = round(say.seconds, 1)
    report["headline"] = headline
    played = (
        levels | report.pop("_peer_levels", {}) | {"intake_at_rate": report.pop("_open_levels", [])}
    )
    report["levels"] = [
        lv.as_dict() | {"server": "peer" if key.startswith("peer_") else "ours"}
        for key, some in played.items()
        for lv in some
    ]
    return report


def _seconds_since(started: float) -> float:
    return round(time.monotonic() - started, 1)


def _prepare_database(plan: Plan, database_url: str, report: dict, say: Say) -> str:
    """Point this process at the scratch database, migrated: the one kept from an earlier run
    when ``plan.reuse`` finds enough orders in it, else a new one filled with ``plan.orders``
    orders. Returns its URL."""
    from django.core.management import call_command

    started = time.monotonic()
    existing = _existing_orders(database_url, plan.database) if plan.reuse else None
    reused = existing is not None and existing >= plan.orders
    if reused:
        say(f"reusing database {plan.database} with {existing:,} orders")
        bench_url = _with_database(database_url, plan.database)
    else:
        say(f"creating database {plan.database}")
        bench_url = recreate_database(database_url, plan.database)
    use_database(plan.database)
    call_command("migrate", verbosity=0)
    if not reused:
        report["setup_s"]["migrate"] = _seconds_since(started)
        _fill_database(plan, report, say)
    return bench_url


def _fill_database(plan: Plan, report: dict, say: Say) -> None:
    """Generate the plan's orders into the (empty) scratch database."""
    from hotline.benchmarks.generate import generate

    started = time.monotonic()
    say(f"generating {plan.orders:,} orders over {plan.months} months")
    result = generate(
        plan.orders,
        months=plan.months,
        seed=plan.seed,
        progress=lambda line: say("  " + line.strip()),
    )
    report["setup_s"]["generate"] = _seconds_since(started)
    report["generated"] = result.as_dict()


def _prepare_load(plan: Plan, report: dict, say: Say) -> tuple[Fixture, dict]:
    """The triage model (trained when the database has none), fresh planner statistics and
    the scenarios' fixture; records the machine and returns the fixture and the headline."""
    import platform

    from django.db import connection

    from hotline.triage.services import ensure_model

    started = time.monotonic()
    version, _ = ensure_model(per_category=plan.corpus_per_category, progress=say)
    report["setup_s"]["model"] = _seconds_since(started)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    fixture = make_fixture(seed=plan.seed)
    orders_at_start = count_orders()
    say(
        f"{orders_at_start:,} orders; triage model v{version}; "
        f"{len(fixture.handler_tokens)} handlers, "
        f"{len(fixture.numbers)} order numbers"
    )
    report["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "platform": platform.platform(),
    }
    # The first keys are the headline figures; the rest follow as they are measured.
    headline: dict = {
        "bench": plan.name,
        "intake_orders_per_s": None,
        "intake_p99_ms": None,
        "peer_intake_orders_per_s": None,
        "intake_ratio": None,
        "orders": orders_at_start,
        "cpus": os.cpu_count(),
        "workers": plan.workers,
        "threads": plan.threads,
        "loadavg_before": round(os.getloadavg()[0], 2),
    }
    return fixture, headline


def _play_ours(
    plan: Plan,
    bench_url: str,
    workdir: Path,
    fixture: Fixture,
    report: dict,
    headline: dict,
    say: Say,
) -> tuple[dict[str, list[Level]], Scenarios]:
    """Start our gunicorn (and ``hotline worker`` if planned) on the scratch database, warm it
    up, play the fixed-rate intake check and then each scenario's ramp, and stop it. Returns
    the levels played by scenario, and the scenarios (the profile sends more of them)."""
    from django.conf import settings

    from hotline.benchmarks import server as ours

    started = time.monotonic()
    server = ours.start_server(
        bench_url,
        workdir=workdir / "ours",
        secret_key=settings.SECRET_KEY,
        workers=plan.workers,
        threads=plan.threads,
    )
    worker = (
        ours.start_worker(bench_url, workdir=workdir / "ours", secret_key=settings.SECRET_KEY)
        if plan.worker
        else None
    )
    report["setup_s"]["server"] = _seconds_since(started)
    say(
        f"our gunicorn: {plan.workers} {'gthread' if plan.threads > 1 else 'sync'} workers "
        f"at {server.url}"
    )
    scenarios = Scenarios(fixture, seed=plan.seed)
    meter = CpuMeter(server.process.pid)
    levels: dict[str, list[Level]] = {}
    try:
        _warm_up(server.url, scenarios, plan)
        at_rate = next(
            (name for name in ("intake_batch", "intake") if name in plan.scenarios), None
        )
        if plan.rate and at_rate:
            # first, with the database as it was filled: every level after it adds its own orders
            # at the same few places within the duplicate search's week
            _rate_check(server.url, scenarios, plan, at_rate, report, headline, say, meter)
        for name in plan.scenarios:
            levels[name] = _ramp_ours(name, server.url, scenarios, plan, report, say, meter)
    finally:
        if worker is not None:
            ours.stop_worker(worker)
        ours.stop_server(server)
    return levels, scenarios


def _database_mb() -> int:
    """The size of the database this process uses, in MiB."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return round(cursor.fetchone()[0] / 2**20)


def _cpu_ms(level: Level) -> dict[str, float]:
    """The server's CPU milliseconds per request of ``level``, by part ({} when not measured)."""
    if not (level.cpu_s and level.requests):
        return {}
    return {part: round(1000 * sec / level.requests, 2) for part, sec in level.cpu_s.items()}


def _our_figures(levels: dict[str, list[Level]], report: dict, headline: dict) -> None:
    """The headline figures of our best level of each scenario, whether the rows written
    matched the acknowledged requests, and the headline intake figures."""
    for name, played in levels.items():
        best = best_level(played)
        if best is None:
            continue
        key = _HEADLINE_KEY.get(name, name)
        if name in ORDERS_PER_REQUEST:
            headline[f"{key}_orders_per_s"] = round(best.throughput * ORDERS_PER_REQUEST[name], 1)
            headline[f"{key}_concurrency"] = best.concurrency
        else:
            headline[f"{key}_per_s"] = round(best.throughput, 1)
        headline[f"{key}_p50_ms"] = round(best.latency_ms(50), 1)
        headline[f"{key}_p99_ms"] = round(best.latency_ms(99), 1)
        # CPU per request on the server side (app + database): what bounds throughput on this
        # machine whatever else runs on it
        if cpu := _cpu_ms(best):
            headline[f"{name}_cpu_ms"] = cpu
            if sum(cpu.values()):
                headline[f"{name}_cpu_bound_per_s"] = round(
                    (os.cpu_count() or 1) * 1000 / sum(cpu.values()), 1
                )
    for name in ("intake", "intake_batch", "mixed"):
        if name in report["checks"]:
            headline[f"{name}_rows_match"] = report["checks"][name]["match"]
    # The headline intake figure is the faster way in through the API (one order a request, or
    # batches as another platform forwards them), named in intake_mode; its p99 is at the fixed
    # rate.
    if mode := _faster_intake(levels):
        headline["intake_mode"] = "single" if mode == "intake" else f"batch of {BATCH}"
        key = _HEADLINE_KEY.get(mode, mode)
        headline["intake_orders_per_s"] = headline[f"{key}_orders_per_s"]
        at_rate = headline.get("intake_at_rate") or {}
        headline["intake_p99_ms"] = (
            at_rate["p99_ms"] if at_rate.get("mode") == mode else headline[f"{key}_p99_ms"]
        )


def _compare(headline: dict) -> None:
    """Our figures against the peer's (the ratios), and whether the goal is met: 300 orders a
    second at the fixed rate, all answered without error, p99 under 250 ms, faster than the peer."""
    if peer := headline.get("peer_intake_orders_per_s"):
        headline["intake_ratio"] = round((headline.get("intake_orders_per_s") or 0) / peer, 2)
        # like for like as well: one order (ticket) a request
        headline["intake_single_ratio"] = round(
            (headline.get("intake_single_orders_per_s") or 0) / peer, 2
        )
    if headline.get("peer_list_per_s") and headline.get("inbox_per_s"):
        headline["list_ratio"] = round(headline["inbox_per_s"] / headline["peer_list_per_s"], 2)
    at_rate = headline.get("intake_at_rate") or {}
    headline["goal_met"] = bool(
        at_rate.get("orders_rate", 0) >= 300
        and at_rate.get("orders_per_s", 0) >= 0.98 * at_rate["orders_rate"]
        and at_rate.get("errors") == 0
        and at_rate.get("p99_ms", 1e9) < 250
        and headline.get("intake_ratio", 0) > 1
    )


def _warm_level(url: str, make: MakeCall, scenario: str, plan: Plan, duration: float) -> None:
    """An unmeasured level with as many users as the server has threads in all."""
    run_level(
        url,
        make,
        scenario=scenario,
        concurrency=max(2, plan.workers * plan.threads),
        duration=duration,
        timeout=30.0,
    )


def _warm_up(url: str, scenarios: Scenarios, plan: Plan) -> None:
    """Every worker loads the triage model, the caches and its connection before anything counts."""
    for name in ("intake", "intake_batch", "order_page", "inbox", "dispatcher_queue"):
        if name in plan.scenarios or plan.scenarios == ("mixed",) or "mixed" in plan.scenarios:
            _warm_level(
                url,
                scenarios.make(name),
                name,
                plan,
                plan.warmup if name.startswith("intake") else plan.warmup / 3,
            )


def _ramp_levels(
    url: str,
    make: MakeCall,
    scenario: str,
    levels: Sequence[int],
    plan: Plan,
    say: Say,
    meter: CpuMeter,
    *,
    timeout: float,
) -> tuple[list[Level], str]:
    """``ramp`` of ``scenario`` through the concurrencies ``levels``, each level lasting
    ``plan.duration`` seconds and measuring the server's CPU with ``meter``."""
    return ramp(
        lambda c: run_level(
            url,
            make,
            scenario=scenario,
            concurrency=c,
            duration=plan.duration,
            timeout=timeout,
            meter=meter,
        ),
        levels,
        patience=plan.patience,
        progress=say,
    )


def _ramp_ours(
    name: str,
    url: str,
    scenarios: Scenarios,
    plan: Plan,
    report: dict,
    say: Say,
    meter: CpuMeter,
) -> list[Level]:
    writes = name in ("intake", "intake_batch", "mixed")
    before = count_orders() if writes else 0
    played, why = _ramp_levels(
        url, scenarios.make(name), name, plan.levels, plan, say, meter, timeout=plan.timeout
    )
    say(f"  {name}: " + (f"saturated: {why}" if why else "no saturation within the levels"))
    report.setdefault("saturation", {})[name] = why
    if writes:
        report["checks"][name] = _intake_check(url, played, before, say, name)
    return played


def _intake_check(url: str, played: list[Level], before: int, say: Say, name: str) -> dict:
    kept = [pair for level in played for pair in level.kept]
    unanswered = [call for level in played for call in level.unanswered]
    late = retry_unanswered(url, unanswered) if unanswered else []
    check = rows_check(before, numbers_of([body for _, body in kept] + late))
    check["retried"] = len(unanswered)
    check |= replays_match(url, kept)
    check["match"] = check["match"] and check["replayed_same"] == check["replayed"]
    say(
        f"  {name} rows: {check['rows']:,} written, {check['acknowledged']:,} acknowledged "
        f"({check['retried']} retried with their key), "
        f"lost {check['lost']}, extra {check['extra']}; "
        f"{check['replayed_same']}/{check['replayed']} replays answered alike"
        + ("" if check["match"] else "  MISMATCH")
    )
    return check


def _faster_intake(levels: dict[str, list[Level]]) -> str | None:
    """The intake scenario that registered the most orders a second, if any was played."""
    best = {name: best_level(levels[name]) for name in ORDERS_PER_REQUEST if levels.get(name)}
    played = {name: lv for name, lv in best.items() if lv is not None and lv.throughput}
    return max(
        played, key=lambda name: played[name].throughput * ORDERS_PER_REQUEST[name], default=None
    )


def _rate_check(
    url: str,
    scenarios: Scenarios,
    plan: Plan,
    mode: str,
    report: dict,
    headline: dict,
    say: Say,
    meter: CpuMeter,
) -> None:
    """Intake at a fixed rate of ``plan.rate`` orders a second, open loop: requests go out on
    time whether or not earlier ones were answered, so a server that cannot keep up shows it in
    its latencies (and timeouts)."""
    per = ORDERS_PER_REQUEST[mode]
    orders_rate = plan.rate
    before = count_orders()
    level = run_level(
        url,
        scenarios.make(mode),
        scenario=f"{mode} at rate",
        rate=orders_rate / per,
        duration=plan.rate_duration,
        timeout=plan.timeout,
        max_in_flight=max(64, plan.workers * plan.threads * 8),
        meter=meter,
    )
    say(describe(level))
    check = _intake_check(url, [level], before, say, f"{mode} at rate")
    report["checks"]["intake_at_rate"] = check
    report["intake_at_rate"] = level.as_dict()
    figures = level.as_dict()
    headline["intake_at_rate"] = {
        "mode": mode,
        "orders_rate": orders_rate,
        "orders_per_s": round(figures["throughput"] * per, 1),
        **{k: figures[k] for k in ("rate", "throughput", "p50_ms", "p99_ms", "errors")},
    }
    report.setdefault("_open_levels", []).append(level)


def _peer_part(
    database_url: str,
    plan: Plan,
    fixture: Fixture,
    workdir: Path,
    peer_env: dict,
    report: dict,
    headline: dict,
    say: Say,
) -> None:
    """The peer's half: start django-helpdesk on its own database of the same server, play its
    intake and list, stop it and drop its database (unless kept); its figures go into the
    headline, its levels into ``report["_peer_levels"]``. A failure is reported, not raised."""
    from hotline.benchmarks import peer as helpdesk

    peer = _start_peer(database_url, plan, workdir, peer_env, report, headline, say)
    if peer is None:
        return
    played: dict[str, list[Level]] = {}
    try:
        _play_peer(peer, plan, fixture, played, report, headline, say)
    except Exception as error:  # noqa: BLE001 - what was measured is kept, the failure reported
        headline["peer_error"] = _error_text(error)
        say(f"the peer's workload failed: {error}")
    finally:
        helpdesk.stop_peer(peer)
        if not plan.keep:
            drop_database(database_url, helpdesk.DATABASE)
    _peer_figures(played, report, headline)
    report["_peer_levels"] = played


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _start_peer(
    database_url: str,
    plan: Plan,
    workdir: Path,
    peer_env: dict,
    report: dict,
    headline: dict,
    say: Say,
) -> Peer | None:
    """The peer running with as many workers and threads as ours, or None (the reason in the
    headline's ``peer_error``) when it was not installed or did not start."""
    from hotline.benchmarks import peer as helpdesk
    from hotline.benchmarks.server import free_port

    if "error" in peer_env:
        headline["peer_error"] = peer_env["error"]
        say(f"peer not installed: {peer_env['error']}")
        return None
    say("starting the peer (django-helpdesk) on the same PostgreSQL server")
    started = time.monotonic()
    try:
        peer = helpdesk.start_peer(
            database_url,
            port=free_port(),
            workers=plan.workers,
            threads=plan.threads,
            workdir=workdir / "peer",
        )
    except Exception as error:  # noqa: BLE001 - the run reports it instead of dying
        headline["peer_error"] = _error_text(error)
        say(f"the peer did not start: {error}")
        return None
    report["setup_s"]["peer"] = _seconds_since(started)
    return peer


def _play_peer(
    peer: Peer, plan: Plan, fixture: Fixture, played: dict, report: dict, headline: dict, say: Say
) -> None:
    """Warm the peer up, ramp its ticket creation (then count the rows it wrote against the
    tickets it acknowledged), seed it with ``plan.peer_tickets`` tickets and ramp its list.
    Each ramp's levels go into ``played`` as soon as it ends."""
    from hotline.benchmarks import peer as helpdesk

    scenarios = PeerScenarios(peer, fixture.bodies)
    meter = CpuMeter(peer.process.pid)
    _warm_level(peer.url, scenarios.intake, "peer_intake", plan, plan.warmup)
    before = peer.count_tickets()
    played["peer_intake"], why = _ramp_levels(
        peer.url,
        scenarios.intake,
        "peer_intake",
        plan.peer_levels,
        plan,
        say,
        meter,
        timeout=plan.timeout,
    )
    report.setdefault("saturation", {})["peer_intake"] = why
    ok = sum(lv.ok for lv in played["peer_intake"])
    rows = peer.count_tickets() - before
    report["checks"]["peer_intake"] = {"acknowledged": ok, "rows": rows, "match": ok == rows}
    say(f"  peer intake rows: {rows:,} written, {ok:,} acknowledged")
    if plan.peer_tickets:
        helpdesk.seed_tickets(peer, plan.peer_tickets)
    tickets = peer.count_tickets()
    headline["peer_tickets"] = tickets
    say(f"  peer list over {tickets:,} tickets")
    played["peer_list"], why = _ramp_levels(
        peer.url,
        scenarios.list,
        "peer_list",
        plan.peer_list_levels,
        plan,
        say,
        meter,
        timeout=plan.timeout * 6,
    )
    report["saturation"]["peer_list"] = why


def _peer_figures(played: dict[str, list[Level]], report: dict, headline: dict) -> None:
    """The headline figures of the peer's best level of each workload, and its rows check."""
    for name, levels in played.items():
        best = best_level(levels)
        if best is not None:
            key = "peer_intake_orders" if name == "peer_intake" else name
            headline[f"{key}_per_s"] = round(best.throughput, 1)
            headline[f"{name}_p99_ms"] = round(best.latency_ms(99), 1)
            if cpu := _cpu_ms(best):
                headline[f"{name}_cpu_ms"] = cpu
    headline["peer_rows_match"] = report["checks"].get("peer_intake", {}).get("match")


# --- where an intake request's time goes ---------------------------------------------------------

# (label, module path suffix, function): cumulative time of each, per request
_COMPONENTS = (
    ("total", "hotline/api/middleware.py", "__call__"),
    ("token lookups", "hotline/api/services.py", "user_for_token"),
    ("suggest", "hotline/triage/selectors.py", "suggest"),
    ("triage model", "hotline/triage/classifier.py", "predict"),
    ("duplicate search", "hotline/triage/selectors.py", "probable_duplicates"),
    ("knowledge search", "hotline/knowledge/selectors.py", "best_matches_each"),
    ("register_order", "hotline/orders/services.py", "register_order"),
    ("order number", "hotline/orders/numbers.py", "next_number"),
    ("event + signals", "hotline/orders/services.py", "_append_event"),
    ("notifications outbox", "hotline/notifications/services.py", "enqueue_for_event"),
    ("analytics stale mark", "hotline/analytics/services.py", "mark_stale"),
    ("SQL (all statements)", "django/db/backends/utils.py", "_execute"),
)


def profile_intake(scenarios: Scenarios, n: int) -> dict:
    """``n`` intake requests through Django's test client in this process, timed plainly and
    then under cProfile: the median request, its SQL statements, and the cumulative time of each
    part (``_COMPONENTS``) per request, as cProfile counts it (it inflates Python-heavy parts)."""
    import cProfile
    import pstats
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")

    def post(i: int) -> None:
        call = scenarios.intake(10**6 + i)
        assert call.headers is not None, "an intake call carries the operator's token"
        headers = {
            "HTTP_" + k.upper().replace("-", "_"): v
            for k, v in call.headers.items()
            if k != "Content-Type"
        }
        answer = client.post(call.path, call.content, content_type="application/json", **headers)
        if answer.status_code != 201:
            raise RuntimeError(f"intake answered {answer.status_code}: {answer.content[:300]!r}")

    for i in range(5):
        post(i)
    with CaptureQueriesContext(connection) as capture:
        post(5)
    queries = list(capture.captured_queries)  # now: the next request's start clears the log
    plain = []
    for i in range(n):
        started = time.perf_counter()
        post(100 + i)
        plain.append((time.perf_counter() - started) * 1000)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        post(10_000 + i)
    profiler.disable()
    # Stats.stats, the raw table, is not in typeshed's pstats (its public API has no file paths).
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]  # (file, line, name) → (cc, nc, tt, ct, callers)
    components = {}
    for label, suffix, function in _COMPONENTS:
        seconds = sum(
            ct
            for (file, _, name), (_, _, _, ct, _) in stats.items()
            if name == function and file.replace("\\", "/").endswith(suffix)
        )
        components[label] = round(seconds * 1000 / n, 2)
    top = sorted(
        (
            (
                ct,
                f"{file.rsplit('/site-packages/', 1)[-1].rsplit('/work/main/', 1)[-1]}"
                f":{line}({name})",
            )
            for (file, line, name), (_, _, tt, ct, _) in stats.items()
        ),
        reverse=True,
    )[:40]
    return {
        "requests": n,
        "median_ms": round(statistics.median(plain), 2),
        "p99_ms": round(percentile(sorted(plain), 99), 2),
        "queries": len(queries),
        "sql": [q["sql"][:120] for q in queries],
        "components_ms": components,
        "top_cumulative_ms": [(round(ct * 1000 / n, 2), where) for ct, where in top],
    }
