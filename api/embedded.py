"""The embedded database: SecantusDB run as a child process.

Used when ``MONGODB_URI`` is unset.  SecantusDB speaks MongoDB's wire protocol over
WiredTiger and presents a single-node replica set, so transactions and change streams
work.  It is GPL-2.0 and pure Python above WiredTiger, so it runs as a separate server
process (never imported here) and never shares the API's GIL.

Guarantees:
* ``--sync-on-commit`` always: an acknowledged write survives a kill of the server;
* the child dies with the API, even when the API is killed with SIGKILL (Linux
  ``PR_SET_PDEATHSIG``), so no orphaned server keeps the folder;
* one folder, one server: an exclusive lock next to the folder stops a second API
  instance from opening it by accident, with a clear message.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

_LISTENING = re.compile(r"secantus listening on 127\.0\.0\.1:(\d+)")
_PR_SET_PDEATHSIG = 1


class EmbeddedDatabaseError(RuntimeError):
    """The embedded database could not be started; the message says what to do."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask the kernel to SIGKILL this child when the process that started it dies.

    SIGKILL, not SIGTERM: the API is gone, so nobody waits for a graceful stop, and a
    SIGTERM was seen to leave the server running for more than 10 s on a loaded machine.
    Nothing is lost: the server runs with ``--sync-on-commit``, so every acknowledged
    write is on disk, and WiredTiger recovers from its journal at the next start (the
    crash test kills the server this way and finds every write-off)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _server_executable() -> str:
    beside_python = Path(sys.executable).parent / "secantusd-py"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("secantusd-py")
    if found is None:
        raise EmbeddedDatabaseError(
            "secantusd-py (package SecantusDB) is not installed; run the README's command "
            "(./dev serve), or set MONGODB_URI to a MongoDB replica set"
        )
    return found


class EmbeddedDatabase:
    """A SecantusDB server in a child process, holding its data folder exclusively."""

    def __init__(self, data_dir: Path, *, start_timeout: float = 30.0) -> None:
        self.data_dir = data_dir.resolve()
        self.start_timeout = start_timeout
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock_file: IO[str] | None = None

    @property
    def _port_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.port"

    def running_uri(self) -> str | None:
        """The URI of the server another process runs on this folder, if one does.

        Lets the CLI (create-api-key, migrate) work while the API is up: the API holds
        the folder's lock, and its server's port is written beside the folder.
        """
        lock_path = self.data_dir.parent / f"{self.data_dir.name}.lock"
        if not lock_path.exists() or not self._port_file.exists():
            return None
        with lock_path.open("a+") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                port = self._port_file.read_text().strip()
                return f"mongodb://127.0.0.1:{port}/?directConnection=true" if port else None
            fcntl.flock(probe, fcntl.LOCK_UN)
        return None

    @property
    def uri(self) -> str:
        if self.port is None:
            raise EmbeddedDatabaseError("the embedded database is not running")
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> str:
        """Start the server and return its URI once it listens.

        Call from the main thread: the kernel's parent-death signal is tied to the thread
        that forked the child.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        # An explicit (empty) config file turns off the server's auto-discovery of
        # ./secantusd.toml, ~/.secantus/... and /etc/secantus/...: this project decides.
        config_path = self.data_dir.parent / f"{self.data_dir.name}.toml"
        if not config_path.exists():
            config_path.write_text("# settings come from the command line (api/embedded.py)\n")
        command = [
            _server_executable(),
            "--config", str(config_path),
            "--host", "127.0.0.1",
            "--port", "0",
            "--storage-path", str(self.data_dir),
            "--sync-on-commit",
        ]  # fmt: skip
        with log_path.open("wb") as log_out:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
                close_fds=True,
            )
        try:
            self.port = self._wait_for_port(log_path)
        except BaseException:
            self.stop()
            raise
        self._port_file.write_text(str(self.port))
        log.info(
            "embedded database started",
            extra={"port": self.port, "data_dir": str(self.data_dir), "pid": self._process.pid},
        )
        return self.uri

    def _wait_for_port(self, log_path: Path) -> int:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            text = log_path.read_text(errors="replace")
            match = _LISTENING.search(text)
            if match:
                return int(match.group(1))
            if self._process.poll() is not None:
                tail = "\n".join(text.splitlines()[-15:])
                raise EmbeddedDatabaseError(
                    f"the embedded database exited with code {self._process.returncode} "
                    f"before listening; its log ({log_path}) ends with:\n{tail}"
                )
            time.sleep(0.05)
        raise EmbeddedDatabaseError(
            f"the embedded database did not start listening within {self.start_timeout}s; "
            f"see {log_path}"
        )

    def _take_lock(self) -> None:
        lock_path = self.data_dir.parent / f"{self.data_dir.name}.lock"
        lock_file = lock_path.open("a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or "unknown"
            lock_file.close()
            raise EmbeddedDatabaseError(
                f"the data folder {self.data_dir} is already in use by another API instance "
                f"(pid {holder}). Stop that instance, or give this one its own folder with "
                "CUSTOMS_DATA_DIR, or point both at one MongoDB with MONGODB_URI."
            ) from None
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(str(os.getpid()))
        lock_file.flush()
        self._lock_file = lock_file

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and release the folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._lock_file is not None:
            self._port_file.unlink(missing_ok=True)
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
        self.port = None
