"""DESIGN "The invariant" across crashes: the real API on the embedded database is killed
in the middle of a stream of accountings and withdrawals, restarted on the same folder,
and every operation whose answer was lost is sent again with the same idempotency key
and the same content.

Two crashes: first the API alone is SIGKILLed (its SecantusDB child gets SIGTERM from
the kernel, ``PR_SET_PDEATHSIG``); then the API and, at once, its SecantusDB server are
both SIGKILLed.  Afterwards, reading the database: each accounted declaration has each
of its items written off exactly once, each withdrawn one exactly once and annulled
exactly once (net zero), every line's figures equal the quantities of the declarations
that stayed accounted, the ledgers verify and the invariant holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import create_api_key
from api.db import CODEC_OPTIONS, make_client
from api.embedded import EmbeddedDatabase
from domain.access import Role
from tests.support.accounting import (
    ACCOUNT,
    CONTROL,
    REGISTER,
    REGISTER_LICENSE,
    WITHDRAW,
    Answer,
    ApiProcess,
    Processes,
    api_env,
    check_invariant,
    license,
    send,
    server_pids,
    unique,
    wait_until_gone,
)
from tests.support.api import HOLDER_INN, START

pytestmark = pytest.mark.slow

DECLARATIONS = 120
CONCURRENCY = 8
CRASH_AFTER = (90, 230)  # answered operations before each crash
OFFICE = "10702030"

Document = dict[str, Any]


@dataclass
class Step:
    """One operation of a chain: its key and content never change across resends."""

    name: str
    document: str
    role: str
    input: Document
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Chain:
    """One declaration's operations, in order: register, control, account (withdraw)."""

    number: str
    items: list[Document]
    withdraw: bool
    steps: list[Step]
    next: int = 0

    @property
    def done(self) -> bool:
        return self.next == len(self.steps)


def chains(licenses: list[str], seed: int = 1907) -> list[Chain]:
    rng = random.Random(seed)
    made = []
    for serial in range(1, DECLARATIONS + 1):
        number = f"{OFFICE}/010327/{9_000_000 + serial}"
        chosen = rng.sample(licenses, rng.randint(1, 2))
        items = [
            {"itemNo": i, "name": "Медная проволока круглая", "hsCode": "7408110000",
             "quantity": str(Decimal(rng.randint(1, 400)) / 8), "unit": "166",
             "licenseNumber": lic, "lineNo": 2}
            for i, lic in enumerate(chosen, start=1)
        ]  # fmt: skip
        declaration = {
            "number": number, "kind": "STANDARD", "direction": "EXPORT", "procedure": "10",
            "customsOffice": OFFICE, "declarantInn": HOLDER_INN, "items": items,
        }  # fmt: skip
        withdraw = rng.random() < 0.35
        steps = [
            Step("register", REGISTER, "DECLARANT", {"declaration": declaration}),
            Step("control", CONTROL, "OFFICER", {"number": number}),
            Step("account", ACCOUNT, "OFFICER", {"number": number}),
        ]
        if withdraw:
            steps.append(
                Step("withdraw", WITHDRAW, "OFFICER", {"number": number, "reason": "отзыв"})
            )
        for step in steps:
            step.input = {"idempotencyKey": unique(step.name), **step.input}
        made.append(Chain(number, items, withdraw, steps))
    return made


@dataclass
class Stream:
    """Sends the chains' operations, ``CONCURRENCY`` declarations at a time, until every
    chain is done or the API stops answering."""

    base_url: str
    keys: dict[str, str]
    answered: int = 0
    lost: int = 0  # sent, the connection broke before the answer
    undelivered: int = 0  # the API was already gone
    refused: list[str] = field(default_factory=list)
    gone: bool = False
    finished: bool = False
    in_flight: dict[str, str] = field(default_factory=dict)  # key -> operation
    crash_after: int | None = None
    crash_time: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, todo: list[Chain]) -> None:
        queue: asyncio.Queue[Chain] = asyncio.Queue()
        for chain in todo:
            queue.put_nowait(chain)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=60) as http:

            async def task() -> None:
                while not queue.empty() and not self.gone:
                    chain = queue.get_nowait()
                    while not chain.done and not self.gone:
                        step = chain.steps[chain.next]
                        now = START + timedelta(minutes=1)
                        key = step.input["idempotencyKey"]
                        self.in_flight[key] = step.name
                        answer = await send(
                            http, self.keys[step.role], step.document, step.input, now=now
                        )
                        self.in_flight.pop(key, None)
                        step.answers.append(answer)
                        if answer.payload is None:  # the answer is lost: resend it later
                            self.gone = True
                            if (answer.error or "").startswith("ConnectError"):
                                self.undelivered += 1
                            else:
                                self.lost += 1
                            return
                        self.answered += 1
                        if self.crash_after is not None and self.answered >= self.crash_after:
                            self.crash_time.set()
                        if not answer.ok:
                            self.refused.append(f"{chain.number} {step.name}: {answer.codes}")
                            return
                        chain.next += 1

            try:
                await asyncio.gather(*(task() for _ in range(CONCURRENCY)))
            finally:
                self.finished = True
                self.crash_time.set()


