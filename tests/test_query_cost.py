"""What the licence reads cost the database.

* Command count: a page of licences with their lines and history is a constant set of
  database queries (API key, page, count, one batched history read), whatever the page
  size: no N+1.  Loaders ask for the whole batch in the first reply, so there is no
  ``getMore`` either: the count is exactly the same for 10 and for 100 licences.
* Plans: every query the licence reads send (by number, by id, history by licence ids,
  the list with each filter, ordering and role, the pages after a cursor) is served by
  an index: ``explain`` shows no ``COLLSCAN`` anywhere in the winning plan.

SecantusDB (the embedded server) differs from MongoDB's planner in three ways, which
the checks below account for explicitly:

* it plans an index only for a *flat* filter: any top-level ``$and`` / ``$or`` is a
  collection scan there (MongoDB plans both);
* its ``explain`` reports a flat filter of several fields as a ``COLLSCAN`` unless one
  compound index covers them all, while its executor serves such a filter through the
  index of its first indexable clause; for those filters, on SecantusDB only, the first
  clause alone must be index-served (see :meth:`Plans.problem`); it plans no index
  for ``$elemMatch``, so hsCodePrefix sends a plain range first;
* the count of a whole collection reads it all on both servers (MongoDB plans
  ``count_documents({})`` as a ``COLLSCAN`` as well), so that one count is not checked.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import bson
import httpx
import pytest
from bson import ObjectId
from bson.raw_bson import RawBSONDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from api.app import create_app
from api.clock import FixedClock
from api.db import CODEC_OPTIONS, Database, make_client
from api.settings import Settings
from domain.access import Principal, Role
from domain.codes import check_inn
from resolvers.licenses import _ORDER_FIELDS, license_query
from resolvers.loaders import Loaders
from schema.licenses.enums import Direction, LicenseOrderField, LicenseStatus
from schema.licenses.inputs import LicenseFilter
from schema.scalars import Inn
from tests.support.api import HOLDER_INN, OTHER_INN, START, Api
from tests.support.licenses import AMEND, REGISTER, STATUS, license_input, unique

Document = dict[str, Any]

#: Commands a driver sends on its own (handshakes, monitoring, session clean-up).
NOISE = {"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo", "saslStart"}
BATCH = 10  # registrations sent at once


def new_inn() -> str:
    """A fresh 10-digit INN with a valid check digit (one holder per test data set)."""
    body = "77" + f"{secrets.randbelow(10**7):07d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    inn = body + str(sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10)
    assert check_inn(inn) == []
    return inn


# --- command monitoring ---------------------------------------------------------------


class CommandLog(CommandListener):
    """Every command the client sends to the test database, in order."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.commands: list[CommandStartedEvent] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.database_name == self.database and event.command_name not in NOISE:
            self.commands.append(event)

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass

    def names(self) -> list[str]:
        return [f"{e.command_name} {e.command.get(e.command_name)}" for e in self.commands]


@dataclass
class Counted:
    """The app on a client of its own that logs its commands, and its data set."""

    api: Api
    log: CommandLog
    database: Database
    secantus: bool
    inn: str = field(default_factory=new_inn)
    numbers: list[str] = field(default_factory=list)


LINES = [
    {"lineNo": 1, "name": "Трансформаторы", "hsCode": "8504210000", "unit": "796",
     "quantityLimit": "100"},
    {"lineNo": 2, "name": "Медная проволока", "hsCode": "7408", "unit": "166",
     "quantityLimit": "1500.125"},
]  # fmt: skip


async def register_with_history(api: Api, number: str, inn: str) -> None:
    """A licence with 3 lines and 3 history entries: registered, amended, suspended."""
    data = license_input(number, holder={"inn": inn, "name": "ООО «Счёт»"}, lines=LINES)
    payload = (await api.data(REGISTER, {"input": data}))["registerLicense"]
    assert payload["userErrors"] == []
    amendment = {
        "messageId": unique("m"),
        "number": number,
        "lines": [{"lineNo": 3, "name": "Кабель", "hsCode": "854449", "unit": "006",
                   "quantityLimit": "300"}],
    }  # fmt: skip
    assert (await api.data(AMEND, {"input": amendment}))["amendLicense"]["userErrors"] == []
    suspension = {"messageId": unique("m"), "number": number, "reason": "проверка"}
    body = await api.data(STATUS % "suspendLicense", {"input": suspension})
    assert body["suspendLicense"]["userErrors"] == []


