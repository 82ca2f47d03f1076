"""The HTTP edge (api/edge.py, ``RequestMiddleware``): what a request must be before
GraphQL sees it.  Every refusal is a JSON body ``{"errors": [{message, extensions.code}]}``
with an exact status and code, and changes nothing in the database."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from api.app import AppState, RequestMiddleware, create_app
from api.clock import FixedClock
from api.db import Database
from api.edge import API_CSP, GRAPHIQL_CSP, RateLimiter, nested_deeper_than
from api.logs import MAX_FIELD_CHARS, JsonFormatter, TextFormatter
from api.settings import Settings
from tests.support.api import START, Api, LiveApi
from tests.support.licenses import REGISTER, license_input

TYPENAME = {"query": "{ __typename }"}
JSON = "application/json; charset=utf-8"
GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"


async def counts(database: Database) -> dict[str, int]:
    """The number of documents of every collection."""
    names = await database.db.list_collection_names()
    return {
        name: await database.db[name].count_documents({})
        for name in sorted(names)
        if not name.startswith("system.")
    }


def refusal(response: httpx.Response, status: int, code: str) -> str:
    """Assert an edge refusal: the status, a JSON body with exactly one error of ``code``
    and no data entry, the edge headers; return the message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert set(body) == {"errors"}
    [error] = body["errors"]
    assert error["extensions"] == {"code": code}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    message: str = error["message"]
    return message


