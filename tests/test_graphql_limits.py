"""Bounded work per GraphQL request (schema/limits.py): every limit a setting, every
refusal a typed error with ``extensions.code`` given before the quadratic validation
rules run, the cost reported on every answer, the time budget, introspection and
suggestions closed to DECLARANT keys, and the code of every kind of GraphQL error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from api.app import create_app
from api.db import CODEC_OPTIONS, Database, make_client
from api.settings import Settings
from schema.root import build_schema
from tests.support.api import Api, LiveApi
from tests.support.declarations import new_license
from tests.support.licenses import REGISTER, license_input
from tests.test_subscriptions import connected, receive, subscribe

Body = dict[str, Any]
GRAPHQL_RESPONSE = "application/graphql-response+json"
MAX_COST = 500_000


def cost(requested: int) -> Body:
    return {"cost": {"requested": requested, "maximum": MAX_COST}}


def refused(code: str, message: str, requested: int = 0) -> Body:
    """The body of a request stopped before execution: no ``data`` entry."""
    return {
        "errors": [{"message": message, "extensions": {"code": code}}],
        "extensions": cost(requested),
    }


async def send(
    http: httpx.AsyncClient,
    key: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    operation_name: str | None = None,
    accept: str | None = None,
) -> httpx.Response:
    payload: Body = {"query": query, "variables": variables}
    if operation_name is not None:
        payload["operationName"] = operation_name
    headers = {"x-api-key": key}
    if accept is not None:
        headers["accept"] = accept
    return await http.post("/graphql", json=payload, headers=headers)


async def ask(api: Api, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Body:
    """Send as ``role`` (default ANALYST); the answer must be 200 JSON."""
    role = kw.pop("role", "ANALYST")
    response = await send(api.http, api.keys[role], query, variables, **kw)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body: Body = response.json()
    return body


async def snapshot(database: Database) -> dict[str, list[Body]]:
    """Every document of every collection."""
    db = database.db
    return {
        name: await db[name].find({}).sort("_id", 1).to_list()
        for name in sorted(await db.list_collection_names())
    }


@asynccontextmanager
async def app_with(
    settings: Settings, database: Database, keys: dict[str, str], **update: Any
) -> AsyncIterator[Api]:
    """The app with some settings changed."""
    app = create_app(settings.model_copy(update=update), database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http=http, keys=keys)


def nested(levels: int) -> str:
    """A query of exactly ``levels`` levels of fields: declaration > coveredBy^n > number."""
    return (
        '{ declaration(number: "none") { '
        + "coveredBy { " * (levels - 2)
        + "number"
        + " }" * (levels - 2)
        + " } }"
    )


# --- depth: the documented 12 is the real maximum ----------------------------------------


async def test_twelve_levels_pass(api: Api) -> None:
    assert await ask(api, nested(12)) == {"data": {"declaration": None}, "extensions": cost(12)}


async def test_thirteen_levels_are_refused(api: Api) -> None:
    message = "the operation nests 13 levels of fields; at most 12 are allowed"
    assert await ask(api, nested(13)) == refused("QUERY_TOO_DEEP", message, 13)


async def test_depth_counts_through_fragments(api: Api) -> None:
    query = (
        'query { ...A } fragment A on Query { declaration(number: "none") { ...B } } '
        "fragment B on Declaration { " + "coveredBy { " * 11 + "number" + " }" * 11 + " }"
    )
    message = "the operation nests 13 levels of fields; at most 12 are allowed"
    assert await ask(api, query) == refused("QUERY_TOO_DEEP", message, 13)


async def test_depth_is_a_setting(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    async with app_with(settings, database, keys, max_query_depth=4) as api:
        assert (await ask(api, nested(4)))["data"] == {"declaration": None}
        message = "the operation nests 5 levels of fields; at most 4 are allowed"
        assert await ask(api, nested(5)) == refused("QUERY_TOO_DEEP", message, 5)


# --- size limits, checked before validation ------------------------------------------------


async def test_a_long_document_is_refused_before_parsing(api: Api) -> None:
    query = "{ __typename }" + " " * 20_000
    assert await ask(api, query) == {
        "errors": [
            {
                "message": "Syntax Error: Source contains more than 20000 code points. "
                "Parsing aborted.",
                "locations": [{"line": 1, "column": 20001}],
                "extensions": {"code": "QUERY_TOO_LONG"},
            }
        ],
        "extensions": cost(0),
    }


async def test_too_many_tokens_comments_included(api: Api) -> None:
    query = "{ __typename }\n" + "#\n" * 5_000
    body = await ask(api, query)
    assert body == {
        "errors": [
            {
                "message": "Syntax Error: Document contains more than 5000 tokens. "
                "Parsing aborted.",
                "locations": [{"line": 4999, "column": 1}],
                "extensions": {"code": "TOO_MANY_TOKENS"},
            }
        ],
        "extensions": cost(0),
    }


async def test_too_many_fields(api: Api) -> None:
    query = "{" + " __typename" * 501 + " }"
    message = "the document selects 501 fields and fragments; at most 500 are allowed"
    assert await ask(api, query) == refused("TOO_MANY_FIELDS", message, 501)


async def test_too_many_directives(api: Api) -> None:
    query = "{ __typename" + " @skip(if: false)" * 51 + " }"
    message = "the document has 51 directives; at most 50 are allowed"
    assert await ask(api, query) == refused("TOO_MANY_DIRECTIVES", message, 1)


async def test_too_many_aliases(api: Api) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    message = "the document has 31 aliases; at most 30 are allowed"
    assert await ask(api, query) == refused("TOO_MANY_ALIASES", message, 31)


async def test_deep_nesting_is_refused_by_the_parser(api: Api) -> None:
    body = await ask(api, "{ a" + " { a" * 400 + " }" * 401)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP"}
    assert error["message"] == "Syntax Error: Document is nested too deeply. Parsing aborted."
    assert "data" not in body


@pytest.mark.parametrize(
    ("shape", "query", "code"),
    [
        # the probes: each took 13-61 s before
        (
            "1,000 repeated fields without aliases (34 KB)",
            "{" + ' license(number: "RU-EX-2027-0001") { number }' * 1_000 + " }",
            "QUERY_TOO_LONG",
        ),
        ("50,000 directives", "{ __typename" + " @a" * 50_000 + " }", "QUERY_TOO_LONG"),
        ("a 100,000-character query", "{" + " __typename" * 9_091 + " }", "QUERY_TOO_LONG"),
        (
            "1,000 fields under the length limit",
            "{" + " __typename" * 1_000 + " }",
            "TOO_MANY_FIELDS",
        ),
        ("2,000 directives", "{ __typename" + " @a" * 2_000 + " }", "TOO_MANY_DIRECTIVES"),
        ("6,000 tokens", "{" + " a" * 6_000 + " }", "TOO_MANY_TOKENS"),
    ],
)
async def test_monster_documents_are_refused_at_once(
    api: Api, shape: str, query: str, code: str
) -> None:
    started = time.perf_counter()
    body = await ask(api, query)
    elapsed = time.perf_counter() - started
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], shape
    assert "data" not in body
    print(f"\n{shape}: refused in {elapsed * 1000:.0f} ms")  # figures, not a timed assertion


async def test_a_refused_document_is_never_cached_as_valid(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    """The same text is refused again, also after the limit changes in another app; and
    the cache of an app holds only documents that passed its limits."""
    query = "{" + " __typename" * 501 + " }"
    async with app_with(settings, database, keys) as api:
        for _ in range(2):
            assert (await ask(api, query))["errors"][0]["extensions"]["code"] == "TOO_MANY_FIELDS"
    async with app_with(settings, database, keys, max_query_fields=600) as api:
        assert await ask(api, query) == {"data": {"__typename": "Query"}, "extensions": cost(501)}
    schema = build_schema()
    assert schema.limits.max_fields == 500


async def test_limits_are_settings(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    async with app_with(
        settings,
        database,
        keys,
        max_query_length=300,
        max_query_tokens=100,
        max_query_fields=10,
        max_query_directives=1,
        max_aliases=1,
    ) as api:
        codes = {
            "{ __typename }" + " " * 300: "QUERY_TOO_LONG",
            "{" + " a" * 101 + " }": "TOO_MANY_TOKENS",
            "{" + " __typename" * 11 + " }": "TOO_MANY_FIELDS",
            "{ __typename @skip(if: false) @skip(if: false) }": "TOO_MANY_DIRECTIVES",
            "{ a: __typename b: __typename }": "TOO_MANY_ALIASES",
        }
        for query, code in codes.items():
            body = await ask(api, query)
            assert body["errors"][0]["extensions"]["code"] == code, query


async def test_a_mutation_over_a_limit_changes_nothing(api: Api, database: Database) -> None:
    before = await snapshot(database)
    aliases = " ".join(f"a{i}: __typename" for i in range(31))
    query = REGISTER.replace("replayed", "replayed " + aliases, 1)
    body = await ask(api, query, {"input": license_input()}, role="INTEGRATOR")
    requested = body["extensions"]["cost"]["requested"]  # reported with the refusal
    assert body == refused(
        "TOO_MANY_ALIASES", "the document has 31 aliases; at most 30 are allowed", requested
    )
    assert await snapshot(database) == before


# --- cost ------------------------------------------------------------------------------------


async def test_cost_is_reported_on_every_answer(api: Api) -> None:
    query = "{ licenses(first: 50) { totalCount edges { node { number lines { lineNo } } } } }"
    body = await ask(api, query)
    assert body["extensions"] == cost(1 + 50 * (1 + 1 + 1 + 1 + (1 + 20 * 1)))
    assert (await ask(api, "{ __typename }"))["extensions"] == cost(1)
    assert (await ask(api, "{"))["extensions"] == cost(0)
    assert (await ask(api, "{ nope }"))["extensions"] == cost(1)
    assert (await ask(api, "{ licenses { nope } }"))["extensions"] == cost(1 + 20 * 1)


async def test_cost_follows_the_page_size_in_variables(api: Api) -> None:
    query = "query($n: Int) { licenses(first: $n) { edges { node { number } } } }"
    assert (await ask(api, query, {"n": 10}))["extensions"] == cost(1 + 10 * 3)
    assert (await ask(api, query, {}))["extensions"] == cost(1 + 20 * 3)  # default page
    # a page over 100 is refused by the field itself; its cost counts at most 100
    body = await ask(api, query, {"n": 1_000})
    assert body["extensions"] == cost(1 + 100 * 3)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


async def test_fragments_are_counted_where_spread(api: Api) -> None:
    query = """{ a: licenses(first: 10) { ...Page } b: licenses(first: 5) { ...Page } }
               fragment Page on LicenseConnection { edges { node { number } } }"""
    assert (await ask(api, query))["extensions"] == cost((1 + 10 * 3) + (1 + 5 * 3))


async def test_a_costly_operation_is_refused(api: Api, database: Database) -> None:
    window = "ledger(first: 100) { totalCount edges { node { seq quantity } } }"
    windows = " ".join(f"l{i}: {window}" for i in range(10))
    query = "{ licenses(first: 100) { edges { node { number " + windows + " } } } }"
    # 1 + 100 * (edges 1 + node 1 + number 1 + 10 ledgers x (1 + 100 * (1 + 1 + 1 + 1 + 1)))
    requested = MAX_COST + 1  # counted up to the first unit over the maximum
    message = (
        f"the operation may cost more than {MAX_COST} (README 'Query cost'); ask for "
        "smaller pages (`first`) or fewer nested lists"
    )
    assert await ask(api, query) == refused("QUERY_TOO_COSTLY", message, requested)
    smaller = query.replace("ledger(first: 100)", "ledger(first: 10)")
    assert (await ask(api, smaller))["extensions"] == cost(1 + 100 * (3 + 10 * (1 + 10 * 5)))


async def test_a_fragment_bomb_costs_linear_time(api: Api) -> None:
    """Fragments spreading fragments twice over 30 levels: 2^30 fields when expanded;
    measured once per fragment, refused as too costly in no time."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30)] + [
        "fragment F30 on Query { licenses(first: 100) { totalCount } }"
    ]
    query = "{ ...F0 } " + " ".join(fragments)
    started = time.perf_counter()
    body = await ask(api, query)  # expanded, 2^30 fields would never finish
    print(f"\nfragment bomb: refused in {(time.perf_counter() - started) * 1000:.0f} ms")
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


