"""Permit numbers under concurrency (Permit rules p.2; DESIGN "Permit number").

100 issues spread over two customs and two years, sent by two worker processes through
two API server processes (real ``customs-api serve``, each with its own client and
transactions) at once, with refused issues in between, give exactly 1..N per customs
per year: no gap, no duplicate.  The year comes from the ``X-Customs-Now`` header (the
test settings allow it).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.db import Database
from tests.support.api import Api, free_port
from tests.support.permits import create, key, new_office, permit_input

pytestmark = pytest.mark.slow

ISSUES = 100
REFUSED = 20
WORKERS = 2
THREADS = 8
READY_TIMEOUT = 60
YEARS = {2027: "2027-06-15T10:00:00+03:00", 2028: "2028-06-15T10:00:00+03:00"}
ISSUE = """mutation($input: IssuePermitInput!) {
  issuePermit(input: $input) { permit { number sequence } userErrors { code } } }"""


@dataclass(frozen=True)
class Job:
    permit_id: str
    office: str
    year: int
    valid: bool
    server: str


@dataclass(frozen=True)
class Result:
    job: Job
    number: str | None
    codes: tuple[str, ...]
    worker_pid: int


def _send(job: Job, api_key: str) -> Result:
    """One issuePermit over HTTP, at the job's year (X-Customs-Now)."""
    with httpx.Client(base_url=job.server, timeout=120) as http:
        response = http.post(
            "/graphql",
            json={"query": ISSUE, "variables": {"input": {"idempotencyKey": key("n"),
                                                          "id": job.permit_id}}},
            headers={"x-api-key": api_key, "x-customs-now": YEARS[job.year]},
        )  # fmt: skip
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    payload = body["data"]["issuePermit"]
    number = payload["permit"]["number"] if payload["permit"] else None
    codes = tuple(e["code"] for e in payload["userErrors"])
    return Result(job, number, codes, os.getpid())


def worker(jobs: list[Job], api_key: str) -> list[Result]:
    """A worker process: its jobs sent by THREADS threads at once."""
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda job: _send(job, api_key), jobs))


@dataclass
class ApiServer:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path


def _start_server(mongo_uri: str, database: Database, log: Path) -> ApiServer:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMS_")}
    env.update(
        MONGODB_URI=mongo_uri,
        CUSTOMS_DATABASE=database.db.name,
        CUSTOMS_ALLOW_CLOCK_HEADER="true",
        CUSTOMS_PORT=str(port),
        CUSTOMS_LOG_JSON="false",
        CUSTOMS_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    return ApiServer(process, f"http://127.0.0.1:{port}", log)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def api_servers(mongo_uri: str, database: Database, tmp_path: Path) -> Iterator[list[ApiServer]]:
    """Two API server processes on the test database."""
    servers = [_start_server(mongo_uri, database, tmp_path / f"api{i}.log") for i in range(2)]
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        for server in servers:
            while True:
                if server.process.poll() is not None:
                    pytest.fail(f"API exited early:\n{server.log.read_text()[-4000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"API not ready:\n{server.log.read_text()[-4000:]}")
                time.sleep(0.1)
        yield servers
    finally:
        for server in servers:
            _stop(server.process)


async def test_p2_concurrent_issues_from_several_processes_number_without_gaps(
    api: Api, database: Database, api_servers: list[ApiServer], keys: dict[str, str]
) -> None:
    """Permit rules p.2: per customs per calendar year the numbers are exactly 1..N under
    concurrent issues from several processes and API instances; refused issues in
    between consume none."""
    offices = [await new_office(api), await new_office(api, time_zone="Europe/Kaliningrad")]
    buckets = [(office, year) for office in offices for year in YEARS]
    jobs: list[Job] = []
    for index in range(ISSUES + REFUSED):
        office, year = buckets[index % len(buckets)]
        valid = index < ISSUES
        data = permit_input(office=office)
        if not valid:
            data["identification"] = []  # refused at issue (Permit rules p.8)
        draft = await create(api, data)
        server = api_servers[index % len(api_servers)].base_url
        jobs.append(Job(draft["permit"]["id"], office, year, valid, server))
    random.Random(51).shuffle(jobs)
    shares = [jobs[i::WORKERS] for i in range(WORKERS)]

    started = time.perf_counter()
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(worker, share, keys["OFFICER"]) for share in shares]
        results = [result for future in futures for result in future.result()]
    elapsed = time.perf_counter() - started

    assert len({r.worker_pid for r in results}) == WORKERS
    assert {r.job.server for r in results} == {s.base_url for s in api_servers}
    refused = [r for r in results if not r.job.valid]
    assert all(r.number is None and r.codes == ("IDENTIFICATION_MISSING",) for r in refused)
    numbers: dict[tuple[str, int], list[int]] = defaultdict(list)
    for r in results:
        if not r.job.valid:
            continue
        assert r.codes == (), r
        assert r.number is not None
        match = re.fullmatch(r"(\d{8})/15(\d{2})(\d{2})/51/(\d{4,})", r.number)
        assert match, r.number
        office, month, yy, sequence = match.groups()
        assert (office, month, 2000 + int(yy)) == (r.job.office, "06", r.job.year)
        numbers[(office, r.job.year)].append(int(sequence))
    per_bucket = ISSUES // len(buckets)
    figures: dict[str, Any] = {}
    for bucket in buckets:
        assert sorted(numbers[bucket]) == list(range(1, per_bucket + 1)), bucket
        counter = await database.db.permit_sequences.find_one({"_id": f"{bucket[0]}:{bucket[1]}"})
        assert counter is not None
        assert counter["value"] == per_bucket
        figures[f"{bucket[0]}:{bucket[1]}"] = f"1..{max(numbers[bucket])}"
    stored = await database.db.permits.count_documents(
        {"header.customsOfficeCode": {"$in": offices}, "status": "IN_FORCE"}
    )
    assert stored == ISSUES
    print(
        f"\n{ISSUES} issues + {REFUSED} refused, from {WORKERS} worker processes x {THREADS} "
        f"threads through {len(api_servers)} API processes, in {elapsed:.1f} s: {figures}"
    )