async def crash(
    stream: Stream, api: ApiProcess, data_dir: Path, *, with_server: bool
) -> str | None:
    """After ``stream.crash_after`` answers, SIGKILL the API at a moment when an
    accounting or a withdrawal has committed but its answer has not gone out: that
    answer is lost although the work is done.

    To find such a moment the API is frozen (SIGSTOP) for a short while, again and
    again: while it stands, commits it already sent complete in the database and answers
    it already wrote reach this client, so an operation still unanswered whose
    idempotency record is in the database is exactly that case; then SIGKILL (else
    SIGCONT and try again; after 10 s kill anyway).  With ``with_server`` its SecantusDB
    server is SIGKILLed at the same moment (else the kernel sends it SIGTERM: PDEATHSIG).
    Returns the key of the operation caught, if any."""
    await stream.crash_time.wait()
    assert not stream.finished, f"the stream ended before {stream.crash_after} answers"
    uri = EmbeddedDatabase(data_dir).running_uri()
    assert uri is not None
    client = make_client(uri)
    rng = random.Random(1907)
    caught = None
    try:
        idempotency = client.get_database("customs").idempotency
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            api.process.send_signal(signal.SIGSTOP)
            await asyncio.sleep(0.05)
            keys = [k for k, op in stream.in_flight.items() if op in ("account", "withdraw")]
            if keys and (record := await idempotency.find_one({"key": {"$in": keys}})):
                caught = str(record["key"])
                break
            api.process.send_signal(signal.SIGCONT)
            await asyncio.sleep(rng.uniform(0.01, 0.06))
        servers = server_pids(data_dir)
        api.process.send_signal(signal.SIGKILL)
        if with_server:
            for pid in servers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    finally:
        if api.process.poll() is None:  # failed before the kill: never leave it frozen
            api.process.send_signal(signal.SIGCONT)
        await client.close()
    await asyncio.to_thread(api.process.wait)
    return caught


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.close()


