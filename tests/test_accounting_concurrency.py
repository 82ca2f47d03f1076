"""DESIGN "The invariant" under concurrency: one real API process, load from separate OS
processes, the figures checked in the database afterwards.

Two worker processes (``tests/support/load_worker.py``), each running several scenarios at
once, send well over 1,000 operations against three licences whose limits are small
enough that many accountings are refused for exhaustion: accountings (p.7-8) mixed with
releases (p.8, p.10), withdrawals and refusals that annul (p.4, p.9: exhaustion,
suspension by the feed, discrepancies unfixed by the deadline), actualisations of
temporary declarations by full ones (p.11-12), and resends of the same idempotency key,
some concurrent with the first send.  Afterwards, reading the database directly:

* every line: released <= accounted <= limit, for quantity and value;
* every licence's ledger verifies and its figures equal the sums of its entries;
* no declaration item has more than one net write-off, no annulment returns more than
  was written off, and each declaration holds exactly what its status says;
* every key is answered once (a success or a refusal, DESIGN "Refusals are answers
  too"), and every other send of it replays that answer.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import create_api_key
from api.db import CODEC_OPTIONS, make_client
from domain.access import Role
from migrations.runner import migrate
from tests.support.accounting import (
    REGISTER_LICENSE,
    Processes,
    api_env,
    check_invariant,
    license,
    send,
    unique,
)
from tests.support.api import HOLDER_INN, START

pytestmark = pytest.mark.slow

WORKERS = 2
TASKS_PER_WORKER = 4
SCENARIOS_PER_WORKER = 90
RESEND_SHARE = 0.3
WORKER_TIMEOUT = 240.0
MIN_OPERATIONS = 1000

Document = dict[str, Any]


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.close()


def read_lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def check_replays(records: list[Document]) -> tuple[list[str], Counter[str]]:
    """Per idempotency key (DESIGN "Refusals are answers too"): the first answer, a
    success or a refusal, is the answer to every send of the key.  One send is answered
    and the others replay it, equal to it; a concurrent send whose refusal lost the race
    to the other's success (or refusal) replays that one."""
    problems: list[str] = []
    figures: Counter[str] = Counter()
    by_key: dict[str, list[Document]] = defaultdict(list)
    for record in records:
        by_key[record["key"]].append(record)
    for key, sends in by_key.items():
        if len(sends) == 1:
            continue
        sends.sort(key=lambda r: r["t"])
        concurrent = sends[0]["mode"] == "concurrent"
        figures["resent keys (concurrent)" if concurrent else "resent keys (after)"] += 1
        answered = [r for r in sends if r["error"] is None]
        firsts = [r for r in answered if not r["replayed"]]
        replays = [r for r in answered if r["replayed"]]
        figures["replayed answers"] += len(replays)
        figures["replayed refusals"] += sum(1 for r in replays if r["codes"])
        if len(firsts) > 1:
            problems.append(f"{key}: answered {len(firsts)} times, not replayed: {sends}")
        if replays and not firsts and len(answered) == len(sends):
            problems.append(f"{key}: replayed without a first answer: {sends}")
        for replay in replays:
            if firsts and replay["node"] != firsts[0]["node"]:
                problems.append(f"{key}: replay differs from the first answer: {sends}")
    return problems, figures


