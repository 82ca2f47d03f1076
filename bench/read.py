"""Read benchmark (issue 8, "Fast nested views"): what a page of 100 licences with their
lines and each licence's 10 newest ledger entries costs through the API, against a bare
floor server answering the same question from the same collections, at two collection
sizes.

    uv run python bench/read.py [--sizes 1000,20000] [--duration S] [--clients N] [--quick]

Everything runs on the embedded database (SecantusDB) in a temporary folder: the API as
one uvicorn process (``customs-api serve`` with ``MONGODB_URI`` at that server) and the
floor (``bench/floor.py``: a raw ASGI callable on uvicorn with raw PyMongo) beside it.
The first size is seeded through the service layer (``services.licenses.LicenseFeed``:
a registration of 5 lines and 3 amendments changing every line's limit, 20 LIMIT_CHANGE
ledger entries a licence; a few licences of the page also get a declaration registered,
controlled, accounted and some released through ``services.declarations.Declarations``);
the larger sizes are reached by cloning those service-written licences and their ledger
entries with new numbers and ids (numbers sorting after the seeded ones, so the page
asked for is the same at every size).  See ``bench/README.md`` for what it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import signal
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from api.auth import create_api_key
from api.db import CODEC_OPTIONS, make_client
from domain.access import Principal, Role
from domain.declarations import DeclarationData, DeclarationKind, Direction, ItemData
from domain.licenses import Amendment, LineData, Party, Registration
from migrations.runner import migrate
from services.base import RequestScope
from services.declarations import Declarations
from services.licenses import LicenseFeed
from services.transactions import Outcome
from tests.support.accounting import (
    ROOT,
    Processes,
    api_env,
    free_port,
    in_temporary_folder,
    server_pids,
)
from tests.support.api import HOLDER_INN, START

Document = dict[str, Any]

PAGE = 100  #: licences a page (the API's maximum)
ENTRIES = 10  #: newest ledger entries a licence
AMENDMENTS = 3  #: each changes every line's limit: 5 + 3 x 5 = 20 entries a licence
OFFICE = "10702030"
#: Licence lines: HS code of the line, the declared item's code under it, the unit.
LINES = (
    ("8504", "8504210000", "796", "Трансформаторы силовые"),
    ("7408", "7408110000", "166", "Медная проволока"),
    ("8471", "8471300000", "796", "Машины вычислительные портативные"),
    ("8542", "8542310000", "796", "Схемы интегральные"),
    ("9013", "9013200000", "796", "Лазеры"),
)

QUERY = """query Page($first: Int!, $entries: Int!) {
  licenses(first: $first) { edges { node {
    number status holder { inn name }
    lines { lineNo name hsCode unit quantityLimit accounted released available }
    ledger(first: $entries) { edges { node { seq operation quantity at } } }
  } } }
}"""
ERROR_CODE = re.compile(rb'"code":\s*"([A-Z_]+)"')
BODY = json.dumps({"query": QUERY, "variables": {"first": PAGE, "entries": ENTRIES}}).encode()


def license_number(index: int) -> str:
    return f"RU-EX-2027-{index + 1:06d}"


def say(text: str) -> None:
    print(text, flush=True)


# --- seeding --------------------------------------------------------------------------


def limits(index: int, amendment: int) -> list[LineData]:
    """The five lines of licence ``index`` after ``amendment`` amendments (0: as
    registered); each amendment raises every line's limit by 10."""
    return [
        LineData(
            line_no=n,
            name=name,
            hs_code=code,
            unit=unit,
            quantity_limit=Decimal(f"{1000 * n + index % 97}.125") + 10 * amendment,
        )
        for n, (code, _item_code, unit, name) in enumerate(LINES, start=1)
    ]


def checked(outcome: Outcome, what: str) -> None:
    if outcome.problems:
        raise RuntimeError(f"{what}: {outcome.problems}")