async def test_killed_api_restarted_and_resent_loses_and_duplicates_nothing(
    processes: Processes, tmp_path: Path
) -> None:
    data_dir = tmp_path / "db"
    env = api_env(data_dir=data_dir)
    api = processes.start_api(env, tmp_path / "api-0.log")
    uri = EmbeddedDatabase(data_dir).running_uri()
    assert uri is not None
    client = make_client(uri)
    db = client.get_database("customs", codec_options=CODEC_OPTIONS)
    keys = {
        role.value: await create_api_key(
            db, name=f"crash {role.value.lower()}", role=role,
            inn=HOLDER_INN if role is Role.DECLARANT else None, now=START,
        )
        for role in (Role.OFFICER, Role.DECLARANT, Role.INTEGRATOR)
    }  # fmt: skip
    await client.close()
    numbers = [unique("RU-CRASH") for _ in range(2)]
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as http:
        for number in numbers:
            data = license(number)
            data["lines"][1]["quantityLimit"] = "100000"
            answer = await send(http, keys["INTEGRATOR"], REGISTER_LICENSE, data, now=START)
            assert answer.ok, answer

    todo = chains(numbers)
    started = time.monotonic()
    figures: list[str] = []
    caught: list[str | None] = []
    for round_no, crash_at in enumerate([*CRASH_AFTER, None]):
        stream = Stream(api.base_url, keys, crash_after=crash_at)
        pending = [c for c in todo if not c.done]
        if crash_at is None:
            await stream.run(pending)
            assert stream.refused == [], stream.refused
            assert stream.lost == stream.undelivered == 0
            figures.append(f"round {round_no}: {stream.answered} answered, all chains done")
            break
        killer = asyncio.create_task(crash(stream, api, data_dir, with_server=round_no == 1))
        await stream.run(pending)
        caught.append(await killer)
        assert stream.refused == [], stream.refused
        gone = wait_until_gone(tmp_path)
        figures.append(
            f"round {round_no}: {stream.answered} answered, {stream.lost} answers lost in "
            f"flight, {stream.undelivered} sends to the dead "
            f"port; {'API and its database SIGKILLed' if round_no else 'API SIGKILLed'}; "
            f"secantusd-py gone {gone:.2f} s later"
        )
        api = processes.start_api(env, tmp_path / f"api-{round_no + 1}.log")
    elapsed = time.monotonic() - started
    assert all(c.done for c in todo)

    # what the resends found: the work done before the crash (replayed), or not done
    resends: Counter[str] = Counter()
    for chain in todo:
        for step in chain.steps:
            if len(step.answers) > 1:
                final = step.answers[-1]
                assert final.ok, step
                assert all(a.payload is None for a in step.answers[:-1]), step
                resends[f"{step.name} {'replayed' if final.replayed else 'done on resend'}"] += 1
    assert resends, "no answer was lost: the crashes came too late"
    # the operation each crash caught committed with its answer not out: the resend
    # found its record (the commit survived the kill) and replayed the first result
    steps = {step.input["idempotencyKey"]: step for chain in todo for step in chain.steps}
    fates = []
    for round_no, key in enumerate(caught):
        assert key is not None, f"crash {round_no + 1} caught no committed operation in flight"
        step = steps[key]
        assert len(step.answers) == 2, step
        assert step.answers[0].payload is None, step
        fates.append(step.answers[-1].replayed)
        figures[round_no] += (
            f"; it caught a {step.name} committed with its answer not out: the resend "
            + ("replayed it" if step.answers[-1].replayed else "DID THE WORK AGAIN")
        )
    uri = EmbeddedDatabase(data_dir).running_uri()
    assert uri is not None
    client = make_client(uri)
    try:
        db = client.get_database("customs", codec_options=CODEC_OPTIONS)
        report = await check_invariant(db, numbers)
        entries = await db.ledger.find(
            {"declarationNumber": {"$in": [c.number for c in todo]}}
        ).to_list()
        per_item: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
        for entry in entries:
            per_item[(entry["declarationNumber"], entry["itemNo"])][entry["operation"]] += 1
        problems = []
        expected: dict[str, Decimal] = defaultdict(Decimal)
        statuses = {
            d["number"]: d["status"]
            async for d in db.declarations.find({"number": {"$in": [c.number for c in todo]}})
        }
        for chain in todo:
            want = "WITHDRAWN" if chain.withdraw else "ACCOUNTED"
            if statuses.get(chain.number) != want:
                problems.append(f"{chain.number}: {statuses.get(chain.number)}, not {want}")
            for item in chain.items:
                ops = per_item[(chain.number, item["itemNo"])]
                wanted = Counter({"WRITE_OFF": 1, "ANNULMENT": 1 if chain.withdraw else 0})
                if +ops != +wanted:
                    problems.append(f"{chain.number} item {item['itemNo']}: {dict(ops)}")
                if not chain.withdraw:
                    expected[item["licenseNumber"]] += Decimal(item["quantity"])
        for line in report.lines:
            if line.line_no == 2 and line.accounted != expected[line.license]:
                problems.append(f"{line}: expected accounted {expected[line.license]}")
    finally:
        await client.close()

    print(f"\n{DECLARATIONS} declarations ({sum(c.withdraw for c in todo)} withdrawn), "
          f"{sum(len(c.steps) for c in todo)} operations, 2 crashes, {elapsed:.1f} s")  # fmt: skip
    for text in figures:
        print(f"   {text}")
    print(f"resent after a restart: {dict(sorted(resends.items()))}")
    print(f"declarations by status: {report.declarations_by_status}")
    print(f"ledger entries: {report.ledger_entries} {report.entries_by_operation}")
    for line in report.lines:
        print(f"   {line}")
    assert problems == [], "\n".join(problems[:20])
    assert all(fates), "a commit the database had shown was lost in the crash"
    assert report.problems == [], "\n".join(report.problems[:20])