async def test_accounting_under_concurrent_load_keeps_the_invariant(
    processes: Processes, tmp_path: Path
) -> None:
    server = processes.embedded(tmp_path / "db")
    uri = server.start()
    name = f"load_{uuid.uuid4().hex[:8]}"
    client = make_client(uri)
    try:
        db = client.get_database(name, codec_options=CODEC_OPTIONS)
        await migrate(db)
        keys = {
            role.value: await create_api_key(
                db,
                name=f"load {role.value.lower()}",
                role=role,
                inn=HOLDER_INN if role is Role.DECLARANT else None,
                now=START,
            )
            for role in (Role.OFFICER, Role.DECLARANT, Role.INTEGRATOR)
        }
        # Every request goes to the database at once: its guards, not the API's queue
        # of writes per licence, keep the invariant here.
        env = {**api_env(mongodb_uri=uri, database=name), "CUSTOMS_QUEUE_LICENCE_WRITES": "false"}
        api = processes.start_api(env, tmp_path / "api.log")
        numbers = [unique("RU-LOAD") for _ in range(3)]
        async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as http:
            for number in numbers:
                answer = await send(
                    http, keys["INTEGRATOR"], REGISTER_LICENSE, license(number), now=START
                )
                assert answer.ok, answer

        configs = []
        for worker in range(WORKERS):
            config = {
                "base_url": api.base_url,
                "keys": keys,
                "licences": numbers,
                "suspend": numbers[worker % len(numbers)],
                "seed": 1907,
                "worker": worker,
                "scenarios": SCENARIOS_PER_WORKER,
                "tasks": TASKS_PER_WORKER,
                "resend_share": RESEND_SHARE,
                "start": START.replace(hour=10).isoformat(),
                "out": str(tmp_path / f"worker-{worker}.jsonl"),
            }
            path = tmp_path / f"worker-{worker}.json"
            path.write_text(json.dumps(config))
            configs.append(config)
        started = time.monotonic()
        workers = [
            processes.popen(
                [
                    sys.executable,
                    "-m",
                    "tests.support.load_worker",
                    str(tmp_path / f"worker-{i}.json"),
                ],
                log=tmp_path / f"worker-{i}.log",
                env=api_env(),
            )
            for i in range(WORKERS)
        ]
        for index, worker_process in enumerate(workers):
            code = await asyncio.wait_for(asyncio.to_thread(worker_process.wait), WORKER_TIMEOUT)
            output = (tmp_path / f"worker-{index}.log").read_text()
            assert code == 0, f"worker {index} exited with {code}:\n{output[-4000:]}"
            print(f"\n{output.strip()}")
        elapsed = time.monotonic() - started

        records = [json.loads(line) for c in configs for line in read_lines(Path(str(c["out"])))]
        failed = [r for r in records if r["error"]]
        assert not failed, f"{len(failed)} got no answer, e.g. {failed[:3]}\n{api.output()}"

        sent = Counter(r["op"] for r in records)
        accepted = Counter(r["op"] for r in records if r["ok"] and not r["replayed"])
        replayed = Counter(r["op"] for r in records if r["replayed"])
        refused: Counter[str] = Counter()
        for r in records:
            if not r["ok"]:
                refused[f"{r['op']} {'+'.join(sorted(set(r['codes'])))}"] += 1
        grounds = Counter(
            g["code"]
            for r in records
            if r["op"] == "refuse" and r["ok"] and not r["replayed"]
            for g in r["node"]["declaration"]["refusal"]["grounds"]
        )
        replay_problems, replay_figures = check_replays(records)
        report = await check_invariant(db, numbers)

        rate = len(records) / elapsed
        print(f"\n{len(records)} operations from {WORKERS} processes x {TASKS_PER_WORKER} "
              f"scenarios at once in {elapsed:.1f} s ({rate:.1f} operations/s)")  # fmt: skip
        print(f"{'operation':<12}{'sent':>7}{'accepted':>10}{'replayed':>10}{'refused':>9}")
        for op in sorted(sent):
            print(f"{op:<12}{sent[op]:>7}{accepted[op]:>10}{replayed[op]:>10}"
                  f"{sent[op] - accepted[op] - replayed[op]:>9}")  # fmt: skip
        print("refusals by code:")
        for what, count in sorted(refused.items()):
            print(f"   {count:>5}  {what}")
        print(f"refusals of release by ground: {dict(grounds)}")
        print(f"resends: {dict(replay_figures)}")
        print(f"declarations by status: {report.declarations_by_status}")
        print(f"ledger entries: {report.ledger_entries} {report.entries_by_operation}")
        for line in report.lines:
            print(f"   {line}")

        assert len(records) >= MIN_OPERATIONS
        assert accepted["account"] > 50
        assert any("EXCEEDS_AVAILABLE" in what for what in refused), "no exhaustion refusals"
        assert accepted["actualise"] > 0
        assert accepted["withdraw"] > 0
        assert set(grounds) == {"EXHAUSTION", "SUSPENSION", "UNFIXED_DISCREPANCIES"}, grounds
        assert replay_figures["resent keys (concurrent)"] > 0
        assert replay_problems == [], "\n".join(replay_problems[:10])
        assert report.problems == [], "\n".join(report.problems[:20])
    finally:
        await client.close()