@pytest.fixture(scope="module")
async def counted(
    mongo_uri: str, database: Database, settings: Settings, keys: dict[str, str]
) -> AsyncIterator[Counted]:
    """100 licences of one new holder, each with 3 lines and 3 history entries."""
    log = CommandLog(database.db.name)
    client = make_client(mongo_uri, event_listeners=[log])
    db = client.get_database(database.db.name, codec_options=CODEC_OPTIONS)
    own = Database(client=client, db=db, uri=mongo_uri)
    build = await db.command("buildInfo")
    app = create_app(settings, clock=FixedClock(START), database=own)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        result = Counted(
            api=Api(http=http, keys=keys),
            log=log,
            database=own,
            secantus="secantusVersion" in build,
        )
        prefix = unique("QC")
        result.numbers = [f"{prefix}-{i:03d}" for i in range(100)]
        started = time.perf_counter()
        for i in range(0, len(result.numbers), BATCH):
            await asyncio.gather(
                *(register_with_history(result.api, n, result.inn)
                  for n in result.numbers[i : i + BATCH])
            )  # fmt: skip
        print(f"\nregistered 100 licences x 3 messages in {time.perf_counter() - started:.1f} s")
        yield result
    await client.close()


PAGE = """
query($inn: Inn!, $n: Int!) {
  licenses(first: $n, filter: {holderInn: $inn}) {
    totalCount
    edges { node { number status lines { lineNo hsCode quantityLimit available }
                   history { seq kind } } }
  }
}"""


async def measure(counted: Counted, size: int) -> tuple[dict[str, Any], list[str]]:
    """The page of ``size`` licences and the commands its one request sent."""
    counted.log.commands.clear()
    data = await counted.api.data(PAGE, {"inn": counted.inn, "n": size}, role="OFFICER")
    return data["licenses"], counted.log.names()


async def test_a_page_with_lines_and_history_costs_a_constant_number_of_commands(
    counted: Counted,
) -> None:
    await measure(counted, 1)  # connections warm
    figures = {}
    for size in (10, 100):
        page, commands = await measure(counted, size)
        figures[size] = commands
        assert page["totalCount"] == 100
        assert [e["node"]["number"] for e in page["edges"]] == counted.numbers[:size]
        for edge in page["edges"]:
            assert [li["lineNo"] for li in edge["node"]["lines"]] == [1, 2, 3]
            assert [(h["seq"], h["kind"]) for h in edge["node"]["history"]] == [
                (3, "SUSPENDED"),
                (2, "AMENDED"),
                (1, "REGISTERED"),
            ]
        print(f"\n{size} licences (+{3 * size} history entries): {len(commands)} commands")
        for name in commands:
            print(f"   {name}")
    # 1 API key lookup + 1 page of licences + 1 count + 1 batched history read.
    expected = ["find api_keys", "find licenses", "aggregate licenses", "find license_history"]
    for size, commands in figures.items():
        assert sorted(commands) == sorted(expected), (size, commands)


async def test_the_page_sends_the_filter_license_query_builds(counted: Counted) -> None:
    """The explain checks below build filters with ``license_query``: the API sends
    exactly that filter (and the loader's ``$in`` on the page's ids)."""
    await measure(counted, 5)
    finds = {e.command["find"]: e.command for e in counted.log.commands if "find" in e.command}
    officer = Principal(key_id="k", name="officer", role=Role.OFFICER)
    assert finds["licenses"]["filter"] == license_query(
        LicenseFilter(holder_inn=Inn(counted.inn)), officer
    )
    assert finds["licenses"]["sort"] == {"number": 1}
    history = finds["license_history"]
    assert list(history["filter"]) == [Loaders.license_history.field]
    assert len(history["filter"][Loaders.license_history.field]["$in"]) == 5
    assert history["sort"] == dict(Loaders.license_history.sort)