@dataclass
class Seeder:
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    feed_principal: Principal = field(
        default_factory=lambda: Principal(
            key_id="bench-feed", name="bench feed", role=Role.INTEGRATOR
        )
    )
    officer: Principal = field(
        default_factory=lambda: Principal(key_id="bench-officer", name="bench", role=Role.OFFICER)
    )
    serial: int = 0

    def scope(self, principal: Principal, now: datetime) -> RequestScope:
        return RequestScope(self.client, self.db, principal, now)

    async def license(self, index: int) -> None:
        """Register licence ``index`` and amend it ``AMENDMENTS`` times, through the
        licence feed service, a minute apart."""
        number = license_number(index)
        moment = START - timedelta(days=30) + timedelta(minutes=5 * index)
        registration = Registration(
            number=number,
            type="ONE_TIME",
            direction="EXPORT",
            issuing_authority="Минпромторг России",
            holder=Party(name="ООО «Ромашка»", inn=HOLDER_INN),
            counterparty=Party(name="Acme GmbH", country="DE"),
            valid_from=date(2027, 1, 1),
            valid_to=date(2027, 12, 31),
            lines=limits(index, 0),
        )
        feed = LicenseFeed(self.scope(self.feed_principal, moment))
        checked(await feed.register(f"bench-{uuid.uuid4().hex}", registration), number)
        for amendment in range(1, AMENDMENTS + 1):
            feed = LicenseFeed(
                self.scope(self.feed_principal, moment + timedelta(minutes=amendment))
            )
            change = Amendment(number=number, lines=limits(index, amendment))
            checked(await feed.amend(f"bench-{uuid.uuid4().hex}", change), number)

    async def declare(self, index: int, *, release: bool) -> None:
        """A declaration of one item per line of licence ``index``, registered,
        controlled and accounted (5 WRITE_OFF entries), and released when ``release``
        (5 RELEASE entries), through the declarations service."""
        self.serial += 1
        number = f"{OFFICE}/010327/{self.serial:07d}"
        data = DeclarationData(
            number=number,
            kind=DeclarationKind.STANDARD,
            direction=Direction.EXPORT,
            procedure="10",
            customs_office=OFFICE,
            declarant_inn=HOLDER_INN,
            items=[
                ItemData(
                    item_no=n,
                    name=name,
                    hs_code=item_code,
                    quantity=Decimal("12.5") * n,
                    unit=unit,
                    license_number=license_number(index),
                    line_no=n,
                )
                for n, (_code, item_code, unit, name) in enumerate(LINES, start=1)
            ],
        )
        moment = START - timedelta(days=1) + timedelta(minutes=index)
        service = Declarations(self.scope(self.officer, moment))
        checked(await service.register(f"k-{uuid.uuid4().hex}", data), number)
        checked(await service.control(f"k-{uuid.uuid4().hex}", number), number)
        checked(await service.account(f"k-{uuid.uuid4().hex}", number), number)
        if release:
            checked(await service.release(f"k-{uuid.uuid4().hex}", number), number)

    async def seed(self, count: int, declared: int) -> set[int]:
        """``count`` licences through the feed; ``declared`` of the first page's get a
        declaration (every other one released).  Returns the declared indexes."""
        started = time.perf_counter()
        step = max(1, count // 10)
        for index in range(count):
            await self.license(index)
            if (index + 1) % step == 0:
                rate = (index + 1) / (time.perf_counter() - started)
                say(f"  {index + 1:>6} licences registered and amended ({rate:.0f}/s)")
        spacing = max(1, min(count, PAGE) // max(1, declared))
        chosen = {3 + spacing * k for k in range(declared) if 3 + spacing * k < min(count, PAGE)}
        for k, index in enumerate(sorted(chosen)):
            await self.declare(index, release=k % 2 == 0)
        return chosen

    async def clone(self, templates: list[int], first_index: int, count: int) -> None:
        """Licences ``first_index`` .. ``first_index + count - 1`` as copies of the
        service-written licences ``templates`` with their ledger entries: new ``_id``,
        number, and the entries' ``licenseId``/``licenseNumber`` (everything else as
        the service wrote it, so the clones' hash chains do not verify: they hash the
        original number)."""
        sources: list[tuple[Document, list[Document]]] = []
        for index in templates:
            doc = await self.db.licenses.find_one({"number": license_number(index)})
            assert doc is not None
            ledger_of = (
                await self.db.ledger.find({"licenseId": doc["_id"]}).sort("seq", 1).to_list()
            )
            sources.append((doc, ledger_of))
        started = time.perf_counter()
        batch = 250
        done = 0
        for low in range(first_index, first_index + count, batch):
            high = min(low + batch, first_index + count)
            licenses: list[Document] = []
            entries: list[Document] = []
            for index in range(low, high):
                doc, ledger = sources[index % len(sources)]
                new_id, number = ObjectId(), license_number(index)
                licenses.append({**doc, "_id": new_id, "number": number})
                entries += [
                    {**e, "_id": ObjectId(), "licenseId": new_id, "licenseNumber": number}
                    for e in ledger
                ]
            await self.db.licenses.insert_many(licenses)
            await self.db.ledger.insert_many(entries)
            before, done = done, high - first_index
            if done * 10 // count != before * 10 // count or done == count:
                rate = done / (time.perf_counter() - started)
                say(f"  {done:>6} of {count} clones inserted ({rate:.0f} licences/s)")


# --- measuring ------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)
    return ticks / os.sysconf("SC_CLK_TCK")


async def top(client: AsyncMongoClient[Document], database: str) -> dict[str, tuple[int, int]]:
    """The server's ``top``: per collection of ``database``, (commands, microseconds).
    Only commands naming a collection count (no hello, ping, serverStatus)."""
    totals = (await client.admin.command("top"))["totals"]
    prefix = f"{database}."
    return {
        ns[len(prefix) :]: (int(v["total"]["count"]), int(v["total"]["time"]))
        for ns, v in totals.items()
        if ns.startswith(prefix)
    }


@dataclass
class Target:
    """A server answering the question."""

    name: str
    base_url: str
    pid: int
    key: str
    has_stats: bool = False


@dataclass
class Snapshot:
    server_cpu: float
    db_cpu: float
    bench_cpu: float
    top: dict[str, tuple[int, int]]
    listener: int | None


@dataclass
class Run:
    """One measurement: a target, a collection size, a number of clients.  Latencies and
    rates are of the good answers; costs are per answered request (failed ones, e.g. the
    API's OPERATION_TIMEOUT, cost too)."""

    target: str
    size: int
    clients: int
    latencies: list[float]
    errors: list[str]
    seconds: float
    server_cpu: float
    db_cpu: float
    bench_cpu: float
    commands: dict[str, tuple[int, int]]
    listener: int | None

    @property
    def requests(self) -> int:
        """Good answers."""
        return len(self.latencies)

    @property
    def answered(self) -> int:
        """Every answer, good or failed."""
        return len(self.latencies) + len(self.errors)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else math.nan

    @property
    def p99_ms(self) -> float:
        return self.percentile(99) * 1000

    def per_request(self, total: float) -> float:
        return total / self.answered if self.answered else math.nan

    @property
    def cpu_ms(self) -> float:
        return self.per_request(self.server_cpu) * 1000

    @property
    def db_cpu_ms(self) -> float:
        return self.per_request(self.db_cpu) * 1000

    @property
    def db_commands(self) -> float:
        return self.per_request(sum(c for c, _ in self.commands.values()))

    @property
    def failures(self) -> str:
        """The failed answers, by error code."""
        counts = Counter(self.errors)
        return ", ".join(f"{n} {code}" for code, n in counts.most_common()) or "none"


@dataclass
class Bench:
    client: AsyncMongoClient[Document]
    database: str
    db_pid: int
    gzip: bool
    runs: list[Run] = field(default_factory=list)

    def headers(self, target: Target) -> dict[str, str]:
        return {
            "x-api-key": target.key,
            "content-type": "application/json",
            "accept-encoding": "gzip" if self.gzip else "identity",
        }

    async def snapshot(self, target: Target, http: httpx.AsyncClient) -> Snapshot:
        listener = None
        if target.has_stats:
            listener = int((await http.get("/stats")).json()["commands"])
        return Snapshot(
            server_cpu=cpu_seconds(target.pid),
            db_cpu=cpu_seconds(self.db_pid),
            bench_cpu=time.process_time(),
            top=await top(self.client, self.database),
            listener=listener,
        )

    async def answer(self, target: Target) -> Document:
        async with httpx.AsyncClient(base_url=target.base_url, timeout=300) as http:
            response = await http.post("/graphql", content=BODY, headers=self.headers(target))
        body: Document = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{target.name} answered {response.status_code}: {body}")
        return body

    async def settle(self, limit: float = 120) -> None:
        """Wait until the database is idle (below 10% of a core over half a second): a
        request the API gave up on (OPERATION_TIMEOUT) leaves its commands running there,
        and they would be charged to the next measurement."""
        give_up = time.monotonic() + limit
        while time.monotonic() < give_up:
            before = cpu_seconds(self.db_pid)
            await asyncio.sleep(0.5)
            if cpu_seconds(self.db_pid) - before < 0.05:
                return

    async def measure(
        self, target: Target, size: int, clients: int, seconds: float, warmup: float
    ) -> Run:
        """One client on one keep-alive connection sends the question for ``warmup``
        seconds (not counted); then ``clients`` concurrent clients, each its own
        keep-alive connection, send it for ``seconds`` (each finishes the request it has
        under way at the end).  A failed answer is counted, not fatal."""
        await self.settle()
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        headers = self.headers(target)
        latencies: list[float] = []
        errors: list[str] = []
        async with contextlib.AsyncExitStack() as stack:
            https = [
                await stack.enter_async_context(
                    httpx.AsyncClient(base_url=target.base_url, timeout=600, limits=limits)
                )
                for _ in range(clients)
            ]

            async def client(http: httpx.AsyncClient, deadline: float, record: bool) -> None:
                while True:
                    started = time.perf_counter()
                    response = await http.post("/graphql", content=BODY, headers=headers)
                    ended = time.perf_counter()
                    if response.status_code != 200 or b'"errors"' in response.content:
                        code = ERROR_CODE.search(response.content)
                        error = code.group(1).decode() if code else f"HTTP {response.status_code}"
                        if not record:
                            raise RuntimeError(f"{target.name} answered: {response.text[:500]}")
                        if not errors:
                            say(f"  {target.name} failed: {response.text[:300]}")
                        errors.append(error)
                    elif record:
                        latencies.append(ended - started)
                    if ended >= deadline:
                        return

            await client(https[0], time.perf_counter() + warmup, False)
            before = await self.snapshot(target, https[0])
            started = time.perf_counter()
            deadline = started + seconds
            await asyncio.gather(*(client(h, deadline, True) for h in https))
            elapsed = time.perf_counter() - started
            after = await self.snapshot(target, https[0])
        commands = {
            name: (count - before.top.get(name, (0, 0))[0], us - before.top.get(name, (0, 0))[1])
            for name, (count, us) in after.top.items()
        }
        listener = None
        if after.listener is not None and before.listener is not None:
            listener = after.listener - before.listener
        run = Run(
            target=target.name,
            size=size,
            clients=clients,
            latencies=latencies,
            errors=errors,
            seconds=elapsed,
            server_cpu=after.server_cpu - before.server_cpu,
            db_cpu=after.db_cpu - before.db_cpu,
            bench_cpu=after.bench_cpu - before.bench_cpu,
            commands={k: v for k, v in commands.items() if v[0]},
            listener=listener,
        )
        self.runs.append(run)
        say(
            f"  {target.name:<5} {clients:>2} client(s): {run.rps:7.1f} req/s, p50 "
            f"{run.p50_ms:7.1f} ms, p99 {run.p99_ms:7.1f} ms, server CPU {run.cpu_ms:6.1f} "
            f"ms/req, DB {run.db_commands:6.1f} commands/req ({run.requests} good answers "
            f"in {elapsed:.1f} s; failed: {run.failures})"
        )
        return run


# --- checking the answers -------------------------------------------------------------


def differences(one: Any, other: Any, path: str = "") -> Iterator[str]:
    """Where two JSON values differ (paths), first ones first."""
    if isinstance(one, dict) and isinstance(other, dict):
        for key in dict.fromkeys([*one, *other]):
            if key not in one or key not in other:
                yield f"{path}.{key}: only in one"
            else:
                yield from differences(one[key], other[key], f"{path}.{key}")
    elif isinstance(one, list) and isinstance(other, list):
        if len(one) != len(other):
            yield f"{path}: {len(one)} items vs {len(other)}"
        for i, (a, b) in enumerate(zip(one, other, strict=False)):
            yield from differences(a, b, f"{path}[{i}]")
    elif one != other:
        yield f"{path}: {one!r} vs {other!r}"


async def check_same(bench: Bench, api: Target, floor: Target, declared: set[int]) -> None:
    """The API's and the floor's answers carry the same numbers: ``data`` compared whole
    (the API may add ``extensions``), and a few values printed."""
    answers = [await bench.answer(api), await bench.answer(floor)]
    edges = [a["data"]["licenses"]["edges"] for a in answers]
    if len(edges[0]) != PAGE or any(len(e["node"]["ledger"]["edges"]) != ENTRIES for e in edges[0]):
        raise RuntimeError("the API's page is not 100 licences with 10 ledger entries each")
    found = list(differences(answers[0]["data"], answers[1]["data"]))
    if found:
        raise RuntimeError("the API and the floor disagree:\n  " + "\n  ".join(found[:10]))
    say(
        f"  answers identical: {PAGE} licences, {PAGE * ENTRIES} ledger entries "
        f"({len(BODY)} B asked, {len(json.dumps(answers[0]))} B of JSON answered); e.g."
    )
    for index in (0, min(declared, default=0), PAGE - 1):
        a, f = edges[0][index]["node"], edges[1][index]["node"]
        line, newest = a["lines"][1], a["ledger"]["edges"][0]["node"]
        fline, fnewest = f["lines"][1], f["ledger"]["edges"][0]["node"]
        say(
            f"    {a['number']} {a['status']}: line 2 limit {line['quantityLimit']}/"
            f"{fline['quantityLimit']} accounted {line['accounted']}/{fline['accounted']} "
            f"released {line['released']}/{fline['released']} available "
            f"{line['available']}/{fline['available']}; newest entry seq {newest['seq']}/"
            f"{fnewest['seq']} {newest['operation']}/{fnewest['operation']} "
            f"{newest['quantity']}/{fnewest['quantity']} (API/floor)"
        )


# --- processes ------------------------------------------------------------------------


def start_floor(
    processes: Processes, folder: Path, uri: str, database: str, plan: str
) -> tuple[str, int]:
    """``bench/floor.py`` on a free port; (base URL, pid) once /readyz answers."""
    port = free_port()
    command = [
        sys.executable, str(ROOT / "bench" / "floor.py"), "--uri", uri, "--database", database,
        "--port", str(port), "--plan", plan, "--first", str(PAGE), "--entries", str(ENTRIES),
    ]  # fmt: skip
    log = folder / "floor.log"
    process = processes.popen(command, log=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the floor exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return base_url, process.pid
        time.sleep(0.1)
    raise RuntimeError(f"the floor was not ready in 60 s:\n{log.read_text()}")


# --- report ---------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return "n/a" if not b or math.isnan(a) or math.isnan(b) else f"x{a / b:.2f}"


def report(runs: list[Run], sizes: list[int], clients: int, ledger: dict[int, int]) -> None:
    def find(target: str, size: int, n: int) -> Run:
        return next(r for r in runs if (r.target, r.size, r.clients) == (target, size, n))

    for size in sizes:
        say(f"\nlicences {size:,} (ledger entries {ledger[size]:,})")
        say(f"  {'':34}{'API':>10}{'floor':>10}{'API/floor':>11}")
        rows: list[tuple[str, float, float]] = []
        for n in (1, clients):
            api, floor = find("API", size, n), find("floor", size, n)
            label = f"{n} client{'s' if n > 1 else ''}:"
            rows += [
                (f"{label} requests/s", api.rps, floor.rps),
                (f"{label} p50 latency ms", api.p50_ms, floor.p50_ms),
                (f"{label} p99 latency ms", api.p99_ms, floor.p99_ms),
                (f"{label} server CPU ms/request", api.cpu_ms, floor.cpu_ms),
                (f"{label} database CPU ms/request", api.db_cpu_ms, floor.db_cpu_ms),
            ]
        api, floor = find("API", size, 1), find("floor", size, 1)
        rows += [("database commands/request", api.db_commands, floor.db_commands)]
        for label, a, f in rows:
            say(f"  {label:<34}{a:>10.1f}{f:>10.1f}{ratio(a, f):>11}")
        for n in (1, clients):
            at_api, at_floor = find("API", size, n), find("floor", size, n)
            if at_api.errors or at_floor.errors:
                say(
                    f"  failed answers, {n} client(s): API {at_api.failures}; "
                    f"floor {at_floor.failures}"
                )
        for run in (api, floor):
            parts = ", ".join(
                f"{name} {run.per_request(count):.1f} ({run.per_request(us) / 1000:.1f} ms)"
                for name, (count, us) in sorted(run.commands.items(), key=lambda kv: -kv[1][0])
            )
            say(f"  {run.target}, 1 client, commands/request by collection: {parts}")
        say(
            "  (in brackets the commands' summed durations on the server, from top: they "
            "overlap when commands run concurrently)"
        )
        if floor.listener is not None:
            say(
                f"  floor's own CommandListener: {floor.per_request(floor.listener):.2f} "
                "commands/request (the database's top says the above)"
            )
        for n in (1, clients):
            at_api, at_floor = find("API", size, n), find("floor", size, n)
            say(
                f"  benchmark client CPU ({n} client(s)): "
                f"{at_api.per_request(at_api.bench_cpu) * 1000:.1f} ms/request against the API, "
                f"{at_floor.per_request(at_floor.bench_cpu) * 1000:.1f} against the floor "
                "(on the same 2 cores)"
            )
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        say(f"\npage cost against collection size ({small:,} -> {big:,} licences)")
        say(f"  {'':34}{small:>10,}{big:>10,}{'ratio':>11}")
        for target in ("API", "floor"):
            one_s, one_b = find(target, small, 1), find(target, big, 1)
            many_s, many_b = find(target, small, clients), find(target, big, clients)
            for label, a, b in (
                (f"{target} p50 latency ms, 1 client", one_s.p50_ms, one_b.p50_ms),
                (f"{target} server CPU ms/request", one_s.cpu_ms, one_b.cpu_ms),
                (f"{target} database CPU ms/request", one_s.db_cpu_ms, one_b.db_cpu_ms),
                (f"{target} requests/s, {clients} clients", many_s.rps, many_b.rps),
            ):
                say(f"  {label:<34}{a:>10.1f}{b:>10.1f}{ratio(b, a):>11}")


# --- main -----------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> int:
    """``run`` in a temporary folder; every process it started is stopped at the end,
    also on failure."""
    return await in_temporary_folder(
        "bench-read-", lambda processes, folder: run(args, processes, folder)
    )


async def run(args: argparse.Namespace, processes: Processes, folder: Path) -> int:
    sizes: list[int] = args.sizes
    say(
        f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"sizes {', '.join(f'{s:,}' for s in sizes)}; {args.duration:g} s a measurement "
        f"after {args.warmup:g} s of warm-up; 1 and {args.clients} clients; floor plan "
        f"{args.floor_plan}; {'gzip' if args.gzip else 'identity'} responses"
    )
    server = processes.embedded(folder / "db")
    uri = server.start()
    db_pids = server_pids(folder)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    client = make_client(uri)
    try:
        db = client.get_database(name, codec_options=CODEC_OPTIONS)
        await migrate(db)
        key = await create_api_key(db, name="bench officer", role=Role.OFFICER, inn=None, now=START)
        version = (await db.command("buildInfo")).get("secantusVersion", "?")
        say(f"SecantusDB {version} (pid {db_pids}) in {folder}")

        seeder = Seeder(client, db)
        say(f"seeding {sizes[0]:,} licences through services.licenses.LicenseFeed:")
        started = time.perf_counter()
        declared = await seeder.seed(sizes[0], args.declared)
        say(
            f"  done in {time.perf_counter() - started:.0f} s; licences "
            f"{', '.join(license_number(i) for i in sorted(declared))} also have a "
            "declaration accounted (every other one released) through "
            "services.declarations.Declarations"
        )
        templates = [i for i in range(sizes[0]) if i not in declared]

        api_process = processes.start_api(
            api_env(mongodb_uri=uri, database=name), folder / "api.log"
        )
        floor_url, floor_pid = start_floor(processes, folder, uri, name, args.floor_plan)
        api = Target("API", api_process.base_url, api_process.process.pid, key)
        floor = Target("floor", floor_url, floor_pid, key, has_stats=True)
        say(f"API at {api.base_url} (pid {api.pid}), floor at {floor.base_url} (pid {floor.pid})")
        bench = Bench(client, name, db_pids[0], args.gzip)
        try:
            await check_same(bench, api, floor, declared)
            ledger: dict[int, int] = {}
            for size in sizes:
                have = await db.licenses.count_documents({})
                if size > have:
                    say(f"cloning {size - have:,} licences with their ledger entries:")
                    await seeder.clone(templates, have, size - have)
                    await check_same(bench, api, floor, declared)
                ledger[size] = await db.ledger.count_documents({})
                say(f"measuring at {size:,} licences, {ledger[size]:,} ledger entries:")
                for clients in (1, args.clients):
                    for target in (api, floor):
                        await bench.measure(target, size, clients, args.duration, args.warmup)
        except (RuntimeError, httpx.HTTPError):
            say(f"the API's log ends with:\n{api_process.output()}")
            raise
        report(bench.runs, sizes, args.clients, ledger)
        say(
            f"\nload average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
            f"{time.perf_counter() - args.started:.0f} s in all"
        )
    finally:
        await client.close()
    return 0


def parse_sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] < PAGE + 10:
        raise argparse.ArgumentTypeError(
            f"ascending distinct sizes, the first at least {PAGE + 10}, e.g. 1000,20000"
        )
    return sizes


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", type=parse_sizes, default=None,
        help="collection sizes in licences, ascending; the first is seeded through the "
        "services, the others by cloning (default 1000,20000; --quick 150,600)",
    )  # fmt: skip
    parser.add_argument(
        "--duration", type=float, default=None,
        help="seconds of each measurement (default 10; --quick 2)",
    )  # fmt: skip
    parser.add_argument(
        "--warmup", type=float, default=None,
        help="seconds of warm-up before each measurement, not counted (default 2; --quick 0.5)",
    )  # fmt: skip
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument(
        "--declared", type=int, default=10,
        help="licences of the page that also get a declaration accounted (default 10)",
    )  # fmt: skip
    parser.add_argument(
        "--floor-plan", choices=("lookup", "two"), default="lookup",
        help="the floor's queries: one aggregation with $lookup (default), or two finds "
        "(see bench/floor.py)",
    )  # fmt: skip
    parser.add_argument(
        "--gzip", action="store_true",
        help="ask for gzip (the API compresses, the floor does not); default identity",
    )  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true",
        help="for development: sizes 150,600, 2 s measurements, 0.5 s warm-up",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.started = time.perf_counter()
    quick = args.quick
    if args.sizes is None:
        args.sizes = [150, 600] if quick else [1000, 20_000]
    if args.duration is None:
        args.duration = 2.0 if quick else 10.0
    if args.warmup is None:
        args.warmup = 0.5 if quick else 2.0
    return args


if __name__ == "__main__":
    # A SIGTERM (or SIGHUP) stops the run as Ctrl-C does, through the ``finally`` that
    # stops every process it started; Python's default would leave the API and the
    # floor running.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGHUP, signal.default_int_handler)
    sys.exit(asyncio.run(main(arguments())))
