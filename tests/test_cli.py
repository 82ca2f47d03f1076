"""``customs-api`` as a real process: schema export check and API key creation.

``create-api-key`` runs against the session server (``MONGODB_URI``) and the run's test
database (``CUSTOMS_DATABASE``), so keys land where the in-process app looks for them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.cli import main
from api.db import Database
from schema.compat import SCHEMA_FILE
from tests.support.api import HOLDER_INN, Api

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "api.cli"]


@dataclass
class Run:
    code: int
    out: str
    err: str


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CUSTOMS_") and k != "MONGODB_URI"
    }
    env.update(extra)
    return env


def run_cli_sync(*args: str) -> Run:
    done = subprocess.run(
        [*CLI, *args],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


async def run_cli(database: Database, *args: str) -> Run:
    """The CLI in a child process, writing into the test database."""
    env = clean_env(MONGODB_URI=database.uri, CUSTOMS_DATABASE=database.db.name)
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


# --- export-schema -----------------------------------------------------------------------


@pytest.mark.skipif(not SCHEMA_FILE.exists(), reason="schema.graphql is not committed yet")
def test_committed_schema_is_up_to_date() -> None:
    run = run_cli_sync("export-schema", "--check")
    assert run.code == 0, run.err
    assert "is up to date" in run.out


def test_export_schema_check_catches_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process (the same ``main`` as the console script) to keep the run short."""
    target = tmp_path / "schema.graphql"
    assert main(["export-schema", str(target)]) == 0
    assert "type Query" in target.read_text()
    assert main(["export-schema", str(target), "--check"]) == 0

    target.write_text(target.read_text() + "\n# edited by hand\n")
    capsys.readouterr()
    assert main(["export-schema", str(target), "--check"]) == 1
    assert f"{target} is stale: run `customs-api export-schema`" in capsys.readouterr().err


# --- create-api-key ----------------------------------------------------------------------


async def test_declarant_key_needs_an_inn(database: Database) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    run = await run_cli(database, "create-api-key", "--name", name, "--role", "DECLARANT")
    assert run.code == 1
    assert run.out == ""
    assert "customs-api: a DECLARANT key is bound to an INN: pass --inn" in run.err
    assert await database.db.api_keys.count_documents({"name": name}) == 0


@pytest.mark.parametrize(
    ("inn", "reason"),
    [
        ("7707083890", "INN 7707083890 fails its check digit"),
        ("12345", "INN must be 10 or 12 digits 0-9, got '12345'"),
    ],
)
async def test_declarant_key_with_an_invalid_inn_fails(
    database: Database, inn: str, reason: str
) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    run = await run_cli(
        database, "create-api-key", "--name", name, "--role", "DECLARANT", "--inn", inn
    )
    assert run.code == 1
    assert run.out == ""
    assert f"customs-api: {reason}" in run.err
    assert await database.db.api_keys.count_documents({"name": name}) == 0


async def test_created_keys_authenticate(database: Database, api: Api) -> None:
    query = {"query": "{ __typename }"}
    for role, extra in (("ANALYST", []), ("DECLARANT", ["--inn", HOLDER_INN])):
        name = f"cli-{uuid.uuid4().hex[:8]}"
        run = await run_cli(database, "create-api-key", "--name", name, "--role", role, *extra)
        assert run.code == 0, run.err
        key = run.out.strip()
        assert key.startswith("ck_")
        assert f"(role {role}; shown once" in run.err

        stored = await database.db.api_keys.find_one({"name": name})
        assert stored is not None
        assert stored["role"] == role
        assert stored["inn"] == (HOLDER_INN if role == "DECLARANT" else None)
        assert key.split("_", 2)[2] not in str(stored)  # only the hash is stored

        response = await api.http.post("/graphql", json=query, headers={"x-api-key": key})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"__typename": "Query"}

    forged = await api.http.post("/graphql", json=query, headers={"x-api-key": key + "x"})
    assert forged.status_code == 401
