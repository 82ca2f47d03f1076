"""Reading the licence registry: by number, by ID, ``node``/``nodes``, the ``licenses``
connection (keyset pages in every order, both ways), its filters, and what a DECLARANT
key may see.

The database is shared by the whole session, so each data set here has a holder INN of
its own and the checks filter on it (or look only at their own licence numbers).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId

from api.app import create_app
from api.clock import FixedClock
from api.db import Database
from api.settings import Settings
from domain.codes import check_inn
from tests.support.api import HOLDER_INN, OTHER_INN, START, Api, bare
from tests.support.licenses import REGISTER, STATUS, license_input, unique

Document = dict[str, Any]


def new_inn() -> str:
    """A fresh 10-digit INN with a valid check digit."""
    body = "50" + f"{secrets.randbelow(10**7):07d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    inn = body + str(sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10)
    assert check_inn(inn) == []
    return inn


def object_id(global_id: str) -> ObjectId:
    type_name, _, raw = base64.b64decode(global_id).decode().partition(":")
    assert type_name == "License"
    return ObjectId(raw)


def global_id(type_name: str, oid: ObjectId) -> str:
    return base64.b64encode(f"{type_name}:{oid}".encode()).decode()


def line(line_no: int, hs_code: str) -> Document:
    return {"lineNo": line_no, "name": f"Товар {hs_code}", "hsCode": hs_code, "unit": "796",
            "quantityLimit": "10"}  # fmt: skip


@dataclass
class Registry:
    """The app on a clock of its own (registration moments are chosen here)."""

    api: Api
    clock: FixedClock

    async def register(self, number: str, inn: str, **overrides: Any) -> dict[str, Any]:
        data = license_input(number, holder={"inn": inn, "name": "ООО «Тест»"}, **overrides)
        payload: dict[str, Any] = (await self.api.data(REGISTER, {"input": data}))[
            "registerLicense"
        ]
        assert payload["userErrors"] == [], payload["userErrors"]
        license: dict[str, Any] = payload["license"]
        return license

    async def status(self, mutation: str, number: str) -> None:
        message = {"messageId": unique("m"), "number": number, "reason": "решение"}
        body = await self.api.data(STATUS % mutation, {"input": message})
        assert body[mutation]["userErrors"] == []


@pytest.fixture(scope="module")
async def registry(
    settings: Settings, database: Database, keys: dict[str, str]
) -> AsyncIterator[Registry]:
    clock = FixedClock(START)
    app = create_app(settings, clock=clock, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Registry(api=Api(http=http, keys=keys), clock=clock)


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


# --- one licence by number, by ID, as a node ----------------------------------------

BY_NUMBER = "query($n: String!) { license(number: $n) { id number } }"
BY_ID = "query($id: ID!) { licenseById(id: $id) { id number } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on License { number } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on License { number } } }"


async def test_a_license_by_number_by_id_and_as_a_node(registry: Registry) -> None:
    number = unique("RU-Q")
    registered = await registry.register(number, new_inn())
    lic_id = registered["id"]
    expected = {"id": lic_id, "number": number}
    api = registry.api
    assert (await api.data(BY_NUMBER, {"n": number}, role="OFFICER"))["license"] == expected
    assert (await api.data(BY_ID, {"id": lic_id}, role="ANALYST"))["licenseById"] == expected
    assert (await api.data(NODE, {"id": lic_id}, role="OFFICER"))["node"] == expected
    other = await registry.register(unique("RU-Q"), new_inn())
    nodes = (await api.data(NODES, {"ids": [other["id"], lic_id, other["id"]]}))["nodes"]
    assert [n["number"] for n in nodes] == [other["number"], number, other["number"]]


async def test_unknown_number_and_unknown_id_give_null(registry: Registry) -> None:
    api = registry.api
    missing_id = global_id("License", ObjectId())
    assert bare(await api.gql(BY_NUMBER, {"n": unique("NOPE")})) == {"data": {"license": None}}
    assert bare(await api.gql(BY_ID, {"id": missing_id})) == {"data": {"licenseById": None}}
    assert bare(await api.gql(NODE, {"id": missing_id})) == {"data": {"node": None}}
    number = unique("RU-Q")
    known = (await registry.register(number, new_inn()))["id"]
    nodes = (await api.data(NODES, {"ids": [missing_id, known]}))["nodes"]
    assert nodes == [None, {"id": known, "number": number}]


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-an-id",  # not base64
        base64.b64encode(b"License:xyz").decode(),  # not an ObjectId
        base64.b64encode(b"License").decode(),  # no separator
        global_id("Permit", ObjectId()),  # another (unknown) type
    ],
)
async def test_a_malformed_id_is_a_typed_error_without_data(
    registry: Registry, bad_id: str
) -> None:
    api = registry.api
    for query, name in ((BY_ID, "licenseById"), (NODE, "node")):
        body = await api.gql(query, {"id": bad_id})
        assert codes(body) == ["INVALID_ID"], body
        assert body["data"] == {name: None}
        assert body["errors"][0]["path"] == [name]
    body = await api.gql(NODES, {"ids": [bad_id]})
    assert codes(body) == ["INVALID_ID"]
    assert body["data"] is None  # nodes is a non-null list: the error nulls the data


async def test_nodes_takes_at_most_100_ids(registry: Registry) -> None:
    ids = [global_id("License", ObjectId()) for _ in range(101)]
    body = await registry.api.gql(NODES, {"ids": ids})
    assert codes(body) == ["INVALID_ID"]
    assert body["data"] is None


# --- the connection: keyset pages ---------------------------------------------------

LIST = """
query($filter: LicenseFilter, $order: LicenseOrder, $first: Int, $after: String,
      $last: Int, $before: String) {
  licenses(filter: $filter, order: $order, first: $first, after: $after,
           last: $last, before: $before) {
    totalCount
    edges { cursor node { id number validFrom validTo registeredAt holder { inn } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

ORDER_KEYS = {"NUMBER": "number", "VALID_FROM": "validFrom", "VALID_TO": "validTo",
              "REGISTERED_AT": "registeredAt"}  # fmt: skip


@dataclass
class Paged:
    """13 licences of one holder, registered out of number order, with ties on
    validFrom, validTo and registeredAt."""

    inn: str
    nodes: list[Document] = field(default_factory=list)

    def expected(self, order: str, direction: str) -> list[str]:
        """Numbers in the API's order: the key, then ``_id`` for ties (unique keys
        never tie), reversed whole for DESC."""
        key = ORDER_KEYS[order]
        ordered = sorted(self.nodes, key=lambda n: (n[key], object_id(n["id"])))
        numbers = [n["number"] for n in ordered]
        return numbers if direction == "ASC" else numbers[::-1]


@pytest.fixture(scope="module")
async def paged(registry: Registry) -> Paged:
    paged = Paged(inn=new_inn())
    prefix = unique("PG")
    valid_from = ["2027-01-01", "2027-02-01", "2027-02-01", "2027-03-01", "2027-02-01"]
    valid_to = ["2027-12-31", "2027-06-30"]
    for i, k in enumerate([7, 2, 11, 0, 5, 9, 1, 12, 3, 8, 6, 10, 4]):
        if i % 3 == 0:
            registry.clock.advance(timedelta(minutes=1))  # every third registration ties
        await registry.register(
            f"{prefix}-{k:02d}",
            paged.inn,
            validFrom=valid_from[i % len(valid_from)],
            validTo=valid_to[i % len(valid_to)],
        )
    body = await registry.api.data(
        LIST, {"filter": {"holderInn": paged.inn}, "first": 100}, role="OFFICER"
    )
    paged.nodes = [e["node"] for e in body["licenses"]["edges"]]
    assert len(paged.nodes) == 13
    for key in ("validFrom", "validTo", "registeredAt"):
        values = [n[key] for n in paged.nodes]
        assert len(set(values)) < len(values), f"the data set needs ties on {key}"
    return paged


async def page(api: Api, variables: Document) -> Document:
    connection: Document = (await api.data(LIST, variables, role="OFFICER"))["licenses"]
    return connection


ORDERS = [(o, d) for o in ORDER_KEYS for d in ("ASC", "DESC")]


@pytest.mark.parametrize(("order", "direction"), ORDERS)
async def test_first_after_walks_every_license_once_in_order(
    registry: Registry, paged: Paged, order: str, direction: str
) -> None:
    base = {"filter": {"holderInn": paged.inn}, "order": {"field": order, "direction": direction}}
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        connection = await page(registry.api, {**base, "first": 4, "after": after})
        pages += 1
        edges, info = connection["edges"], connection["pageInfo"]
        assert connection["totalCount"] == 13
        seen += [e["node"]["number"] for e in edges]
        assert info["hasPreviousPage"] is (after is not None)
        assert info["startCursor"] == edges[0]["cursor"]
        assert info["endCursor"] == edges[-1]["cursor"]
        if not info["hasNextPage"]:
            break
        assert len(edges) == 4
        after = info["endCursor"]
    assert pages == 4  # 4 + 4 + 4 + 1
    assert seen == paged.expected(order, direction)


@pytest.mark.parametrize(("order", "direction"), ORDERS)
async def test_last_before_walks_backwards(
    registry: Registry, paged: Paged, order: str, direction: str
) -> None:
    base = {"filter": {"holderInn": paged.inn}, "order": {"field": order, "direction": direction}}
    pages: list[list[str]] = []
    before = None
    while True:
        connection = await page(registry.api, {**base, "last": 5, "before": before})
        edges, info = connection["edges"], connection["pageInfo"]
        assert connection["totalCount"] == 13
        pages.append([e["node"]["number"] for e in edges])
        assert info["hasNextPage"] is (before is not None)
        if not info["hasPreviousPage"]:
            break
        assert len(edges) == 5
        before = info["startCursor"]
    assert [len(p) for p in pages] == [5, 5, 3]
    assert [n for p in reversed(pages) for n in p] == paged.expected(order, direction)


async def test_pages_stay_stable_when_licenses_arrive_between_them(registry: Registry) -> None:
    """A keyset cursor names a position, not an offset: a licence registered before the
    cursor's position neither shifts the next page nor appears on it."""
    inn, prefix = new_inn(), unique("ST")
    for k in range(6):
        await registry.register(f"{prefix}-{k}0", inn)
    base = {"filter": {"holderInn": inn}, "first": 3}
    first = await page(registry.api, base)
    assert [e["node"]["number"] for e in first["edges"]] == [f"{prefix}-{k}0" for k in range(3)]
    await registry.register(f"{prefix}-05", inn)  # sorts before the cursor's position
    second = await page(registry.api, {**base, "after": first["pageInfo"]["endCursor"]})
    assert [e["node"]["number"] for e in second["edges"]] == [f"{prefix}-{k}0" for k in (3, 4, 5)]
    assert second["totalCount"] == 7


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"first": 101}, "INVALID_PAGINATION"),
        ({"last": 101}, "INVALID_PAGINATION"),
        ({"first": -1}, "INVALID_PAGINATION"),
        ({"first": 2, "last": 2}, "INVALID_PAGINATION"),
        ({"first": 2, "after": "garbage!"}, "INVALID_PAGINATION"),
        ({"last": 2, "before": "garbage"}, "INVALID_PAGINATION"),
        ({"first": 2, "after": base64.urlsafe_b64encode(b"[1, 2, 3]").decode()},
         "INVALID_PAGINATION"),
        ({"first": 2, "after": base64.urlsafe_b64encode(b'{"a": 1}').decode()},
         "INVALID_PAGINATION"),
        ({"filter": {"hsCodePrefix": "7"}}, "INVALID_FILTER"),
        ({"filter": {"hsCodePrefix": "74a"}}, "INVALID_FILTER"),
    ],
)  # fmt: skip
async def test_bad_page_arguments_are_refused(
    registry: Registry, arguments: Document, code: str
) -> None:
    body = await registry.api.gql(LIST, arguments, role="OFFICER")
    assert codes(body) == [code], body
    assert body["data"] is None


