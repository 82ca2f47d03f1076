"""What the hot paths of licensed goods control ask the database: every query they send,
captured from the driver while the path runs through the API, is explained, and no
winning plan scans a collection (``COLLSCAN``).

Paths: accounting (register, control, account, release, refusal, withdrawal, a full
declaration taking over its temporary one and actualising it: licences by number
``$in``, the ledger by declaration number ``$in`` sorted by seq, the declaration by
number, the guarded updates); a licence's ledger pages (licenseId + seq, after a cursor,
backward); balances as of a moment (licenseId, lineNo, at); a declaration by number;
the declarations list with each filter of ``declaration_query`` for an officer and a
declarant (sorted by registeredAt, _id); accounting notification lists.

SecantusDB's planner differs from MongoDB's (see ``tests/test_query_cost.py``): it
plans no index for a top-level ``$or`` / ``$and``, so every filter here is flat (a
DECLARANT's scope, the filters and the cursor's range merged into one document); and
for a flat filter of several fields its explain reports ``COLLSCAN`` unless one compound
index covers them all while its executor serves the first indexable clause; there the
first clause alone must be index-served.  The whole-collection count (``{}``) reads
everything on either server and is not checked.

Also here: the ledger page as a narrow seq range and balancesAt's windows give exactly
what the plain keyset query and a scan of the ledger give.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo.monitoring import CommandStartedEvent

from api.app import create_app
from api.clock import FixedClock
from api.db import CODEC_OPTIONS, Database, make_client
from api.settings import Settings
from resolvers.ledger import balance_entry
from services.pagination import encode_cursor, paginate
from tests.support.api import HOLDER_INN, START, Api
from tests.support.declarations import (
    ACCOUNT,
    CONTROL,
    REFUSE,
    RELEASE,
    WITHDRAW,
    declaration_input,
    item,
    new_license,
    op,
    register,
)
from tests.test_query_cost import (
    CommandLog,
    Plans,
    Read,
    explain,
    plain,
    plan_values,
    winning_plans,
)

Document = dict[str, Any]

#: Commands that read nothing a plan could scan.
NOT_QUERIES = {
    "insert", "commitTransaction", "abortTransaction", "getMore", "killCursors",
    "endSessions", "createIndexes", "listIndexes", "listCollections", "create",
    "collMod", "buildInfo", "ping", "hello",
}  # fmt: skip


@dataclass
class Traced:
    """The app on a client of its own that logs its commands, and a data set."""

    api: Api
    log: CommandLog
    db: Any
    clock: FixedClock
    plans: Plans
    license: str = ""
    numbers: dict[str, str] = field(default_factory=dict)

    async def ok(self, document: str, payload: Document, role: str = "OFFICER") -> Document:
        result = await op(self.api, document, payload, role=role)
        assert result["userErrors"] == [], result
        return result

    async def declaration(self, quantity: str = "1", **extra: Any) -> str:
        payload = await register(
            self.api, declaration_input([item(self.license, 1, quantity)], **extra)
        )
        assert payload["userErrors"] == [], payload
        number: str = payload["declaration"]["number"]
        return number

    async def through(self, number: str, *steps: str) -> None:
        documents = {"control": CONTROL, "account": ACCOUNT, "release": RELEASE}
        for step in steps:
            await self.ok(documents[step], {"number": number})
            self.clock.advance(timedelta(minutes=7))


@pytest.fixture(scope="module")
async def traced(
    mongo_uri: str, database: Database, settings: Settings, keys: dict[str, str]
) -> AsyncIterator[Traced]:
    """One licence with every kind of declaration on it: released, accounted, withdrawn,
    refused, controlled, temporary and full, spread over hours and days."""
    log = CommandLog(database.db.name)
    client = make_client(mongo_uri, event_listeners=[log])
    db = client.get_database(database.db.name, codec_options=CODEC_OPTIONS)
    own = Database(client=client, db=db, uri=mongo_uri)
    secantus = "secantusVersion" in await db.command("buildInfo")
    clock = FixedClock(START + timedelta(days=3))
    app = create_app(settings, clock=clock, database=own)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        t = Traced(Api(http=http, keys=keys), log, db, clock, Plans(db, secantus))
        t.license = await new_license(t.api)
        for index in range(9):  # three a day, three days
            await t.through(await t.declaration(), "control", "account", "release")
            if index % 3 == 2:
                clock.advance(timedelta(days=1) - timedelta(minutes=63))
        t.numbers["accounted"] = await t.declaration("2")
        await t.through(t.numbers["accounted"], "control", "account")
        t.numbers["withdrawn"] = await t.declaration("3")
        await t.through(t.numbers["withdrawn"], "control", "account")
        await t.ok(WITHDRAW, {"number": t.numbers["withdrawn"], "reason": "отзыв"})
        t.numbers["controlled"] = await t.declaration("4", procedure="40")
        await t.through(t.numbers["controlled"], "control")
        yield t
    await client.close()


def reads_of(events: Iterable[CommandStartedEvent]) -> list[Read]:
    """Each query a logged command runs: a find's filter and sort, a count's or an
    aggregate's ``$match``, an update's, delete's or findAndModify's ``q``."""
    reads = []
    for event in events:
        name, command = event.command_name, event.command
        if name in NOT_QUERIES:
            continue
        collection = command[name]
        label = f"{name} {collection}"
        if name == "find":
            sort = tuple((command.get("sort") or {}).items())
            reads.append(Read(label, collection, plain(command.get("filter", {})), sort))
        elif name == "aggregate":
            head = command["pipeline"][0] if command["pipeline"] else {}
            reads.append(Read(label, collection, plain(head.get("$match", {})), count=True))
        elif name in ("update", "delete"):
            for statement in command["updates" if name == "update" else "deletes"]:
                reads.append(Read(label, collection, plain(statement["q"])))
        elif name == "findAndModify":
            sort = tuple((command.get("sort") or {}).items())
            reads.append(Read(label, collection, plain(command.get("query", {})), sort))
        elif name in ("count", "distinct"):
            reads.append(Read(label, collection, plain(command.get("query", {})), count=True))
        else:
            raise AssertionError(f"a command this test does not know: {name} {command}")
    return reads


def shape(read: Read) -> str:
    """The query without its values: one line per kind of query."""

    def skeleton(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: skeleton(v) for k, v in value.items()}
        if isinstance(value, list):
            return [skeleton(v) for v in value[:1]]
        return "?"

    sort = ",".join(f"{k}:{v}" for k, v in read.sort)
    what = "count " if read.count else ""
    return f"{read.label}: {what}{json.dumps(skeleton(read.filter), ensure_ascii=False)}" + (
        f" sort {sort}" if sort else ""
    )


@dataclass
class Verdict:
    checked: list[str]
    problems: list[str]


async def check(traced: Traced, events: list[CommandStartedEvent]) -> Verdict:
    """Explain every query of ``events`` once per shape."""
    seen: dict[str, Read] = {}
    for read in reads_of(events):
        seen.setdefault(shape(read), read)
    verdict = Verdict([], [])
    for text, read in sorted(seen.items()):
        if read.count and not read.filter:
            continue  # the whole collection's count
        if any(key.startswith("$") for key in read.filter):
            verdict.problems.append(f"{text}: a top-level operator, not flat")
        problem = await traced.plans.problem(read)
        plans = winning_plans(await explain(traced.db, read))
        indexes = sorted(set(plan_values(plans, "indexName")))
        verdict.checked.append(f"{text} -> {', '.join(indexes) or 'its first clause'}")
        if problem is not None:
            verdict.problems.append(problem)
    return verdict


def report(title: str, verdict: Verdict) -> None:
    print(f"\n{title}: {len(verdict.checked)} kinds of query")
    for line in verdict.checked:
        print(f"   {line}")


async def test_accounting_path_queries_use_an_index(traced: Traced) -> None:
    """Register, control, account, release; withdrawal and refusal (annulment, p.4, p.9);
    a temporary declaration and the full one completing it (p.11-12)."""
    traced.log.commands.clear()
    number = await traced.declaration("5")
    await traced.through(number, "control", "account", "release")
    withdrawn = await traced.declaration("1")
    await traced.through(withdrawn, "control", "account")
    await traced.ok(WITHDRAW, {"number": withdrawn, "reason": "отзыв"})
    mismatch = item(traced.license, 1, "1", name="Совсем другой товар")
    refused = await register(traced.api, declaration_input([mismatch]))
    refused_number = refused["declaration"]["number"]
    await traced.through(refused_number, "control")
    late = traced.clock.now()
    traced.clock.advance(timedelta(hours=5))
    grounds = {"number": refused_number, "grounds": ["UNFIXED_DISCREPANCIES"], "reason": "p.9"}
    await traced.ok(REFUSE, grounds)
    traced.clock.set(late)
    temporary = await traced.declaration("2", kind="TEMPORARY")
    await traced.through(temporary, "control", "account", "release")
    full = await traced.declaration("3", kind="FULL", temporaryDeclarations=[temporary])
    await traced.through(full, "control", "account", "release")

    verdict = await check(traced, traced.log.commands)
    report("accounting", verdict)
    assert any("find ledger" in line and "declarationNumber" in line for line in verdict.checked)
    assert verdict.problems == []


LEDGER = """query($n: String!, $first: Int, $after: String, $last: Int, $before: String,
                   $m: DateTime!) {
  license(number: $n) {
    ledger(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { seq } } pageInfo { hasNextPage hasPreviousPage endCursor }
    }
    balancesAt(moment: $m) { seq lineNo }
  }
}"""


async def test_ledger_pages_and_balances_use_an_index(traced: Traced) -> None:
    async def read(moment: datetime, **page: Any) -> Document:
        body = await traced.api.data(
            LEDGER, {"n": traced.license, "m": moment.isoformat(), **page}, role="OFFICER"
        )
        result: Document = body["license"]
        return result

    traced.log.commands.clear()
    first = await read(traced.clock.now(), first=4)
    cursor = first["ledger"]["pageInfo"]["endCursor"]
    await read(START + timedelta(days=4), first=4, after=cursor)
    await read(START + timedelta(days=3, hours=1), last=4, before=cursor)
    await read(START + timedelta(days=30), last=4)
    verdict = await check(traced, traced.log.commands)
    report("ledger pages and balancesAt", verdict)
    assert verdict.problems == []


DECLARATION = """query($n: String!) { declaration(number: $n) {
  number status ledgerEntries { seq } accountingNotification { kind } revisions { revision }
} }"""
DECLARATIONS = """query($f: DeclarationFilter, $after: String) {
  declarations(filter: $f, first: 2, after: $after) {
    totalCount edges { node { number } } pageInfo { endCursor }
  }
}"""

FILTERS: dict[str, Document | None] = {
    "none": None,
    "status": {"status": ["RELEASED"]},
    "statuses": {"status": ["ACCOUNTED", "CONTROLLED"]},
    "licenseNumber": {"licenseNumber": "?"},
    "declarantInn": {"declarantInn": HOLDER_INN},
    "procedure": {"procedure": "40"},
    "kind": {"kind": "STANDARD"},
    "registered from-to": {
        "registeredFrom": (START + timedelta(days=4)).isoformat(),
        "registeredTo": (START + timedelta(days=5)).isoformat(),
    },
    "registered to": {"registeredTo": (START + timedelta(days=4)).isoformat()},
    "status + licenseNumber + kind": {
        "status": ["RELEASED"], "licenseNumber": "?", "kind": "STANDARD"
    },
    "procedure + registered from": {
        "procedure": "10", "registeredFrom": (START + timedelta(days=4)).isoformat()
    },
}  # fmt: skip


async def test_declaration_reads_use_an_index(traced: Traced) -> None:
    """declaration(number:) with its nested reads, and the list with each filter of
    declaration_query, its count and its second page, for an officer and a declarant."""
    traced.log.commands.clear()
    for number in traced.numbers.values():
        body = await traced.api.data(DECLARATION, {"n": number}, role="OFFICER")
        assert body["declaration"]["number"] == number
    first_pages: list[CommandStartedEvent] = []
    next_pages: list[CommandStartedEvent] = []
    for role in ("OFFICER", "DECLARANT"):
        for label, filter_ in FILTERS.items():
            if filter_ is not None and "licenseNumber" in filter_:
                filter_ = {**filter_, "licenseNumber": traced.license}
            traced.log.commands.clear()
            body = await traced.api.data(DECLARATIONS, {"f": filter_}, role=role)
            first_pages += traced.log.commands
            page = body["declarations"]
            assert page["totalCount"] >= len(page["edges"]), (role, label)
            if page["pageInfo"]["endCursor"] and page["totalCount"] > 2:
                traced.log.commands.clear()
                variables = {"f": filter_, "after": page["pageInfo"]["endCursor"]}
                await traced.api.data(DECLARATIONS, variables, role=role)
                next_pages += traced.log.commands
    verdict = await check(traced, first_pages)
    report("declaration by number, declaration lists and counts", verdict)
    assert verdict.problems == []
    after_cursor = await check(traced, next_pages)
    report("declaration lists after a cursor", after_cursor)
    assert after_cursor.problems == []


NOTIFICATIONS = """query($l: String, $d: String, $after: String) {
  accountingNotifications(licenseNumber: $l, declarationNumber: $d, first: 2, after: $after) {
    totalCount edges { node { kind declarationNumber } } pageInfo { endCursor }
  }
}"""


async def test_notification_lists_use_an_index(traced: Traced) -> None:
    """Accounting notifications (p.10) by licence, by declaration, both, none; for an
    officer and a declarant (who sees those of his own declarations)."""
    declaration = traced.numbers["withdrawn"]
    first_pages: list[CommandStartedEvent] = []
    next_pages: list[CommandStartedEvent] = []
    for role in ("OFFICER", "DECLARANT"):
        for license, number in ((None, None), (traced.license, None), (None, declaration),
                                (traced.license, declaration)):  # fmt: skip
            traced.log.commands.clear()
            variables = {"l": license, "d": number}
            body = await traced.api.data(NOTIFICATIONS, variables, role=role)
            first_pages += traced.log.commands
            page = body["accountingNotifications"]
            if number is not None:
                assert page["totalCount"] == 2, (role, license, page)  # accounted, annulled
            if page["pageInfo"]["endCursor"] and page["totalCount"] > 2:
                traced.log.commands.clear()
                variables["after"] = page["pageInfo"]["endCursor"]
                await traced.api.data(NOTIFICATIONS, variables, role=role)
                next_pages += traced.log.commands
    verdict = await check(traced, first_pages)
    report("accounting notification lists and counts", verdict)
    assert verdict.problems == []
    after_cursor = await check(traced, next_pages)
    report("accounting notification lists after a cursor", after_cursor)
    assert after_cursor.problems == []


# --- the narrow shapes give what the plain ones give ---------------------------------


async def test_ledger_range_pages_equal_the_keyset_pages(traced: Traced) -> None:
    """Every page forward and backward, of sizes 1, 3 and 100, as the API gives it
    (a seq range) equals the page of the plain keyset query on (licenseId, seq)."""
    license = await traced.db.licenses.find_one({"number": traced.license})
    assert license is not None
    query = {"licenseId": license["_id"]}
    moment = traced.clock.now()
    for size in (1, 3, 100):
        for direction in ("forward", "backward"):
            cursor = None
            pages = 0
            while True:
                page_args: Document = (
                    {"first": size, "after": cursor}
                    if direction == "forward"
                    else {"last": size, "before": cursor}
                )
                body = await traced.api.data(
                    LEDGER,
                    {"n": traced.license, "m": moment.isoformat(), **page_args},
                    role="OFFICER",
                )
                got = body["license"]["ledger"]
                expected = await paginate(
                    traced.db.ledger, query, field="seq", ascending=False, unique=True,
                    first=page_args.get("first"), after=page_args.get("after"),
                    last=page_args.get("last"), before=page_args.get("before"),
                )  # fmt: skip
                assert [e["node"]["seq"] for e in got["edges"]] == [
                    d["seq"] for d in expected.docs
                ], (size, direction, cursor)
                assert got["pageInfo"]["hasNextPage"] == expected.has_next
                assert got["pageInfo"]["hasPreviousPage"] == expected.has_previous
                pages += 1
                more = expected.has_next if direction == "forward" else expected.has_previous
                if not more:
                    break
                edge = got["edges"][-1] if direction == "forward" else got["edges"][0]
                cursor = edge["cursor"]
                assert cursor == encode_cursor(
                    expected.docs[-1] if direction == "forward" else expected.docs[0], "seq", True
                )
            assert pages >= 1


async def test_balance_windows_equal_a_scan_of_the_ledger(traced: Traced) -> None:
    """balancesAt's windows find, for each line and moment, the entry a scan of the
    whole ledger finds: latest ``at`` at or before the moment, then highest seq; at the
    moments of entries themselves, between them, long after and before them all."""
    license = await traced.db.licenses.find_one({"number": traced.license})
    assert license is not None
    entries = await traced.db.ledger.find({"licenseId": license["_id"]}).to_list()
    moments = {e["at"] for e in entries}
    moments |= {m + timedelta(seconds=1) for m in moments} | {m - timedelta(milliseconds=1)
                                                              for m in moments}  # fmt: skip
    first = min(moments)
    moments |= {first - timedelta(days=400), first + timedelta(days=400)}
    since = min(e["at"] for e in entries if e["seq"] == 1) - timedelta(days=1)
    for line in license["lines"]:
        mine = [e for e in entries if e["lineNo"] == line["lineNo"]]
        for moment in sorted(moments):
            candidates = [e for e in mine if e["at"] <= moment]
            expected = max(candidates, key=lambda e: (e["at"], e["seq"]), default=None)
            found = await balance_entry(traced.db, license["_id"], line["lineNo"], moment, since)
            assert (found or {}).get("_id") == (expected or {}).get("_id"), (line, moment)