def assert_answered(response: httpx.Response) -> None:
    """GraphQL ran the request: 200, ``{ __typename }`` answered, no error."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body
    assert body["data"] == {"__typename": "Query"}


def key(api: Api, role: str = "INTEGRATOR") -> dict[str, str]:
    return {"x-api-key": api.keys[role]}


async def post_raw(api: Api, body: bytes, **headers: str) -> httpx.Response:
    sent = {"content-type": "application/json", **key(api), **headers}
    return await api.http.post("/graphql", content=body, headers=sent)


def mutation_body(**overrides: Any) -> bytes:
    """A registerLicense request as JSON text with ASCII escapes (so that lone surrogates
    can be sent as ``\\ud800``), ``overrides`` replacing top-level members."""
    body: dict[str, Any] = {"query": REGISTER, "variables": {"input": license_input()}}
    body.update(overrides)
    return json.dumps(body).encode()


@pytest.fixture
async def before(database: Database) -> AsyncIterator[dict[str, int]]:
    """The collection counts before the test; the test ends asserting they are unchanged."""
    counted = await counts(database)
    yield counted
    assert await counts(database) == counted


def app_with(settings: Settings, database: Database, **changes: Any) -> httpx.AsyncClient:
    app = create_app(settings.model_copy(update=changes), database=database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


# --- body size ----------------------------------------------------------------------------


async def test_body_over_the_limit_gets_413(api: Api, before: dict[str, int]) -> None:
    body = mutation_body()
    body = body[:-1] + b" " * (1_048_577 - len(body)) + b"}"  # valid JSON, 1 MiB + 1
    message = refusal(await post_raw(api, body), 413, "REQUEST_TOO_LARGE")
    assert message == "the request body is larger than 1048576 bytes (CUSTOMS_MAX_BODY_BYTES)"


async def test_body_at_the_limit_passes_the_edge(
    settings: Settings, database: Database, keys: dict[str, str], before: dict[str, int]
) -> None:
    query = b'{"query": "{ __typename }"}'
    padded = query[:-1] + b" " * (2048 - len(query)) + b"}"
    async with app_with(settings, database, max_body_bytes=2048) as http:
        headers = {"x-api-key": keys["ANALYST"], "content-type": "application/json"}
        response = await http.post("/graphql", content=padded, headers=headers)
        assert response.status_code == 200
        assert_answered(response)
        response = await http.post("/graphql", content=padded + b" ", headers=headers)
    refusal(response, 413, "REQUEST_TOO_LARGE")


async def asgi_post(
    app: Callable[[Scope, Receive, Send], Awaitable[None]],
    headers: dict[str, str],
    chunk: bytes,
    chunks: int,
) -> tuple[int, dict[str, str], dict[str, Any], int]:
    """POST /graphql straight to the ASGI app, the body as ``chunks`` pieces of ``chunk``;
    returns status, headers, JSON body, and how many pieces the app pulled."""
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        if pulled > chunks:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunk, "more_body": pulled < chunks}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, json.loads(body), pulled


async def test_streamed_body_is_refused_as_soon_as_it_passes_the_limit(
    settings: Settings, database: Database, keys: dict[str, str], before: dict[str, int]
) -> None:
    """No Content-Length: the bytes are counted as they arrive; the 413 comes after the
    chunk that passes 1 MiB, not after the 10 MB the client would send."""
    app = create_app(settings, database=database)
    headers = {"x-api-key": keys["ANALYST"], "content-type": "application/json"}
    status, _, body, pulled = await asgi_post(app, headers, b" " * 65_536, chunks=160)
    assert status == 413
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert pulled == 17  # 16 x 64 KiB = 1 MiB is allowed; the 17th chunk passes it


async def test_declared_length_over_the_limit_is_refused_before_reading(
    settings: Settings, database: Database, before: dict[str, int]
) -> None:
    app = create_app(settings, database=database)
    headers = {"content-length": "10485760", "content-type": "application/json"}
    status, response_headers, body, pulled = await asgi_post(app, headers, b" ", chunks=10)
    assert (status, pulled) == (413, 0)
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert response_headers["content-type"] == JSON


async def test_live_server_answers_413_to_large_and_streamed_bodies(
    live_api: LiveApi, before: dict[str, int]
) -> None:
    async def stream() -> AsyncIterator[bytes]:
        for _ in range(48):  # 3 MiB, chunked: no Content-Length
            yield b" " * 65_536

    headers = {"x-api-key": live_api.keys["ANALYST"], "content-type": "application/json"}
    async with httpx.AsyncClient(base_url=live_api.base_url, timeout=30) as http:
        declared = await http.post("/graphql", content=b" " * 2_500_000, headers=headers)
        streamed = await http.post("/graphql", content=stream(), headers=headers)
        after = await http.post("/graphql", json=TYPENAME, headers=headers)
    for response in (declared, streamed):
        refusal(response, 413, "REQUEST_TOO_LARGE")
    assert_answered(after)


# --- malformed requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"", "BAD_REQUEST", "the request has no body; send a JSON object"),
        (
            b'{ "not a JSON',
            "INVALID_JSON",
            "the request body is not JSON: Unterminated string starting at: "
            "line 1 column 3 (char 2)",
        ),
        (
            b"query { __typename }",
            "INVALID_JSON",
            "the request body is not JSON: Expecting value: line 1 column 1 (char 0)",
        ),
        (
            b'[{"query": "{ __typename }"}]',
            "BAD_REQUEST",
            "send one GraphQL request as a JSON object "
            '{"query", "operationName", "variables"} (batches are not supported)',
        ),
        (
            b'{"qeury": "{ __typename }"}',
            "BAD_REQUEST",
            "the request has no GraphQL document: send it as the string parameter `query`",
        ),
        (
            b'{"query": {"obj": "ect"}}',
            "BAD_REQUEST",
            "the request has no GraphQL document: send it as the string parameter `query`",
        ),
        (b'{"query": "  "}', "BAD_REQUEST", "the GraphQL document `query` is empty"),
        (
            b'{"query": "{ __typename }", "operationName": 0}',
            "BAD_REQUEST",
            "`operationName` must be a string or null",
        ),
        (
            b'{"query": "{ __typename }", "variables": "string"}',
            "BAD_REQUEST",
            "`variables` must be an object or null",
        ),
        (
            b'{"query": "{ __typename }", "variables": ["array"]}',
            "BAD_REQUEST",
            "`variables` must be an object or null",
        ),
        (
            b'{"query": "{ __typename }", "extensions": false}',
            "BAD_REQUEST",
            "`extensions` must be an object or null",
        ),
        (
            b'\xef\xbb\xbf{"query": "{ __typename }"}',
            "INVALID_JSON",
            "the request body is not JSON: Unexpected UTF-8 BOM (decode using utf-8-sig): "
            "line 1 column 1 (char 0)",
        ),
    ],
)
async def test_malformed_body_gets_400_json(
    api: Api, before: dict[str, int], body: bytes, code: str, message: str
) -> None:
    assert refusal(await post_raw(api, body), 400, code) == message


async def test_refusal_answers_in_the_media_type_asked_for(
    api: Api, before: dict[str, int]
) -> None:
    response = await post_raw(api, b"{", accept="application/graphql-response+json")
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json()["errors"][0]["extensions"] == {"code": "INVALID_JSON"}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
async def test_only_post_and_get_are_served_at_graphql(
    api: Api, before: dict[str, int], method: str
) -> None:
    response = await api.http.request(
        method, "/graphql", params={"query": "{ __typename }"}, headers=key(api)
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    if method == "HEAD":
        return  # no body
    message = refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert message == (
        f"{method} is not supported: this API takes GraphQL requests by POST as a JSON body "
        "(Content-Type: application/json), or queries by GET with URL parameters; "
        "subscriptions use a WebSocket"
    )


async def test_get_is_refused_when_the_setting_is_off(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    async with app_with(settings, database, graphql_get=False) as http:
        response = await http.get(
            "/graphql", params=TYPENAME, headers={"x-api-key": keys["ANALYST"]}
        )
    message = refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert message == (
        "GET is not supported: this API takes GraphQL requests by POST only, as a JSON body "
        "(Content-Type: application/json); subscriptions use a WebSocket"
    )
    assert response.headers["allow"] == "POST"


async def test_get_answers_a_query(api: Api) -> None:
    params = {
        "query": "query Q($n: String!) { license(number: $n) { number } __typename }",
        "variables": '{"n": "NO-SUCH"}',
        "operationName": "Q",
    }
    response = await api.http.get("/graphql", params=params, headers=key(api, "ANALYST"))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"license": None, "__typename": "Query"}


async def test_get_with_a_mutation_runs_nothing(api: Api, before: dict[str, int]) -> None:
    query = "mutation($input: RegisterLicenseInput!) { registerLicense(input: $input) "
    query += "{ replayed } }"
    variables = json.dumps({"input": license_input()})
    response = await api.http.get(
        "/graphql", params={"query": query, "variables": variables}, headers=key(api)
    )
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"] == {"code": "OPERATION_NOT_ALLOWED"}
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"query": "{ __typename }", "variables": '{"v": %s}' % ("[" * 10_000 + "]" * 10_000)},
            "INVALID_JSON",
            "the `variables` parameter nests JSON deeper than 64 levels",
        ),
        (
            {"query": "{ __typename }", "variables": "{nope"},
            "INVALID_JSON",
            "the `variables` parameter is not JSON: Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1)",
        ),
        (
            {"query": "{ __typename }", "variables": '{"a": {"b": "\\ud800"}}'},
            "INVALID_TEXT",
            "variables.a.b holds text that cannot be encoded as UTF-8 (a lone surrogate)",
        ),
        (
            {"query": "{ __typename }", "extensions": "[1]"},
            "BAD_REQUEST",
            "`extensions` must be an object or null",
        ),
        (
            {"variables": "{}"},
            "BAD_REQUEST",
            "the request has no GraphQL document: send it as the string parameter `query`",
        ),
        ({"query": ""}, "BAD_REQUEST", "the GraphQL document `query` is empty"),
    ],
)
async def test_malformed_get_parameters_get_400_json(
    api: Api, before: dict[str, int], params: dict[str, str], code: str, message: str
) -> None:
    response = await api.http.get("/graphql", params=params, headers=key(api))
    assert refusal(response, 400, code) == message


async def test_get_parameters_that_are_not_utf8_get_400(api: Api) -> None:
    response = await api.http.get(
        "/graphql?query=%7B%20__typename%20%7D%20%23%ff", headers=key(api)
    )
    message = refusal(response, 400, "INVALID_TEXT")
    assert message == "the URL parameters are not valid UTF-8 once decoded"
    surrogate = await api.http.get(
        "/graphql?query=%7B%20__typename%20%7D%20%23%ed%a0%80", headers=key(api)
    )
    refusal(surrogate, 400, "INVALID_TEXT")


async def test_get_parameters_over_the_limit_get_414(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    async with app_with(settings, database, max_body_bytes=2048) as http:
        query = "{ __typename } #" + "x" * 2048
        response = await http.get(
            "/graphql", params={"query": query}, headers={"x-api-key": keys["ANALYST"]}
        )
    message = refusal(response, 414, "URI_TOO_LONG")
    assert message == (
        "the URL parameters are longer than 2048 bytes (CUSTOMS_MAX_BODY_BYTES); "
        "send the request by POST"
    )


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "send the request with Content-Type: application/json"),
        (
            {"content-type": "text/plain;charset=UTF-8"},
            "Content-Type 'text/plain' is not supported; send application/json",
        ),
        (
            {"content-type": "application/x-www-form-urlencoded"},
            "Content-Type 'application/x-www-form-urlencoded' is not supported; "
            "send application/json",
        ),
        (
            {"content-type": "application/json; charset=utf-16"},
            "the request body must be UTF-8 (charset=utf-8)",
        ),
        (
            {"content-type": "application/json", "content-encoding": "gzip"},
            "Content-Encoding 'gzip' is not supported; send the body uncompressed",
        ),
    ],
)
async def test_other_media_types_get_415(
    api: Api, before: dict[str, int], headers: dict[str, str], message: str
) -> None:
    response = await api.http.post(
        "/graphql", content=mutation_body(), headers={**key(api), **headers}
    )
    assert refusal(response, 415, "UNSUPPORTED_MEDIA_TYPE") == message


async def test_utf8_charset_and_any_case_are_accepted(api: Api) -> None:
    for content_type in ("application/json; charset=utf-8", "Application/JSON;charset=UTF8"):
        response = await post_raw(
            api, json.dumps(TYPENAME).encode(), **{"content-type": content_type}
        )
        assert_answered(response)


# --- deep JSON ------------------------------------------------------------------------------


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


async def test_json_nested_10000_levels_gets_400_not_500(api: Api, before: dict[str, int]) -> None:
    body = '{"query": "{ __typename }", "variables": {"input": %s}}' % nested(10_000)
    message = refusal(await post_raw(api, body.encode()), 400, "INVALID_JSON")
    assert message == "the request body nests JSON deeper than 64 levels"
    unbalanced = '{"query": "{ __typename }", "variables": {"input": %s' % ("[" * 10_000)
    refusal(await post_raw(api, unbalanced.encode()), 400, "INVALID_JSON")


async def test_json_depth_limit_is_exact(api: Api, before: dict[str, int]) -> None:
    """The request object is level 1, ``variables`` level 2: 62 lists inside make 64."""
    template = '{"query": "{ __typename }", "variables": {"deep": %s}}'
    ok = await post_raw(api, (template % nested(62)).encode())
    assert_answered(ok)
    refusal(await post_raw(api, (template % nested(63)).encode()), 400, "INVALID_JSON")


async def test_brackets_inside_strings_do_not_count_as_depth(api: Api) -> None:
    text = "[" * 500 + '\\"{' * 100
    body = json.dumps({"query": "{ __typename } # " + text, "variables": {"s": text}})
    response = await post_raw(api, body.encode())
    assert_answered(response)


def test_depth_measure() -> None:
    assert not nested_deeper_than(b"[]", 1)
    assert nested_deeper_than(b"[[]]", 1)
    assert not nested_deeper_than(b'{"a": [{"b": [1, 2]}, {"c": "[[[["}]}', 4)
    assert nested_deeper_than(b'{"a": [{"b": [[1], 2]}, {"c": "]]"}]}', 4)
    wide = b"[" + b"[[[]]]," * 10_000 + b"[]]"
    assert not nested_deeper_than(wide, 4)
    assert nested_deeper_than(wide, 3)
    mixed = b"{[" * 40 + b"]}" * 40  # 80 levels of alternating objects and arrays
    assert nested_deeper_than(mixed, 79)
    assert not nested_deeper_than(mixed, 80)


# --- text that UTF-8 cannot encode ----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"query": REGISTER + " # \ud800"}, "query"),
        ({"operationName": "Op\udfff"}, "operationName"),
        (
            {"variables": {"input": license_input(holder={"inn": "7707083893", "name": "\ud800"})}},
            "variables.input.holder.name",
        ),
        (
            {"variables": {"input": {**license_input(), "lines": [{"name": "x\udc00y"}]}}},
            "variables.input.lines[0].name",
        ),
        ({"variables": {"input\ud800": 1}}, "a key in variables"),
        ({"extensions": {"trace": ["ok", "\ud801"]}}, "extensions.trace[1]"),
    ],
)
async def test_lone_surrogates_get_400_saying_where(
    api: Api, before: dict[str, int], overrides: dict[str, Any], where: str
) -> None:
    message = refusal(await post_raw(api, mutation_body(**overrides)), 400, "INVALID_TEXT")
    assert message == f"{where} holds text that cannot be encoded as UTF-8 (a lone surrogate)"


async def test_surrogate_pairs_and_escaped_backslashes_are_text(api: Api) -> None:
    """An escaped pair is one character (😀); ``\\\\ud800`` is a backslash and letters."""
    body = b'{"query": "{ __typename } # \\ud83d\\ude00 \\\\ud800"}'
    response = await post_raw(api, body)
    assert_answered(response)


async def test_invalid_utf8_bytes_get_400(api: Api, before: dict[str, int]) -> None:
    body = b'{"query": "{ __typename } # \xff\xfe"}'
    message = refusal(await post_raw(api, body), 400, "INVALID_TEXT")
    assert message == "the request body is not valid UTF-8 (at byte 28)"


# --- request ids ------------------------------------------------------------------------------


async def test_valid_request_ids_are_kept(api: Api) -> None:
    for presented in ("abc-123", "A.b_c-9", "x" * 64):
        response = await api.http.get("/healthz", headers={"x-request-id": presented})
        assert response.headers["x-request-id"] == presented


@pytest.mark.parametrize(
    "presented",
    [
        b"",
        b"x" * 65,
        b"two words",
        b"<script>alert(1)</script>",
        b"caf\xc3\xa9",
        b"id%0d%0aSet-Cookie:x=1",
        b"{}\x7f",
    ],
)
async def test_invalid_request_ids_are_replaced_and_never_logged(
    api: Api, caplog: pytest.LogCaptureFixture, presented: bytes
) -> None:
    caplog.set_level(logging.INFO, logger="api.app")
    headers = [(b"x-api-key", api.keys["INTEGRATOR"].encode()), (b"x-request-id", presented)]
    response = await api.http.post("/graphql", json=TYPENAME, headers=headers)
    assert response.status_code == 200
    replaced = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    [line] = [r for r in caplog.records if r.getMessage() == "request"]
    assert line.__dict__["requestIdReplaced"] is True
    if presented:
        text = presented.decode("latin-1")
        logged = json.dumps([r.__dict__ for r in caplog.records], default=str)
        assert text not in logged
        assert json.dumps(text)[1:-1] not in logged


# --- security headers --------------------------------------------------------------------------


async def test_graphiql_page_has_the_security_headers(api: Api) -> None:
    page = await api.http.get("/graphiql/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == GRAPHIQL_CSP
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    asset = re.search(r'src="(/graphiql/assets/[^"]+\.js)"', page.text)
    assert asset is not None
    script = await api.http.get(asset.group(1))
    assert script.status_code == 200
    # the page's workers are scripts from here: they get the page's policy
    assert script.headers["content-security-policy"] == GRAPHIQL_CSP
    assert script.headers["x-content-type-options"] == "nosniff"
    redirect = await api.http.get("/graphiql")
    assert redirect.status_code == 307
    assert redirect.headers["x-frame-options"] == "DENY"


def test_graphiql_policy() -> None:
    assert GRAPHIQL_CSP == (
        "default-src 'self'; script-src 'self'; worker-src 'self'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    assert "unsafe-eval" not in GRAPHIQL_CSP


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/healthz", 200), ("GET", "/readyz", 200), ("POST", "/graphql", 200)],
)
async def test_every_response_has_nosniff(api: Api, method: str, path: str, status: int) -> None:
    response = await api.http.request(method, path, json=TYPENAME, headers=key(api))
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == API_CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_unknown_paths_and_methods_get_json_errors(api: Api) -> None:
    missing = await api.http.get("/nope")
    assert refusal(missing, 404, "NOT_FOUND") == "Not Found"
    wrong = await api.http.post("/healthz")
    assert refusal(wrong, 405, "METHOD_NOT_ALLOWED") == "Method Not Allowed"
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD"}
    asset = await api.http.get("/graphiql/assets/nope.js")
    assert refusal(asset, 404, "NOT_FOUND") == "Not Found"


async def test_unexpected_error_is_a_json_500(settings: Settings) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    middleware = RequestMiddleware(broken, AppState(settings=settings, clock=FixedClock(START)))
    transport = httpx.ASGITransport(app=middleware)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/healthz")
    assert refusal(response, 500, "INTERNAL_SERVER_ERROR") == "Unexpected error."


# --- rate limit ---------------------------------------------------------------------------------


async def test_rate_limit_per_key_answers_429_with_retry_after(
    settings: Settings, database: Database, keys: dict[str, str], before: dict[str, int]
) -> None:
    async with app_with(settings, database, rate_limit_per_minute=3) as http:
        for _ in range(5):  # no key: 401, never counted against a key
            anonymous = await http.post("/graphql", json=TYPENAME)
            assert anonymous.status_code == 401
        for _ in range(3):
            response = await http.post(
                "/graphql", json=TYPENAME, headers={"x-api-key": keys["ANALYST"]}
            )
            assert_answered(response)
        limited = await http.post(
            "/graphql",
            json={"query": REGISTER, "variables": {"input": license_input()}},
            headers={"x-api-key": keys["ANALYST"]},
        )
        message = refusal(limited, 429, "RATE_LIMITED")
        assert message == (
            "this API key sent more than 3 requests a minute "
            "(CUSTOMS_RATE_LIMIT_PER_MINUTE); retry after 20 s"
        )
        assert limited.headers["retry-after"] == "20"
        other = await http.post("/graphql", json=TYPENAME, headers={"x-api-key": keys["OFFICER"]})
        assert_answered(other)


async def test_rate_limit_zero_is_off(
    settings: Settings, database: Database, keys: dict[str, str]
) -> None:
    async with app_with(settings, database, rate_limit_per_minute=0) as http:
        for _ in range(30):
            response = await http.post(
                "/graphql", json=TYPENAME, headers={"x-api-key": keys["ANALYST"]}
            )
            assert response.status_code == 200


def test_token_bucket_refills_at_the_rate() -> None:
    now = [100.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(60)] == [None] * 60
    assert limiter.take("a") == 1
    assert limiter.take("b") is None
    now[0] += 0.5
    assert limiter.take("a") == 1
    now[0] += 0.5
    assert limiter.take("a") is None
    assert limiter.take("a") == 1
    now[0] += 3600
    assert [limiter.take("a") for _ in range(60)] == [None] * 60  # no more than the burst
    assert limiter.take("a") == 1
    slow = RateLimiter(1, clock=lambda: now[0])
    assert (slow.take("a"), slow.take("a")) == (None, 60)


# --- logs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter("%(message)s")])
def test_log_lines_are_bounded_and_encodable(formatter: logging.Formatter) -> None:
    record = logging.makeLogRecord(
        {"msg": "bad \ud800 text " + "x" * 100_000, "levelname": "INFO", "name": "t"}
    )
    record.__dict__["document"] = "y" * 100_000
    line = formatter.format(record)
    line.encode("utf-8")  # no lone surrogate left
    assert "\\ud800" in line
    assert len(line) < 3 * MAX_FIELD_CHARS + 1000


# --- the GraphiQL page under its policy, in a real browser ---------------------------------------


@pytest.mark.browser
async def test_graphiql_runs_under_its_policy_without_violations(live_api: LiveApi) -> None:
    """Headless Chromium (as tests/test_graphiql_browser.py): the page loads, starts
    Monaco's workers from /graphiql/assets, and answers a query with no CSP violation
    reported and no worker falling back to the main thread."""
    from playwright.async_api import async_playwright

    from tests.test_graphiql_browser import CHROMIUM_ARGS, _chromium_path

    path = _chromium_path()
    if path is None:
        pytest.skip("no Chromium binary (scripts/ensure-chromium.sh installs it)")
    messages: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
            await page.add_init_script(
                "window.__violations = [];"
                "document.addEventListener('securitypolicyviolation', e => "
                "window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
            )
            response = await page.goto(f"{live_api.base_url}/graphiql/")
            assert response is not None
            assert response.headers["content-security-policy"] == GRAPHIQL_CSP
            await page.locator("#api-key").fill(live_api.keys["ANALYST"])
            editor = page.locator(".graphiql-query-editor .monaco-editor").first
            await editor.wait_for(state="visible", timeout=30_000)
            await editor.locator(".view-lines").click()
            await page.keyboard.press("ControlOrMeta+A")
            await page.keyboard.press("Delete")
            await page.keyboard.insert_text("{ __typename }")
            await page.wait_for_timeout(1000)  # GraphiQL re-reads the operation name
            await page.get_by_role("button", name=re.compile(r"^Execute query")).click()
            result = page.locator(".graphiql-response .view-lines")
            for _ in range(150):
                if '"Query"' in (await result.inner_text()):
                    break
                await page.wait_for_timeout(200)
            assert '"Query"' in (await result.inner_text())
            workers = [w.url for w in page.workers]
            violations = await page.evaluate("window.__violations")
        finally:
            await browser.close()
    assert violations == []
    assert workers
    assert all(url.startswith(f"{live_api.base_url}/graphiql/assets/") for url in workers)
    flagged = [m for m in messages if "Content Security Policy" in m or "main thread" in m]
    assert flagged == []


def test_edge_settings_are_documented() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name in ("MAX_BODY_BYTES", "MAX_JSON_DEPTH", "RATE_LIMIT_PER_MINUTE", "GRAPHQL_GET"):
        field = Settings.model_fields[name.lower()]
        assert f"| `CUSTOMS_{name}` | `{str(field.default).lower()}` |" in readme