async def test_a_cursor_of_another_order_is_refused(registry: Registry, paged: Paged) -> None:
    """A NUMBER cursor holds the number only; a VALID_FROM cursor needs (value, _id)."""
    by_number = await page(registry.api, {"filter": {"holderInn": paged.inn}, "first": 2})
    body = await registry.api.gql(
        LIST,
        {
            "filter": {"holderInn": paged.inn},
            "order": {"field": "VALID_FROM"},
            "first": 2,
            "after": by_number["pageInfo"]["endCursor"],
        },
    )
    assert codes(body) == ["INVALID_PAGINATION"]


async def test_first_100_is_the_largest_page_and_20_the_default(
    registry: Registry, paged: Paged
) -> None:
    base = {"filter": {"holderInn": paged.inn}}
    full = await page(registry.api, {**base, "first": 100})
    assert len(full["edges"]) == 13
    assert full["pageInfo"]["hasNextPage"] is False
    default = await page(registry.api, base)
    assert [e["node"]["number"] for e in default["edges"]] == paged.expected("NUMBER", "ASC")
    empty = await page(registry.api, {**base, "first": 0})
    assert empty["edges"] == []
    assert empty["pageInfo"]["hasNextPage"] is True
    assert empty["totalCount"] == 13


# --- filters ----------------------------------------------------------------------


