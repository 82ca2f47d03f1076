"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/).

The npm package ``graphql-http`` 1.23.1 audits a live server (tests/graphql_http_audit.mjs):
61 checks, every one must be ``ok``.  The cases below pin the answers the audit only
samples: status, media type and body of each kind of failure, for both media types.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.db import Database
from tests.support.api import Api, LiveApi
from tests.support.licenses import REGISTER, license_input
from tests.test_graphql_limits import cost, snapshot

AUDIT_SCRIPT = Path(__file__).with_name("graphql_http_audit.mjs")
GRAPHQL_HTTP = "graphql-http@1.23.1"
GRAPHQL_RESPONSE = "application/graphql-response+json"


# --- the audit --------------------------------------------------------------------------


async def run(*command: str) -> str:
    """Run a command without blocking the loop (the live server shares it)."""
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(300):
        stdout, stderr = await process.communicate()
    assert process.returncode == 0, f"{command} failed:\n{stderr.decode()}\n{stdout.decode()}"
    return stdout.decode()


@pytest.fixture(scope="session")
async def graphql_http(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """graphql-http installed into a temporary folder (npm fetches it once per run)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the graphql-http audit and are not installed")
    folder = tmp_path_factory.mktemp("graphql-http")
    await run(
        "npm",
        "install",
        "--prefix",
        str(folder),
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        GRAPHQL_HTTP,
    )
    return folder


async def test_graphql_http_audit_passes_every_check(live_api: LiveApi, graphql_http: Path) -> None:
    output = await run(
        "node",
        str(AUDIT_SCRIPT),
        str(graphql_http),
        f"{live_api.base_url}/graphql",
        live_api.keys["ANALYST"],
    )
    results: list[dict[str, Any]] = json.loads(output)
    failed = [
        (r["id"], r["name"], r["status"], r.get("reason")) for r in results if r["status"] != "ok"
    ]
    assert failed == []
    assert len(results) == 61


# --- the answers, media type by media type ------------------------------------------------

JSON = "application/json; charset=utf-8"
GRAPHQL_JSON = f"{GRAPHQL_RESPONSE}; charset=utf-8"


async def post(
    api: Api,
    body: dict[str, Any],
    accept: str | None,
    role: str = "ANALYST",
) -> httpx.Response:
    headers = {"x-api-key": api.keys[role]}
    if accept is not None:
        headers["accept"] = accept
    return await api.http.post("/graphql", json=body, headers=headers)


PARSE_FAILURE = {
    "errors": [
        {
            "message": "Syntax Error: Expected Name, found <EOF>.",
            "locations": [{"line": 1, "column": 2}],
            "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
        }
    ],
    "extensions": cost(0),
}
VALIDATION_FAILURE = {
    "errors": [
        {
            "message": "Cannot query field 'nope' on type 'Query'. Did you mean 'node' or 'nodes'?",
            "locations": [{"line": 1, "column": 3}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }
    ],
    "extensions": cost(1),
}
COERCION_FAILURE = {
    "errors": [
        {
            "message": "Variable '$n' has invalid value: Expected value of non-null type "
            "'String!' not to be None.",
            "locations": [{"line": 1, "column": 7}],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ],
    "extensions": cost(1 + 1),
}
REQUEST_ERRORS = [
    ({"query": "{"}, PARSE_FAILURE),
    ({"query": "{ nope }"}, VALIDATION_FAILURE),
    (
        {
            "query": "query($n: String!) { license(number: $n) { number } }",
            "variables": {"n": None},
        },
        COERCION_FAILURE,
    ),
]


@pytest.mark.parametrize(("request_body", "answer"), REQUEST_ERRORS)
async def test_request_errors_are_400_without_data_in_graphql_response_json(
    api: Api, request_body: dict[str, Any], answer: dict[str, Any]
) -> None:
    response = await post(api, request_body, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_JSON
    assert response.json() == answer


@pytest.mark.parametrize("accept", ["application/json", None, "*/*"])
@pytest.mark.parametrize(("request_body", "answer"), REQUEST_ERRORS)
async def test_request_errors_are_200_without_data_in_json(
    api: Api, request_body: dict[str, Any], answer: dict[str, Any], accept: str | None
) -> None:
    response = await post(api, request_body, accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == answer


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_JSON),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_JSON),
        ("application/json", JSON),
        (None, JSON),
    ],
)
async def test_a_success_in_the_accepted_media_type(
    api: Api, accept: str | None, media_type: str
) -> None:
    response = await post(api, {"query": "{ __typename }"}, accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json() == {"data": {"__typename": "Query"}, "extensions": cost(1)}


async def test_a_field_error_keeps_200_and_its_data(api: Api, database: Database) -> None:
    """An error while executing is no request error: 200 with ``data`` (here null)."""
    before = await snapshot(database)
    response = await post(
        api, {"query": REGISTER, "variables": {"input": license_input()}}, GRAPHQL_RESPONSE
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_JSON
    body = response.json()
    assert body["data"] is None
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [
        ("FORBIDDEN", ["registerLicense"])
    ]
    assert await snapshot(database) == before


async def test_a_refused_mutation_is_400_and_changes_nothing(api: Api, database: Database) -> None:
    before = await snapshot(database)
    query = REGISTER.replace("replayed", "replayed nope", 1)
    response = await post(
        api,
        {"query": query, "variables": {"input": license_input()}},
        GRAPHQL_RESPONSE,
        "INTEGRATOR",
    )
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert await snapshot(database) == before


async def test_a_mutation_with_bad_variables_is_400_and_changes_nothing(
    api: Api, database: Database
) -> None:
    before = await snapshot(database)
    data = license_input()
    data["lines"][0]["quantityLimit"] = 5  # a JSON number: refused by the Decimal scalar
    response = await post(
        api, {"query": REGISTER, "variables": {"input": data}}, GRAPHQL_RESPONSE, "INTEGRATOR"
    )
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_SCALAR"]
    assert await snapshot(database) == before


async def test_several_operations_without_a_name_is_400(api: Api) -> None:
    response = await post(
        api, {"query": "query A { __typename } query B { __typename }"}, GRAPHQL_RESPONSE
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "the document has 2 operations: name the one to run in `operationName`",
                "extensions": {"code": "OPERATION_NAME_REQUIRED"},
            }
        ],
        "extensions": cost(0),
    }


async def test_an_unknown_operation_name_is_400(api: Api) -> None:
    response = await post(
        api, {"query": "query A { __typename }", "operationName": "B"}, GRAPHQL_RESPONSE
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_JSON
    assert response.json() == {
        "errors": [
            {
                "message": "the document has no operation named 'B'",
                "extensions": {"code": "UNKNOWN_OPERATION"},
            }
        ],
        "extensions": cost(0),
    }


async def test_a_subscription_over_http_is_refused(api: Api) -> None:
    query = 'subscription { licenseBalances(number: "X") { number } }'
    response = await post(api, {"query": query}, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_JSON
    assert response.json() == {
        "errors": [
            {
                "message": "a subscription cannot be sent over HTTP: subscribe over the "
                "WebSocket at /graphql (graphql-transport-ws)",
                "extensions": {"code": "OPERATION_NOT_ALLOWED"},
            }
        ]
    }


async def test_an_internal_error_is_masked_with_a_code() -> None:
    """What reaches the client of an unexpected exception: the masked message and
    INTERNAL_SERVER_ERROR, the path kept (schema.errors.public_error)."""
    from graphql import GraphQLError

    from schema.errors import public_error

    error = public_error(GraphQLError("boom", path=["license"], original_error=KeyError("pw")))
    assert error.formatted == {
        "message": "Unexpected error.",
        "path": ["license"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }
    non_null = public_error(GraphQLError("Cannot return null for non-nullable field", path=["a"]))
    assert non_null.formatted["message"] == "Unexpected error."
    assert non_null.formatted["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}


# --- GET: queries only ---------------------------------------------------------------------


async def test_a_query_by_get(api: Api) -> None:
    response = await api.http.get(
        "/graphql",
        params={
            "query": "query($n: String!) { __type(name: $n) { name } }",
            "variables": json.dumps({"n": "License"}),
        },
        headers={"x-api-key": api.keys["ANALYST"], "accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_JSON
    assert response.json() == {"data": {"__type": {"name": "License"}}, "extensions": cost(2)}


async def test_a_mutation_by_get_is_405(api: Api, database: Database) -> None:
    before = await snapshot(database)
    response = await api.http.get(
        "/graphql",
        params={"query": REGISTER, "variables": json.dumps({"input": license_input()})},
        headers={"x-api-key": api.keys["INTEGRATOR"], "accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] in (
        "OPERATION_NOT_ALLOWED",
        "METHOD_NOT_ALLOWED",
    )
    assert await snapshot(database) == before