# --- plans ----------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """An explain answer as plain dicts and lists (the driver may hand back raw BSON)."""
    if isinstance(value, RawBSONDocument):
        return bson.decode(value.raw)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def winning_plans(explain: Any) -> list[Any]:
    """Every ``winningPlan`` of an explain answer: top level, under an aggregation's
    ``$cursor`` stage or a shard."""
    found: list[Any] = []
    if isinstance(explain, Mapping):
        for key, value in explain.items():
            if key == "winningPlan":
                found.append(value)
            elif key not in ("rejectedPlans", "executionStats", "command", "serverInfo"):
                found += winning_plans(value)
    elif isinstance(explain, list):
        for value in explain:
            found += winning_plans(value)
    return found


def plan_values(plan: Any, key: str) -> list[Any]:
    """Every value of ``key`` in a plan tree, at any depth (``inputStage``,
    ``inputStages``, ``queryPlan``, ``thenStage`` ...)."""
    found: list[Any] = []
    if isinstance(plan, Mapping):
        for k, value in plan.items():
            if k == key and not isinstance(value, Mapping | list):
                found.append(value)
            else:
                found += plan_values(value, key)
    elif isinstance(plan, list):
        for value in plan:
            found += plan_values(value, key)
    return found


@dataclass(frozen=True)
class Read:
    """One query as the API sends it: a find (with sort and limit) or a count."""

    label: str
    collection: str
    filter: Document
    sort: tuple[tuple[str, int], ...] = ()
    count: bool = False


async def explain(db: Any, read: Read) -> Document:
    collection: AsyncCollection[Document] = db[read.collection]
    if read.count:
        # What count_documents sends: an aggregate of $match and $group.
        pipeline = [{"$match": read.filter}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]
        answer = await db.command(
            "explain", {"aggregate": read.collection, "pipeline": pipeline, "cursor": {}}
        )
    else:
        cursor = collection.find(read.filter).limit(21)
        if read.sort:
            cursor = cursor.sort(list(read.sort))
        answer = await cursor.explain()
    result: Document = plain(answer)
    return result


async def stages_of(db: Any, read: Read) -> tuple[list[str], list[str]]:
    """(stages, index names) of the winning plan(s)."""
    plans = winning_plans(await explain(db, read))
    assert plans, f"{read.label}: explain gave no winningPlan"
    return plan_values(plans, "stage"), plan_values(plans, "indexName")


@dataclass
class Plans:
    db: Any
    secantus: bool
    by_first_clause: list[str] = field(default_factory=list)

    async def problem(self, read: Read) -> str | None:
        """Why ``read`` is not index-served, or None.

        On SecantusDB only, a flat filter of several fields that its explain reports as a
        COLLSCAN (no compound index covers every field) passes when its first clause alone
        is index-served: that is how its executor runs such a filter (the per-clause
        fallback of its index lookup), e.g. validOn's ``validTo`` range."""
        stages, _ = await stages_of(self.db, read)
        if "COLLSCAN" not in stages:
            return None
        flat = len(read.filter) > 1 and not any(k.startswith("$") for k in read.filter)
        if self.secantus and flat:
            first = dict([next(iter(read.filter.items()))])
            alone, _ = await stages_of(self.db, Read(read.label, read.collection, first))
            if "COLLSCAN" not in alone:
                self.by_first_clause.append(read.label)
                return None
        return f"{read.label}: {stages} for {read.filter} sort {read.sort}"


@pytest.fixture
async def plans(counted: Counted) -> Plans:
    return Plans(counted.database.db, counted.secantus)


def sort_of(order: LicenseOrderField, ascending: bool) -> tuple[tuple[str, int], ...]:
    """The sort ``paginate`` sends for an order (``_id`` breaks ties of non-unique keys)."""
    name, unique_key = _ORDER_FIELDS[order]
    step = 1 if ascending else -1
    return ((name, step),) if unique_key else ((name, step), ("_id", step))


DECLARANT = Principal(key_id="k", name="declarant", role=Role.DECLARANT, inn=HOLDER_INN)
OFFICER = Principal(key_id="k", name="officer", role=Role.OFFICER)
DAY = date(2027, 3, 1)