@dataclass
class Filtered:
    """Four licences of one holder and one of another, chosen so each filter and each
    boundary day splits them differently."""

    inn: str
    other_inn: str
    numbers: dict[str, str]  # name -> licence number

    def names(self, numbers: list[str]) -> set[str]:
        """Which of our licences (by name) a list of numbers holds."""
        by_number = {v: k for k, v in self.numbers.items()}
        return {by_number[n] for n in numbers if n in by_number}


@pytest.fixture(scope="module")
async def filtered(registry: Registry) -> Filtered:
    inn, other_inn = new_inn(), new_inn()
    prefix = unique("FL")
    specs: dict[str, tuple[str, Document]] = {
        "L1": (inn, {"direction": "EXPORT", "validFrom": "2027-01-01", "validTo": "2027-06-30",
                     "lines": [line(1, "7408"), line(2, "8504210000")]}),
        "L2": (inn, {"direction": "IMPORT", "validFrom": "2027-03-01", "validTo": "2027-12-31",
                     "lines": [line(1, "7408110000")]}),
        "L3": (inn, {"direction": "EXPORT", "validFrom": "2026-06-01", "validTo": "2027-02-28",
                     "lines": [line(1, "7409"), line(2, "3004")]}),
        "L4": (inn, {"direction": "IMPORT", "validFrom": "2027-07-01", "validTo": "2028-06-30",
                     "lines": [line(1, "9903")]}),
        "L5": (other_inn, {"direction": "EXPORT", "validFrom": "2027-01-01",
                           "validTo": "2027-06-30", "lines": [line(1, "7408")]}),
    }  # fmt: skip
    numbers = {}
    for name, (holder, overrides) in specs.items():
        numbers[name] = f"{prefix}-{name}"
        await registry.register(numbers[name], holder, **overrides)
    await registry.status("suspendLicense", numbers["L2"])
    await registry.status("terminateLicense", numbers["L3"])
    return Filtered(inn=inn, other_inn=other_inn, numbers=numbers)