# --- operations -------------------------------------------------------------------------------


async def test_several_operations_need_an_operation_name(api: Api) -> None:
    query = "query A { __typename } mutation B { __typename }"
    message = "the document has 2 operations: name the one to run in `operationName`"
    assert await ask(api, query) == refused("OPERATION_NAME_REQUIRED", message)
    assert await ask(api, query, operation_name="A") == {
        "data": {"__typename": "Query"},
        "extensions": cost(1),
    }


async def test_an_unknown_operation_name(api: Api) -> None:
    body = await ask(api, "query A { __typename }", operation_name="C")
    assert body == refused("UNKNOWN_OPERATION", "the document has no operation named 'C'")


async def test_several_mutations_without_a_name_run_none(api: Api, database: Database) -> None:
    before = await snapshot(database)
    query = REGISTER.replace("mutation(", "mutation One(", 1) + REGISTER.replace(
        "mutation(", "mutation Two(", 1
    )
    body = await ask(api, query, {"input": license_input()}, role="INTEGRATOR")
    assert body["errors"][0]["extensions"]["code"] == "OPERATION_NAME_REQUIRED"
    assert await snapshot(database) == before


# --- the time budget ---------------------------------------------------------------------------


async def test_a_query_over_its_time_budget(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    async with app_with(settings, database, keys, operation_timeout_s=0.000_001) as api:
        body = await ask(api, "{ licenses(first: 5) { totalCount } }")
        assert body == {
            "data": None,
            "errors": [
                {
                    "message": "the operation ran longer than 1e-06 s and was stopped; a "
                    "mutation stopped before its commit wrote nothing: resend it with the "
                    "same idempotency key to run it or learn its outcome",
                    "extensions": {"code": "OPERATION_TIMEOUT"},
                }
            ],
            "extensions": cost(1 + 5),
        }


async def test_a_mutation_over_its_time_budget_writes_nothing(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    before = await snapshot(database)
    data = license_input()
    async with app_with(settings, database, keys, operation_timeout_s=0.000_001) as api:
        body = await ask(api, REGISTER, {"input": data}, role="INTEGRATOR")
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["OPERATION_TIMEOUT"]
    await asyncio.sleep(0.2)  # nothing is left running that could still write
    assert await snapshot(database) == before


class Transactions(CommandListener):
    """When the commands of transactions start (monotonic seconds) and how they end."""

    def __init__(self) -> None:
        self.started_at: list[float] = []
        self.commits: list[float] = []
        self.aborts = 0

    def started(self, event: CommandStartedEvent) -> None:
        if event.command.get("startTransaction"):
            self.started_at.append(time.monotonic())
        if event.command_name == "commitTransaction":
            self.commits.append(time.monotonic())
        if event.command_name == "abortTransaction":
            self.aborts += 1

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


async def test_a_mutation_stopped_in_its_transaction_writes_nothing(
    settings: Settings, mongo_uri: str, database: Database, keys: dict[str, str]
) -> None:
    """A registration of 200 lines, timed once, then sent with a budget that ends after
    its transaction began and before it commits: it is cancelled inside the transaction,
    the driver aborts it, nothing is written; the same message sent again within budget
    is a first registration (``replayed: false``)."""
    listener = Transactions()
    client = make_client(mongo_uri, event_listeners=[listener])
    watched = Database(
        client=client,
        db=client.get_database(database.db.name, codec_options=CODEC_OPTIONS),
        uri=mongo_uri,
    )
    template = license_input()["lines"][1]

    def many_lines() -> Body:
        data = license_input()
        data["lines"] = [{**template, "lineNo": n} for n in range(1, 201)]
        return data

    try:
        async with app_with(settings, watched, keys) as api:
            started = time.monotonic()
            probe = await ask(api, REGISTER, {"input": many_lines()}, role="INTEGRATOR")
            assert probe["data"]["registerLicense"]["userErrors"] == []
            assert len(listener.started_at) == 1
            assert len(listener.commits) == 1
            began = listener.started_at[0] - started
            committed = listener.commits[0] - started
        # The moment inside the transaction moves with the machine's load: aim at the
        # middle of it, and move the budget until one send is cut inside it.
        budget = began + (committed - began) / 2
        inside = None
        for _attempt in range(12):
            listener.started_at.clear()
            listener.commits.clear()
            data = many_lines()
            before = await snapshot(database)
            async with app_with(settings, watched, keys, operation_timeout_s=budget) as api:
                body = await ask(api, REGISTER, {"input": data}, role="INTEGRATOR")
            await asyncio.sleep(0.2)
            if "errors" not in body:  # it committed within the budget: cut earlier
                budget /= 1.5
                continue
            assert [e["extensions"]["code"] for e in body["errors"]] == ["OPERATION_TIMEOUT"]
            assert listener.commits == []  # never committed...
            assert await snapshot(database) == before  # ...so nothing changed
            if listener.started_at:  # it was inside its transaction
                inside = data
                break
            budget *= 1.5  # cut before its transaction began: cut later
        assert inside is not None, "no send was cut inside its transaction"
        async with app_with(settings, watched, keys) as api:
            again = await ask(api, REGISTER, {"input": inside}, role="INTEGRATOR")
        assert again["data"]["registerLicense"]["replayed"] is False
        assert again["data"]["registerLicense"]["userErrors"] == []
    finally:
        await client.close()


# --- introspection and suggestions: closed to DECLARANT keys -----------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { queryType { name } } }",
        '{ __type(name: "License") { name } }',
        "query { ...F } fragment F on Query { __schema { types { name } } }",
    ],
)
async def test_declarants_cannot_introspect(api: Api, query: str) -> None:
    message = (
        "introspection (__schema, __type) is not available to DECLARANT keys; the schema is "
        "published as schema.graphql"
    )
    body = await ask(api, query, role="DECLARANT")
    assert body == refused(
        "INTROSPECTION_DISABLED", message, body["extensions"]["cost"]["requested"]
    )
    for role in ("ANALYST", "OFFICER", "INTEGRATOR"):
        assert "errors" not in await ask(api, query, role=role)