FILTERS: dict[str, LicenseFilter | None] = {
    "no filter": None,
    "status ACTIVE": LicenseFilter(status=[LicenseStatus.ACTIVE]),
    "status EXHAUSTED": LicenseFilter(status=[LicenseStatus.EXHAUSTED]),
    "status SUSPENDED": LicenseFilter(status=[LicenseStatus.SUSPENDED]),
    "status TERMINATED": LicenseFilter(status=[LicenseStatus.TERMINATED]),
    "status SUSPENDED|TERMINATED": LicenseFilter(
        status=[LicenseStatus.SUSPENDED, LicenseStatus.TERMINATED]
    ),
    "status ACTIVE|EXHAUSTED": LicenseFilter(
        status=[LicenseStatus.ACTIVE, LicenseStatus.EXHAUSTED]
    ),
    "direction EXPORT": LicenseFilter(direction=Direction.EXPORT),
    "direction IMPORT": LicenseFilter(direction=Direction.IMPORT),
    "holderInn": LicenseFilter(holder_inn=Inn(HOLDER_INN)),
    "hsCodePrefix 74": LicenseFilter(hs_code_prefix="74"),
    "hsCodePrefix 8504210000": LicenseFilter(hs_code_prefix="8504210000"),
    "validOn": LicenseFilter(valid_on=DAY),
    "holderInn + status": LicenseFilter(
        holder_inn=Inn(HOLDER_INN), status=[LicenseStatus.SUSPENDED]
    ),
    "status + direction + validOn": LicenseFilter(
        status=[LicenseStatus.ACTIVE], direction=Direction.EXPORT, valid_on=DAY
    ),
    "all five": LicenseFilter(
        status=[LicenseStatus.ACTIVE],
        direction=Direction.IMPORT,
        holder_inn=Inn(HOLDER_INN),
        hs_code_prefix="7408",
        valid_on=DAY,
    ),
}

ORDERS = [(order, ascending) for order in LicenseOrderField for ascending in (True, False)]


def list_reads(principal: Principal, filters: Mapping[str, LicenseFilter | None]) -> list[Read]:
    """Each filter's page query in every order and its count."""
    reads = []
    for label, filter_ in filters.items():
        query = license_query(filter_, principal)
        who = str(principal.role)
        for order, ascending in ORDERS:
            reads.append(
                Read(
                    f"{who} {label} by {order.name} {'ASC' if ascending else 'DESC'}",
                    "licenses",
                    query,
                    sort_of(order, ascending),
                )
            )
        if query:  # counting the whole collection reads it all on any server
            reads.append(Read(f"{who} {label} count", "licenses", query, count=True))
    return reads


async def problems_of(plans: Plans, reads: Iterable[Read]) -> list[str]:
    return [p for read in reads if (p := await plans.problem(read)) is not None]


async def test_reads_by_number_id_and_history_use_an_index(plans: Plans) -> None:
    ids = [ObjectId(), ObjectId()]
    reads = [
        Read(
            "license(number:)",
            Loaders.license_by_number.collection,
            {Loaders.license_by_number.field: {"$in": ["RU-1", "RU-2"]}},
        ),
        Read(
            "licenseById / node",
            Loaders.license_by_id.collection,
            {Loaders.license_by_id.field: {"$in": ids}},
        ),
        Read(
            "history of a page",
            Loaders.license_history.collection,
            {Loaders.license_history.field: {"$in": ids}},
            Loaders.license_history.sort,
        ),
    ]
    assert await problems_of(plans, reads) == []
    for read in reads:
        _, indexes = await stages_of(plans.db, read)
        print(f"\n{read.label}: {indexes}")


async def test_the_unfiltered_list_by_number_walks_the_number_index(plans: Plans) -> None:
    for ascending in (True, False):
        read = Read("all", "licenses", license_query(None, OFFICER), sort_of(
            LicenseOrderField.NUMBER, ascending))  # fmt: skip
        stages, indexes = await stages_of(plans.db, read)
        assert "COLLSCAN" not in stages
        assert "SORT" not in stages, stages  # the index gives the order
        assert indexes == ["number_unique"]


