"""The embedded SecantusDB server as real processes: start, durability, one folder one
server, no orphan after the API is killed, and the refusal of a standalone server.

Every process started here is stopped by the test's teardown, even when the test fails;
a server left behind by a killed API is found through /proc and killed too.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from api.db import DatabaseUnsuitable, check_server, make_client
from api.embedded import EmbeddedDatabaseError
from tests.support.accounting import (
    ApiProcess,
    Processes,
    cmdline,
    server_pids,
    wait_until_gone,
)
from tests.support.licenses import REGISTER, license_input

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SERVER = Path(sys.executable).parent / "secantusd-py"
READY_TIMEOUT = 60.0
LISTENING = re.compile(r"secantus listening on 127\.0\.0\.1:(\d+)")


def _parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


@pytest.fixture
def reaper(tmp_path: Path) -> Iterator[Processes]:
    reaper = Processes(tmp_path)
    try:
        yield reaper
    finally:
        reaper.close()


def api_env(data_dir: Path) -> dict[str, str]:
    """The environment of a real API process: embedded database in ``data_dir``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CUSTOMS_") and k != "MONGODB_URI"
    }
    env.update(
        CUSTOMS_DATA_DIR=str(data_dir),
        CUSTOMS_LOG_JSON="false",
        CUSTOMS_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_api(reaper: Processes, data_dir: Path, log: Path) -> ApiProcess:
    """``customs-api serve`` on the embedded database in ``data_dir``, once ready."""
    return reaper.start_api(api_env(data_dir), log)


# --- EmbeddedDatabase in this process ---------------------------------------------------


def test_start_gives_a_transactional_durable_server(reaper: Processes, tmp_path: Path) -> None:
    server = reaper.embedded(tmp_path / "db")
    uri = server.start()

    [pid] = server_pids(tmp_path)
    assert _parent_pid(pid) == os.getpid()
    args = cmdline(pid)
    assert "--sync-on-commit" in args
    assert args[args.index("--storage-path") + 1] == str((tmp_path / "db").resolve())

    with MongoClient[dict[str, Any]](uri, serverSelectionTimeoutMS=5000) as client:
        assert client.admin.command("ping")["ok"] == 1
        things = client.get_database("t").things
        with client.start_session() as session:
            session.with_transaction(
                lambda s: things.insert_many([{"_id": 1}, {"_id": 2}], session=s)
            )

            def fails(s: Any) -> None:
                things.insert_one({"_id": 3}, session=s)
                raise RuntimeError("abort")

            with pytest.raises(RuntimeError, match="abort"):
                session.with_transaction(fails)
        assert sorted(d["_id"] for d in things.find()) == [1, 2]


def test_data_survives_stop_and_restart(reaper: Processes, tmp_path: Path) -> None:
    first = reaper.embedded(tmp_path / "db")
    with MongoClient[dict[str, Any]](
        first.start(), serverSelectionTimeoutMS=5000, w="majority"
    ) as client:
        client.get_database("t").things.insert_one({"_id": "kept", "n": 42})
    first.stop()
    assert server_pids(tmp_path) == []

    second = reaper.embedded(tmp_path / "db")
    with MongoClient[dict[str, Any]](second.start(), serverSelectionTimeoutMS=5000) as client:
        assert client.get_database("t").things.find_one({"_id": "kept"}) == {"_id": "kept", "n": 42}


def test_second_server_on_one_folder_fails_at_once(reaper: Processes, tmp_path: Path) -> None:
    first = reaper.embedded(tmp_path / "db")
    uri = first.start()

    second = reaper.embedded(tmp_path / "db")
    started = time.monotonic()
    with pytest.raises(EmbeddedDatabaseError) as failure:
        second.start()
    assert time.monotonic() - started < 1.0
    message = str(failure.value)
    assert f"{(tmp_path / 'db').resolve()} is already in use" in message
    assert f"pid {os.getpid()}" in message
    assert "Stop that instance" in message
    assert "CUSTOMS_DATA_DIR" in message
    assert "MONGODB_URI" in message

    assert len(server_pids(tmp_path)) == 1  # no second server was spawned
    with MongoClient[dict[str, Any]](uri, serverSelectionTimeoutMS=5000) as client:
        assert client.admin.command("ping")["ok"] == 1


# --- the API as a real process -----------------------------------------------------------


def test_killed_api_leaves_no_orphan_server(reaper: Processes, tmp_path: Path) -> None:
    data_dir = tmp_path / "db"
    api = start_api(reaper, data_dir, tmp_path / "api-1.log")
    [server_pid] = server_pids(tmp_path)
    assert _parent_pid(server_pid) == api.process.pid

    api.process.kill()  # SIGKILL: no lifespan shutdown, no chance to stop the child
    api.process.wait(timeout=10)
    gone_after = wait_until_gone(tmp_path, timeout=10)
    print(f"secantusd-py exited {gone_after:.2f}s after the API was SIGKILLed")

    again = start_api(reaper, data_dir, tmp_path / "api-2.log")  # the folder lock is free
    assert httpx.get(f"{again.base_url}/readyz", timeout=5).json() == {"status": "ready"}


def test_registered_license_survives_api_restart(reaper: Processes, tmp_path: Path) -> None:
    """The key is created BEFORE the server starts: the CLI opens the folder itself (its
    own embedded server, migrations, key, stop), and two processes cannot hold one
    folder.  The other way, a MONGODB_URI at a separately started embedded server, would
    not test the API's own embedded server across its restart."""
    data_dir = tmp_path / "db"
    created = subprocess.run(
        [sys.executable, "-m", "api.cli", "create-api-key", "--name", "t", "--role", "INTEGRATOR"],
        env=api_env(data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("ck_")
    assert server_pids(tmp_path) == []  # the CLI stopped its server
    headers = {"x-api-key": key}

    api = start_api(reaper, data_dir, tmp_path / "api-1.log")
    data = license_input()
    response = httpx.post(
        f"{api.base_url}/graphql",
        json={"query": REGISTER, "variables": {"input": data}},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["registerLicense"]
    assert payload["userErrors"] == [], payload

    api.process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught: exit by SIGTERM
    assert api.process.wait(timeout=20) in (0, -signal.SIGTERM), api.output()
    assert "Application shutdown complete" in api.output()
    assert server_pids(tmp_path) == []  # the lifespan stopped the embedded server

    again = start_api(reaper, data_dir, tmp_path / "api-2.log")
    response = httpx.post(
        f"{again.base_url}/graphql",
        json={
            "query": "query($n: String!) { license(number: $n) "
            "{ number version holder { inn } lines { lineNo quantityLimit } } }",
            "variables": {"n": data["number"]},
        },
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["extensions"]["cost"]["requested"] > 0
    assert {"data": response.json()["data"]} == {
        "data": {
            "license": {
                "number": data["number"],
                "version": 1,
                "holder": {"inn": data["holder"]["inn"]},
                "lines": [
                    {"lineNo": 1, "quantityLimit": "100"},
                    {"lineNo": 2, "quantityLimit": "1500.125"},
                ],
            }
        }
    }


# --- check_server ----------------------------------------------------------------------


@pytest.fixture
def standalone_uri(reaper: Processes, tmp_path: Path) -> str:
    """A SecantusDB started with --standalone: ``hello`` without ``setName``."""
    config = tmp_path / "standalone.toml"
    config.write_text("")  # an explicit config file turns off auto-discovery
    log = tmp_path / "standalone.log"
    command = [
        str(SERVER), "--config", str(config), "--standalone",
        "--host", "127.0.0.1", "--port", "0",
        "--storage-path", str(tmp_path / "standalone"), "--sync-on-commit",
    ]  # fmt: skip
    process = reaper.popen(command, log=log, env=dict(os.environ))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if match := LISTENING.search(text):
            return f"mongodb://127.0.0.1:{match.group(1)}/?directConnection=true"
        if process.poll() is not None:
            pytest.fail(f"secantusd-py --standalone exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    pytest.fail(f"secantusd-py --standalone did not listen within 30s:\n{log.read_text()}")


async def test_check_server_refuses_a_standalone_server(standalone_uri: str) -> None:
    client = make_client(standalone_uri, timeout_ms=5000)
    try:
        hello = await client.admin.command("hello")
        if hello.get("setName"):
            pytest.skip("secantusd-py --standalone still advertises a replica set in hello")
        with pytest.raises(DatabaseUnsuitable) as refusal:
            await check_server(client, "mongodb://standalone-under-test")
    finally:
        await client.close()
    message = str(refusal.value)
    assert "mongodb://standalone-under-test is a standalone server" in message
    assert "--replSet" in message
    assert "rs.initiate()" in message
    assert "unset MONGODB_URI" in message
