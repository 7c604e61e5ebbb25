"""The django-helpdesk benchmark peer (hotline.benchmarks.peer).

The tests that install and run the peer need PostgreSQL in DATABASE_URL and HOTLINE_PEER_TESTS=1
(the first run installs django-helpdesk from PyPI into ~/.cache/hotline-bench, about 10 s):

    source scripts/pg.sh && pg_start
    DATABASE_URL=$PG_URL HOTLINE_PEER_TESTS=1 .venv/bin/pytest tests/benchmarks/test_peer.py
    pg_stop

The others run everywhere and install nothing.
"""

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from hotline.benchmarks import peer as peer_module
from hotline.benchmarks.peer import (
    REQUIREMENTS,
    SITE_FILES,
    SITE_TEMPLATES,
    Peer,
    PeerError,
    ensure_peer_env,
    seed_tickets,
    start_peer,
    stop_peer,
)

DATABASE_URL = os.environ.get("DATABASE_URL", "")
needs_peer = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://"))
    or os.environ.get("HOTLINE_PEER_TESTS") != "1",
    reason="installs and runs django-helpdesk: needs DATABASE_URL on PostgreSQL and "
    "HOTLINE_PEER_TESTS=1",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(peer: Peer, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        peer.url + path, data=data, method=method, headers=peer.headers()
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read().decode(errors="replace")}


# --- without the peer -------------------------------------------------------------------------


def a_peer(**kwargs) -> Peer:
    return Peer(url="http://127.0.0.1:1", token="abc", queue_id=7, process=None, **kwargs)


def test_headers_carry_the_token():
    assert a_peer().headers() == {"Authorization": "Token abc", "Content-Type": "application/json"}


def test_ticket_body_has_the_required_fields_and_no_ticket_references():
    body = a_peer().ticket_body(42, "路灯不亮 #12 again\nsince #3 days, see # and #x")
    assert set(body) == {"title", "description", "queue", "priority", "submitter_email"}
    assert body["queue"] == 7 and body["priority"] == 3
    assert body["submitter_email"] == "citizen42@example.com"
    assert "#1" not in body["description"] and "#3" not in body["description"]
    assert "see # and #x" in body["description"]  # only '#' before digits is replaced
    assert body["title"].startswith("42: 路灯不亮") and "\n" not in body["title"]
    assert len(a_peer().ticket_body(1, "x" * 500)["title"]) == 200
    assert a_peer().ticket_body(5, "")["description"]


def test_site_templates_exist_and_are_not_python_modules():
    for template in SITE_FILES:
        assert (SITE_TEMPLATES / template).is_file()
    assert not list(SITE_TEMPLATES.glob("*.py"))


def test_a_failing_step_says_what_failed_with_the_last_lines(tmp_path):
    script = "import sys; print('\\n'.join(f'line {i}' for i in range(40))); sys.exit(3)"
    with pytest.raises(PeerError) as raised:
        peer_module._run(
            [sys.executable, "-c", script],
            "pip install of the peer",
            log_file=tmp_path / "install.log",
            timeout=30,
        )
    message = str(raised.value)
    assert "pip install of the peer failed with exit status 3" in message
    assert "line 39" in message and "line 0\n" not in message
    assert "line 0" in (tmp_path / "install.log").read_text()


def test_a_finished_environment_is_reused_and_an_unfinished_one_is_not(tmp_path, monkeypatch):
    venv = (
        tmp_path / f"helpdesk-{peer_module.HELPDESK_VERSION}-py{sys.version_info.major}"
        f"{sys.version_info.minor}"
    )
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / "hotline-peer.json").write_text(json.dumps({"requirements": list(REQUIREMENTS)}))
    monkeypatch.setattr(peer_module, "_run", lambda *a, **k: pytest.fail("installed again"))
    assert ensure_peer_env(tmp_path) == venv

    (venv / "hotline-peer.json").unlink()  # as after an interrupted install
    ran = []

    def refuse(command, what, **kwargs):
        ran.append(what)
        raise PeerError(f"{what} failed")

    monkeypatch.setattr(peer_module, "_run", refuse)
    with pytest.raises(PeerError, match="virtualenv failed"):
        ensure_peer_env(tmp_path)
    assert ran == ["creating the peer's virtualenv"]
    assert not venv.exists()


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_BENCH_CACHE", str(tmp_path))
    assert peer_module.cache_root() == tmp_path
    assert peer_module.cache_root(tmp_path / "other") == tmp_path / "other"


# --- with the peer ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def running_peer(tmp_path_factory):
    peer = start_peer(
        DATABASE_URL, port=free_port(), workers=2, workdir=tmp_path_factory.mktemp("peer")
    )
    yield peer
    stop_peer(peer)


@needs_peer
def test_tickets_are_created_through_the_api(running_peer):
    peer = running_peer
    assert peer.count_tickets() == 0
    for i in range(5):
        status, answer = call(
            peer,
            "POST",
            peer.create_path,
            peer.ticket_body(i, f"路灯不亮 {i}, see #1 and #{i + 1}"),
        )
        assert status == 201, answer
        assert answer["id"] and answer["queue"] == peer.queue_id
    assert peer.count_tickets() == 5

    status, page = call(peer, "GET", peer.list_path)
    assert status == 200, page
    assert page["count"] == 5 and len(page["results"]) == 5
    # '#1' in a description would have become a follow-up of ticket 1 instead of a ticket
    assert {len(ticket["followup_set"]) for ticket in page["results"]} == {1}


@needs_peer
def test_seeded_tickets_are_listed(running_peer):
    peer = running_peer
    before = peer.count_tickets()
    seed_tickets(peer, 60)
    assert peer.count_tickets() == before + 60
    status, page = call(peer, "GET", peer.list_path + "?page=2")
    assert status == 200, page
    assert page["count"] == before + 60 and len(page["results"]) == 25
    # the id sequence follows the seeded rows: the API can still create
    status, answer = call(peer, "POST", peer.create_path, peer.ticket_body(99, "after seeding"))
    assert status == 201, answer
    assert peer.count_tickets() == before + 61


@needs_peer
def test_stopping_ends_gunicorn_and_its_workers(running_peer):
    peer = running_peer  # the last test of the module: the fixture's own stop then does nothing
    assert set(peer.timings) == {"env", "createdb", "migrate", "setup", "gunicorn"}
    group = subprocess.run(
        ["pgrep", "-g", str(peer.process.pid)], capture_output=True, text=True
    ).stdout.split()
    assert len(group) == 3  # the master and two workers
    stop_peer(peer)
    assert peer.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(peer.process.pid, 0)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(peer.url + peer.list_path, timeout=5)
    stop_peer(peer)  # stopping twice is harmless