async def test_every_list_filter_order_and_count_uses_an_index(plans: Plans) -> None:
    reads = list_reads(OFFICER, FILTERS) + list_reads(DECLARANT, FILTERS)
    assert await problems_of(plans, reads) == []
    print(f"\n{len(reads)} list queries explained, none scans the collection")
    if plans.by_first_clause:
        groups = sorted({label.split(" by ")[0].removesuffix(" count")
                         for label in plans.by_first_clause})  # fmt: skip
        print(f"{len(plans.by_first_clause)} of them served on SecantusDB by their first clause:")
        print("   " + "; ".join(groups))


async def test_filters_once_needing_a_top_level_operator_are_flat(plans: Plans) -> None:
    """ACTIVE with SUSPENDED is an ``$in`` on the stored ``state`` (EXHAUSTED derived and
    kept with every write), and a DECLARANT asking for another holder's INN gets an
    empty ``_id`` range: no top-level ``$or`` / ``$and``, which SecantusDB would scan."""
    split = {"status ACTIVE|SUSPENDED": LicenseFilter(
        status=[LicenseStatus.ACTIVE, LicenseStatus.SUSPENDED])}  # fmt: skip
    foreign = {"holderInn of another holder": LicenseFilter(holder_inn=Inn(OTHER_INN))}
    reads = list_reads(OFFICER, split) + list_reads(DECLARANT, foreign)
    assert not any(next(iter(read.filter)) in ("$or", "$and") for read in reads)
    assert await problems_of(plans, reads) == []


# --- pages after a cursor: the filters the API really sent -------------------------

CURSOR_PAGE = """
query($filter: LicenseFilter, $order: LicenseOrder, $after: String) {
  licenses(first: 3, filter: $filter, order: $order, after: $after) {
    edges { node { number } } pageInfo { endCursor }
  }
}"""


async def sent_page_reads(
    counted: Counted, orders: Iterable[LicenseOrderField], filters: list[Document | None]
) -> list[Read]:
    """The ``find`` each second page sent, captured from the driver."""
    reads = []
    for order in orders:
        for ascending in (True, False):
            for filter_ in filters:
                variables: Document = {
                    "filter": filter_,
                    "order": {"field": order.name, "direction": "ASC" if ascending else "DESC"},
                }
                first = await counted.api.data(CURSOR_PAGE, variables, role="OFFICER")
                counted.log.commands.clear()
                variables["after"] = first["licenses"]["pageInfo"]["endCursor"]
                await counted.api.data(CURSOR_PAGE, variables, role="OFFICER")
                (sent,) = [e.command for e in counted.log.commands if e.command_name == "find"
                           and e.command["find"] == "licenses"]  # fmt: skip
                reads.append(
                    Read(
                        f"page 2 of {filter_} by {order.name} {ascending}",
                        "licenses",
                        sent["filter"],
                        tuple(sent["sort"].items()),
                    )
                )
    return reads


async def test_pages_after_a_cursor_by_number_use_an_index(counted: Counted, plans: Plans) -> None:
    filters: list[Document | None] = [
        None,
        {"holderInn": counted.inn},
        {"status": ["SUSPENDED"]},
        {"holderInn": counted.inn, "status": ["SUSPENDED"], "direction": "EXPORT"},
    ]
    reads = await sent_page_reads(counted, [LicenseOrderField.NUMBER], filters)
    assert all("$and" not in read.filter for read in reads), [r.filter for r in reads]
    assert await problems_of(plans, reads) == []


async def test_pages_after_a_cursor_on_non_unique_orders_use_an_index(
    counted: Counted, plans: Plans
) -> None:
    """The cursor of a non-unique order is ``(value, _id)``: the next page is a plain
    inclusive range on the value (ties already shown are dropped while reading), which
    every server serves with the ``(value, _id)`` index."""
    orders = [o for o in LicenseOrderField if o is not LicenseOrderField.NUMBER]
    reads = await sent_page_reads(counted, orders, [None, {"holderInn": counted.inn}])
    assert all("$or" not in read.filter for read in reads), [r.filter for r in reads]
    assert await problems_of(plans, reads) == []