async def all_numbers(api: Api, filter_: Document | None, *, role: str = "OFFICER") -> list[str]:
    """Numbers of the whole filtered list, walking every page of 100."""
    numbers: list[str] = []
    after = None
    while True:
        body = await api.data(LIST, {"filter": filter_, "first": 100, "after": after}, role=role)
        connection = body["licenses"]
        numbers += [e["node"]["number"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            assert connection["totalCount"] == len(numbers)
            assert len(set(numbers)) == len(numbers)
            return numbers
        after = connection["pageInfo"]["endCursor"]


FILTER_CASES: list[tuple[Document, set[str]]] = [
    ({"status": ["ACTIVE"]}, {"L1", "L4"}),
    ({"status": ["SUSPENDED"]}, {"L2"}),
    ({"status": ["TERMINATED"]}, {"L3"}),
    ({"status": ["SUSPENDED", "TERMINATED"]}, {"L2", "L3"}),
    ({"status": ["ACTIVE", "SUSPENDED"]}, {"L1", "L2", "L4"}),
    ({"status": ["ACTIVE", "EXHAUSTED"]}, {"L1", "L4"}),
    ({"status": ["ACTIVE", "SUSPENDED", "TERMINATED"]}, {"L1", "L2", "L3", "L4"}),
    ({"direction": "EXPORT"}, {"L1", "L3"}),
    ({"direction": "IMPORT"}, {"L2", "L4"}),
    ({"hsCodePrefix": "74"}, {"L1", "L2", "L3"}),
    ({"hsCodePrefix": "7408"}, {"L1", "L2"}),
    ({"hsCodePrefix": "740811"}, {"L2"}),
    ({"hsCodePrefix": "7408110000"}, {"L2"}),
    ({"hsCodePrefix": "74081"}, {"L2"}),
    ({"hsCodePrefix": "7409"}, {"L3"}),
    ({"hsCodePrefix": "850421"}, {"L1"}),
    ({"hsCodePrefix": "99"}, {"L4"}),  # the prefix bound past "9"
    ({"hsCodePrefix": "9903"}, {"L4"}),
    ({"hsCodePrefix": "30"}, {"L3"}),
    ({"hsCodePrefix": "75"}, set()),
    ({"validOn": "2026-05-31"}, set()),
    ({"validOn": "2026-06-01"}, {"L3"}),  # first day of L3
    ({"validOn": "2026-12-31"}, {"L3"}),
    ({"validOn": "2027-01-01"}, {"L1", "L3"}),  # first day of L1
    ({"validOn": "2027-02-28"}, {"L1", "L3"}),  # last day of L3
    ({"validOn": "2027-03-01"}, {"L1", "L2"}),  # first day of L2
    ({"validOn": "2027-06-30"}, {"L1", "L2"}),  # last day of L1
    ({"validOn": "2027-07-01"}, {"L2", "L4"}),  # first day of L4
    ({"validOn": "2028-06-30"}, {"L4"}),  # last day of L4
    ({"validOn": "2028-07-01"}, set()),
    ({"status": ["ACTIVE"], "direction": "EXPORT"}, {"L1"}),
    ({"direction": "IMPORT", "hsCodePrefix": "74"}, {"L2"}),
    ({"status": ["ACTIVE"], "validOn": "2027-07-01"}, {"L4"}),
    ({"status": ["SUSPENDED", "TERMINATED"], "validOn": "2027-02-28"}, {"L3"}),
    ({"status": ["ACTIVE", "SUSPENDED"], "direction": "IMPORT", "validOn": "2027-06-30"},
     {"L2"}),
    ({"status": ["ACTIVE"], "direction": "EXPORT", "hsCodePrefix": "7408",
      "validOn": "2027-06-30"}, {"L1"}),
    ({"status": ["ACTIVE"], "direction": "IMPORT", "hsCodePrefix": "7408",
      "validOn": "2027-06-30"}, set()),
]  # fmt: skip


@pytest.mark.parametrize(("filter_", "expected"), FILTER_CASES, ids=str)
async def test_filters_with_the_holder(
    registry: Registry, filtered: Filtered, filter_: Document, expected: set[str]
) -> None:
    """Each filter (and combination) with holderInn: exactly the expected licences,
    and totalCount is their number."""
    connection = await page(
        registry.api, {"filter": {**filter_, "holderInn": filtered.inn}, "first": 100}
    )
    numbers = [e["node"]["number"] for e in connection["edges"]]
    assert filtered.names(numbers) == expected
    assert len(numbers) == len(expected)
    assert connection["totalCount"] == len(expected)
    assert numbers == sorted(numbers)


@pytest.mark.parametrize(("filter_", "expected"), FILTER_CASES[::3], ids=str)
async def test_filters_alone(
    registry: Registry, filtered: Filtered, filter_: Document, expected: set[str]
) -> None:
    """The same filters without holderInn: over the whole (shared) registry, ours are
    exactly the expected ones (L5 of the other holder matches like L1 where it can)."""
    names = filtered.names(await all_numbers(registry.api, filter_)) - {"L5"}
    assert names == expected


async def test_holder_inn_filter(registry: Registry, filtered: Filtered) -> None:
    mine = await all_numbers(registry.api, {"holderInn": filtered.inn})
    assert filtered.names(mine) == {"L1", "L2", "L3", "L4"}
    assert len(mine) == 4
    theirs = await all_numbers(registry.api, {"holderInn": filtered.other_inn})
    assert theirs == [filtered.numbers["L5"]]
    both = await all_numbers(registry.api, {"direction": "EXPORT", "validOn": "2027-06-30"})
    assert filtered.names(both) == {"L1", "L5"}
    nobody = await all_numbers(registry.api, {"holderInn": new_inn()})
    assert nobody == []


# --- what a DECLARANT key sees ---------------------------------------------------------


@dataclass
class Declared:
    own: dict[str, Any]  # a licence of HOLDER_INN
    foreign: dict[str, Any]  # a licence of OTHER_INN


@pytest.fixture(scope="module")
async def declared(registry: Registry) -> Declared:
    own = await registry.register(unique("RU-OWN"), HOLDER_INN)
    foreign = await registry.register(unique("RU-FOREIGN"), OTHER_INN)
    return Declared(own=own, foreign=foreign)


@pytest.mark.parametrize(
    ("role", "sees", "hidden"),
    [("DECLARANT", "own", "foreign"), ("OTHER_DECLARANT", "foreign", "own")],
)
async def test_a_declarant_reads_only_its_own_licenses(
    registry: Registry, declared: Declared, role: str, sees: str, hidden: str
) -> None:
    api = registry.api
    visible: dict[str, Any] = getattr(declared, sees)
    invisible: dict[str, Any] = getattr(declared, hidden)
    shown = {"id": visible["id"], "number": visible["number"]}
    assert (await api.data(BY_NUMBER, {"n": visible["number"]}, role=role))["license"] == shown
    assert (await api.data(BY_ID, {"id": visible["id"]}, role=role))["licenseById"] == shown
    assert (await api.data(NODE, {"id": visible["id"]}, role=role))["node"] == shown
    # The other holder's licence is absent, not forbidden: no error that would confirm it.
    assert bare(await api.gql(BY_NUMBER, {"n": invisible["number"]}, role=role)) == {
        "data": {"license": None}
    }
    assert bare(await api.gql(BY_ID, {"id": invisible["id"]}, role=role)) == {
        "data": {"licenseById": None}
    }
    assert bare(await api.gql(NODE, {"id": invisible["id"]}, role=role)) == {"data": {"node": None}}
    nodes = await api.data(NODES, {"ids": [invisible["id"], visible["id"]]}, role=role)
    assert nodes["nodes"] == [None, shown]


@pytest.mark.parametrize(
    ("role", "inn", "other_inn"),
    [("DECLARANT", HOLDER_INN, OTHER_INN), ("OTHER_DECLARANT", OTHER_INN, HOLDER_INN)],
)
async def test_a_declarant_lists_only_its_own_licenses(
    registry: Registry, declared: Declared, role: str, inn: str, other_inn: str
) -> None:
    api = registry.api
    mine = declared.own if inn == HOLDER_INN else declared.foreign
    theirs = declared.foreign if inn == HOLDER_INN else declared.own
    edges: list[Document] = []
    after = None
    while True:
        connection = (await api.data(LIST, {"first": 100, "after": after}, role=role))["licenses"]
        edges += connection["edges"]
        if not connection["pageInfo"]["hasNextPage"]:
            assert connection["totalCount"] == len(edges)
            break
        after = connection["pageInfo"]["endCursor"]
    assert {e["node"]["holder"]["inn"] for e in edges} == {inn}
    numbers = {e["node"]["number"] for e in edges}
    assert mine["number"] in numbers
    assert theirs["number"] not in numbers
    # Asking for the other holder's licences gives none; for its own, the same list.
    foreign = (await api.data(LIST, {"filter": {"holderInn": other_inn}, "first": 100}, role=role))[
        "licenses"
    ]
    assert foreign["edges"] == []
    assert foreign["totalCount"] == 0
    own = (await api.data(LIST, {"filter": {"holderInn": inn}, "first": 100}, role=role))[
        "licenses"
    ]
    assert own["totalCount"] == len(edges)