async def test_declarants_may_ask_for_typename(api: Api) -> None:
    assert await ask(api, "{ __typename }", role="DECLARANT") == {
        "data": {"__typename": "Query"},
        "extensions": cost(1),
    }


async def test_declarant_introspection_is_a_setting(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    async with app_with(settings, database, keys, declarant_introspection=True) as api:
        body = await ask(api, '{ __type(name: "License") { name } }', role="DECLARANT")
        assert body["data"] == {"__type": {"name": "License"}}
        body = await ask(api, "{ licenses { totlCount } }", role="DECLARANT")
        assert "Did you mean 'totalCount'?" in body["errors"][0]["message"]


async def test_graphiql_introspection_passes_for_other_roles(api: Api) -> None:
    """The introspection query of GraphiQL (15 levels of ofType) is within the limits."""
    from graphql import get_introspection_query

    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    body = await ask(api, query, role="ANALYST")
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_deep_introspection_is_refused(api: Api) -> None:
    """graphql-core's MaxIntrospectionDepthRule: no type's fields' types' fields' ..."""
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    assert await ask(api, query, role="ANALYST") == {
        "errors": [
            {
                "message": "Maximum introspection depth exceeded",
                "locations": [{"line": 1, "column": 3}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
        "extensions": cost(8),
    }


async def test_no_suggestions_for_declarants(api: Api) -> None:
    query = "{ licenses { totlCount } }"
    analyst = await ask(api, query, role="ANALYST")
    declarant = await ask(api, query, role="DECLARANT")
    message = "Cannot query field 'totlCount' on type 'LicenseConnection'."
    assert analyst["errors"][0]["message"] == f"{message} Did you mean 'totalCount'?"
    assert declarant == {
        "errors": [
            {
                "message": message,
                "locations": [{"line": 1, "column": 14}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
        "extensions": cost(1 + 20 * 1),
    }


async def test_no_suggestions_in_variable_errors_for_declarants(api: Api) -> None:
    query = "query($d: Direction) { licenses(filter: {direction: $d}) { totalCount } }"
    analyst = await ask(api, query, {"d": "EXPORTT"}, role="ANALYST")
    declarant = await ask(api, query, {"d": "EXPORTT"}, role="DECLARANT")
    message = "Variable '$d' has invalid value: Value 'EXPORTT' does not exist in "
    assert analyst["errors"][0]["message"] == (
        message + "'Direction' enum. Did you mean the enum value 'EXPORT' or 'IMPORT'?"
    )
    assert declarant == {
        "errors": [
            {
                "message": message + "'Direction' enum.",
                "locations": [{"line": 1, "column": 7}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        "extensions": cost(1 + 20 * 1),
    }


# --- every error has a code -------------------------------------------------------------------


async def test_a_syntax_error(api: Api) -> None:
    assert await ask(api, "{ licenses { ") == {
        "errors": [
            {
                "message": "Syntax Error: Expected Name, found <EOF>.",
                "locations": [{"line": 1, "column": 14}],
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ],
        "extensions": cost(0),
    }


async def test_a_validation_error(api: Api) -> None:
    assert await ask(api, "{ licenses { nope } }") == {
        "errors": [
            {
                "message": "Cannot query field 'nope' on type 'LicenseConnection'.",
                "locations": [{"line": 1, "column": 14}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
        "extensions": cost(1 + 20 * 1),
    }


async def test_a_missing_variable(api: Api) -> None:
    query = "query($n: String!) { license(number: $n) { number } }"
    assert await ask(api, query, {}) == {
        "errors": [
            {
                "message": "Variable '$n' has invalid value: Expected a value of non-null "
                "type 'String!' to be provided.",
                "locations": [{"line": 1, "column": 7}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        "extensions": cost(2),
    }


async def test_a_malformed_date_variable(api: Api, database: Database) -> None:
    before = await snapshot(database)
    data = license_input(validFrom="2027-02-30")
    body = await ask(api, REGISTER, {"input": data}, role="INTEGRATOR")
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID_SCALAR"}
    assert "2027-02-30" in error["message"]
    assert await snapshot(database) == before


async def test_a_malformed_date_literal(api: Api) -> None:
    body = await ask(api, '{ licenses(filter: {validOn: "2027-13-01"}) { totalCount } }')
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID_SCALAR"}


async def test_forbidden_keeps_its_code_and_data(api: Api) -> None:
    body = await ask(api, REGISTER, {"input": license_input()}, role="ANALYST")
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["registerLicense"]


async def test_a_license_read_still_works(api: Api) -> None:
    number = await new_license(api)
    query = "query($n: String!) { license(number: $n) { number lines { lineNo } } }"
    body = await ask(api, query, {"n": number}, role="OFFICER")
    assert body == {
        "data": {"license": {"number": number, "lines": [{"lineNo": 1}, {"lineNo": 2}]}},
        "extensions": cost(1 + 1 + (1 + 20)),
    }


# --- subscriptions: the same limits and codes over the WebSocket -------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("subscription {", "GRAPHQL_PARSE_FAILED"),
        (
            'subscription { licenseBalances(number: "X") { number }' + " " * 20_000 + "}",
            "QUERY_TOO_LONG",
        ),
        ('subscription { licenseBalances(number: "X") { nope } }', "GRAPHQL_VALIDATION_FAILED"),
        (
            'subscription { licenseBalances(number: "X") { '
            + " ".join(f"a{i}: number" for i in range(31))
            + " } }",
            "TOO_MANY_ALIASES",
        ),
    ],
)
async def test_subscriptions_get_the_same_refusals(
    live_api: LiveApi, query: str, code: str
) -> None:
    async with connected(live_api, {"X-API-Key": live_api.keys["ANALYST"]}) as ws:
        op_id = await subscribe(ws, query, {})
        message = await receive(ws)
    assert message["type"] == "error"
    assert message["id"] == op_id
    assert [e["extensions"]["code"] for e in message["payload"]] == [code]
