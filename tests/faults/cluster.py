"""A throwaway PostgreSQL cluster a test may restart or stop at will, as scripts/pg.sh starts one
(never the server of ``DATABASE_URL``, which other tests share)."""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.faults.servers import free_port


def _bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return found[-1] if found else None


class Cluster:
    def __init__(self) -> None:
        self.bin = _bin()
        assert self.bin is not None, (
            "PostgreSQL's server programs are missing (scripts/pg.sh installs them)"
        )
        # Under /tmp and readable by all: as root the cluster runs as postgres, who must reach it.
        self.work = Path(tempfile.mkdtemp(prefix="hotline-faults-pg."))
        self.work.chmod(0o755)
        self.data = self.work / "data"
        self.data.mkdir()
        if os.getuid() == 0:
            shutil.chown(self.data, "postgres")
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self._owner(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()

    def _owner(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (
            f"{program} {' '.join(args)}: {done.stdout[-2000:]}{done.stderr[-2000:]}\n{self.log()}"
        )

    def _ctl(self, *args: str) -> None:
        self._owner("pg_ctl", "-D", str(self.data), *args)

    def _options(self) -> list[str]:
        # The log file on every start: without it the server would hold pg_ctl's output open.
        # fsync off keeps the cluster fast and still survives a crash of PostgreSQL (not of the
        # machine); synchronous_commit stays on as in production: off, a commit acknowledged
        # just before an immediate stop is lost, and so would be an acknowledged order.
        return [
            "-l",
            str(self.data / "server.log"),
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=100",
        ]

    def start(self) -> None:
        self._ctl("-w", *self._options(), "start")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: open sessions are ended, transactions in flight rolled
        back."""
        self._ctl("-w", "-m", "fast", *self._options(), "restart")

    def stop(self, mode: str = "fast") -> None:
        """``immediate`` is a crash: no checkpoint, recovery at the next start."""
        self._ctl("-w", "-m", mode, "stop")

    def remove(self) -> None:
        with contextlib.suppress(AssertionError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.work, ignore_errors=True)

    def log(self) -> str:
        try:
            return (self.data / "server.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""
