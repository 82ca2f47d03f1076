"""Accounting benchmark (Order 1907 p.7): how the cost of one accounting grows with a
licence's ledger, how accountings on one licence scale with concurrent clients, and what
a ledger page and balancesAt cost on a big ledger.

    uv run python bench/accounting.py [--repeat N] [--entries N] [--clients N]

Everything runs on the embedded database (SecantusDB) in a temporary folder, with the
API as a real uvicorn process in front of it (``customs-api serve`` with ``MONGODB_URI``
at that server); the ledger of the big licence is filled through the service layer
(``services.declarations.Declarations``), many items per declaration.  See
``bench/README.md`` for what it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from api.auth import create_api_key
from api.db import CODEC_OPTIONS, make_client
from domain.access import Principal, Role
from domain.declarations import DeclarationData, DeclarationKind, Direction, ItemData
from migrations.runner import migrate
from services.base import RequestScope
from services.declarations import Declarations
from tests.support.accounting import (
    REGISTER_LICENSE,
    Processes,
    api_env,
    in_temporary_folder,
    license,
    mutation,
    send,
    unique,
)
from tests.support.api import HOLDER_INN, START

Document = dict[str, Any]
OFFICE = "10702030"
#: The ledger is filled from START on, a declaration a minute; then everything at NOW.
NOW = START + timedelta(days=1)
# The answers carry the number and status only: the work is timed, not the rendering.
SLIM_REGISTER = mutation("registerDeclaration", "RegisterDeclarationInput", "number status")
SLIM_CONTROL = mutation("controlDeclaration", "DeclarationOperationInput", "number status")
SLIM_ACCOUNT = mutation("accountDeclaration", "DeclarationOperationInput", "number status")


class Serial:
    """Declaration numbers: CCCCCCCC/DDMMYY/NNNNNNN, unique in the run."""

    def __init__(self) -> None:
        self.next = 1

    def __call__(self) -> str:
        self.next += 1
        return f"{OFFICE}/010327/{self.next:07d}"


def declaration(number: str, license_number: str, items: int, quantity: str = "1") -> Document:
    return {
        "number": number,
        "kind": "STANDARD",
        "direction": "EXPORT",
        "procedure": "10",
        "customsOffice": OFFICE,
        "declarantInn": HOLDER_INN,
        "items": [
            {"itemNo": i, "name": "Медная проволока круглая", "hsCode": "7408110000",
             "quantity": quantity, "unit": "166", "licenseNumber": license_number, "lineNo": 2}
            for i in range(1, items + 1)
        ],
    }  # fmt: skip


def data_of(doc: Document) -> DeclarationData:
    return DeclarationData(
        number=doc["number"],
        kind=DeclarationKind.STANDARD,
        direction=Direction.EXPORT,
        procedure="10",
        customs_office=OFFICE,
        declarant_inn=HOLDER_INN,
        items=[
            ItemData(
                item_no=i["itemNo"],
                name=i["name"],
                hs_code=i["hsCode"],
                quantity=Decimal(i["quantity"]),
                unit=i["unit"],
                license_number=i["licenseNumber"],
                line_no=i["lineNo"],
            )
            for i in doc["items"]
        ],
    )


@dataclass
class Bench:
    http: httpx.AsyncClient
    keys: dict[str, str]
    service: Declarations
    principal: Principal
    db: Any
    serial: Serial

    async def ok(self, key: str, document: str, input_: Document, now: datetime = NOW) -> None:
        answer = await send(self.http, self.keys[key], document, input_, now=now)
        if not answer.ok:
            raise RuntimeError(f"{answer.error or answer.codes}")

    async def register_license(self) -> str:
        number = unique("RU-BENCH")
        data = license(number)
        data["lines"][1]["quantityLimit"] = "100000000"
        await self.ok("INTEGRATOR", REGISTER_LICENSE, data, now=START - timedelta(hours=1))
        return number

    async def fill_ledger(self, license_number: str, entries: int, per_declaration: int) -> float:
        """Write ``entries`` WRITE_OFF entries off ``licence_number`` through the service
        layer: declarations of ``per_declaration`` items each.  Returns the seconds."""
        started = time.perf_counter()
        left = entries
        moment = START
        while left > 0:
            items = min(per_declaration, left)
            data = data_of(declaration(self.serial(), license_number, items))
            service = Declarations(
                RequestScope(self.service.client, self.db, self.principal, moment)
            )
            moment += timedelta(minutes=1)
            for outcome in (
                await service.register(unique("k"), data),
                await service.control(unique("k"), data.number),
                await service.account(unique("k"), data.number),
            ):
                if outcome.problems:
                    raise RuntimeError(outcome.problems)
            left -= items
        return time.perf_counter() - started

    async def ledger_size(self, license_number: str) -> int:
        count: int = await self.db.ledger.count_documents({"licenseNumber": license_number})
        return count

    async def controlled(self, license_number: str, count: int) -> list[str]:
        """``count`` declarations registered and controlled (service layer)."""
        numbers = []
        for _ in range(count):
            data = data_of(declaration(self.serial(), license_number, 1))
            await self.service.register(unique("k"), data)
            await self.service.control(unique("k"), data.number)
            numbers.append(data.number)
        return numbers

    async def one_accounting(self, license_number: str) -> tuple[float, float]:
        """register + control + account through HTTP: (total seconds, account seconds)."""
        doc = declaration(self.serial(), license_number, 1)
        number = {"number": doc["number"]}
        registration = {"idempotencyKey": unique("k"), "declaration": doc}
        started = time.perf_counter()
        await self.ok("DECLARANT", SLIM_REGISTER, registration)
        await self.ok("OFFICER", SLIM_CONTROL, {"idempotencyKey": unique("k"), **number})
        account_started = time.perf_counter()
        await self.ok("OFFICER", SLIM_ACCOUNT, {"idempotencyKey": unique("k"), **number})
        ended = time.perf_counter()
        return ended - started, ended - account_started

    async def accountings_per_second(self, license_number: str, clients: int, total: int) -> float:
        """``total`` accountings of controlled declarations on one licence, sent by
        ``clients`` concurrent clients (each its own connection), through HTTP."""
        numbers = await self.controlled(license_number, total)
        queue: asyncio.Queue[str] = asyncio.Queue()
        for number in numbers:
            queue.put_nowait(number)

        async def client() -> None:
            async with httpx.AsyncClient(base_url=str(self.http.base_url), timeout=300) as http:
                while not queue.empty():
                    number = queue.get_nowait()
                    answer = await send(
                        http, self.keys["OFFICER"], SLIM_ACCOUNT,
                        {"idempotencyKey": unique("k"), "number": number}, now=NOW,
                    )  # fmt: skip
                    if not answer.ok:
                        raise RuntimeError(f"{answer.error or answer.codes}")

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return total / (time.perf_counter() - started)


LEDGER_PAGE = """query($n: String!, $after: String) { license(number: $n) {
  ledger(first: 20, after: $after) { edges { node { seq } } pageInfo { endCursor } } } }"""
BALANCES = """query($n: String!, $m: DateTime!) { license(number: $n) {
  balancesAt(moment: $m) { seq lineNo after { accounted } } } }"""


async def read_seconds(bench: Bench, query: str, variables: Document, repeat: int) -> float:
    """Median seconds of a read through HTTP."""
    runs = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = await bench.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"x-api-key": bench.keys["OFFICER"]},
        )
        runs.append(time.perf_counter() - started)
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
    return statistics.median(runs[1:])


async def ledger_reads(
    bench: Bench, numbers: list[str], sizes: dict[str, int], repeat: int
) -> None:
    print("\n3. ledger reads through HTTP, sequential (median):")
    for number in numbers:
        body = await bench.http.post(
            "/graphql",
            json={"query": LEDGER_PAGE, "variables": {"n": number}},
            headers={"x-api-key": bench.keys["OFFICER"]},
        )
        cursor = body.json()["data"]["license"]["ledger"]["pageInfo"]["endCursor"]
        first = await read_seconds(bench, LEDGER_PAGE, {"n": number}, repeat)
        second = await read_seconds(bench, LEDGER_PAGE, {"n": number, "after": cursor}, repeat)
        moments = {"now": NOW + timedelta(minutes=1), "mid-fill": START + timedelta(minutes=50)}
        balances = {
            label: await read_seconds(
                bench, BALANCES, {"n": number, "m": moment.isoformat()}, repeat
            )
            for label, moment in moments.items()
        }
        now, mid = balances["now"] * 1000, balances["mid-fill"] * 1000
        print(f"  licence with {sizes[number]:>5} entries: ledger page 1 {first * 1000:6.1f} ms, "
              f"page 2 {second * 1000:6.1f} ms; balancesAt now {now:6.1f} ms, "
              f"mid-fill {mid:6.1f} ms")  # fmt: skip


async def timed(
    label: str, repeat: int, run: Callable[[], Awaitable[tuple[float, float]]]
) -> tuple[float, float]:
    await run()  # warm-up
    runs = [await run() for _ in range(repeat)]
    total = statistics.median(r[0] for r in runs)
    account = statistics.median(r[1] for r in runs)
    print(f"  {label:<38} register+control+account {total * 1000:7.1f} ms   "
          f"account alone {account * 1000:7.1f} ms   (median of {repeat})")  # fmt: skip
    return total, account


async def main(args: argparse.Namespace) -> int:
    return await in_temporary_folder(
        "bench-accounting-", lambda processes, folder: run(args, processes, folder)
    )


async def run(args: argparse.Namespace, processes: Processes, folder: Path) -> int:
    server = processes.embedded(folder / "db")
    uri = server.start()
    name = f"bench_{uuid.uuid4().hex[:8]}"
    client = make_client(uri)
    try:
        db = client.get_database(name, codec_options=CODEC_OPTIONS)
        await migrate(db)
        keys = {
            role.value: await create_api_key(
                db, name=f"bench {role.value.lower()}", role=role,
                inn=HOLDER_INN if role is Role.DECLARANT else None, now=START,
            )
            for role in (Role.OFFICER, Role.DECLARANT, Role.INTEGRATOR)
        }  # fmt: skip
        api = processes.start_api(api_env(mongodb_uri=uri, database=name), folder / "api.log")
        version = (await db.command("buildInfo")).get("secantusVersion", "?")
        print(f"SecantusDB {version} in {folder}; API at {api.base_url} (uvicorn, one process)")
        principal = Principal(key_id="bench", name="bench", role=Role.OFFICER)
        service = Declarations(RequestScope(client, db, principal, NOW))
        async with httpx.AsyncClient(base_url=api.base_url, timeout=300) as http:
            bench = Bench(http, keys, service, principal, db, Serial())
            try:
                await measure(args, bench)
            except RuntimeError:
                print(f"the API's log ends with:\n{api.output()}", file=sys.stderr)
                raise
    finally:
        await client.close()
    return 0


async def measure(args: argparse.Namespace, bench: Bench) -> None:
    small, big = await bench.register_license(), await bench.register_license()
    await bench.fill_ledger(small, 8, 4)
    seconds = await bench.fill_ledger(big, args.entries, 100)
    sizes = {n: await bench.ledger_size(n) for n in (small, big)}
    print(f"ledger filled: {sizes[big]} entries on the big licence in {seconds:.1f} s "
          f"(service layer, 100 items a declaration); {sizes[small]} on the small one")  # fmt: skip

    print("\n1. one accounting through HTTP, sequential:")
    small_t = await timed(
        f"licence with {sizes[small]} ledger entries", args.repeat,
        lambda: bench.one_accounting(small),
    )  # fmt: skip
    big_t = await timed(
        f"licence with {sizes[big]} ledger entries", args.repeat,
        lambda: bench.one_accounting(big),
    )  # fmt: skip
    print(f"  ratio {sizes[big]} / {sizes[small]} entries: "
          f"register+control+account x{big_t[0] / small_t[0]:.2f}, "
          f"account alone x{big_t[1] / small_t[1]:.2f}")  # fmt: skip

    print("\n2. accountings per second on one licence through HTTP:")
    rates = {}
    for clients, total in ((1, args.total_single), (args.clients, args.total_many)):
        hot = await bench.register_license()
        rates[clients] = await bench.accountings_per_second(hot, clients, total)
        print(f"  {clients:>3} concurrent client(s): {rates[clients]:6.1f} accountings/s "
              f"({total} accountings)")  # fmt: skip
    print(f"  ratio {args.clients} / 1 clients: x{rates[args.clients] / rates[1]:.2f}")

    await ledger_reads(bench, [small, big], sizes, args.repeat)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed accountings per licence")
    parser.add_argument("--entries", type=int, default=10_000, help="big licence's entries")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--total-single", type=int, default=40, help="accountings, 1 client")
    parser.add_argument("--total-many", type=int, default=200, help="accountings, N clients")
    sys.exit(asyncio.run(main(parser.parse_args())))
