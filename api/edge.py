"""The HTTP edge: what a request must be before GraphQL sees it.

Everything here is cheap and bounded, and runs in :class:`api.app.RequestMiddleware`
before Strawberry:

* :func:`request_id` accepts a client's ``X-Request-ID`` only when it is 1..64 characters
  of ``[A-Za-z0-9._-]``, otherwise a new one is made (the bad one is never echoed);
* :func:`read_body` reads a POST body, counting bytes as they stream in, and refuses it
  with 413 as soon as it passes the limit (a larger ``Content-Length`` is refused before a
  byte is read);
* :func:`check_graphql_request` checks the body of ``POST /graphql`` in one bounded pass:
  UTF-8, JSON nested no deeper than the limit, a GraphQL-over-HTTP request object, and no
  text that cannot be encoded as UTF-8 (lone surrogates) anywhere in it;
* :class:`RateLimiter` is a token bucket per API key;
* :func:`security_headers` are added to every response (a Content-Security-Policy fit for
  the self-hosted GraphiQL page on HTML and the page's assets).

Every refusal is an :class:`EdgeRefusal`: an HTTP status and a JSON body
``{"errors": [{"message", "extensions": {"code"}}]}`` (no ``data`` entry: the request
never reached execution), in the media type the client accepts.
"""

from __future__ import annotations

import gc
import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"

#: error codes of the edge (``extensions.code``)
BAD_REQUEST = "BAD_REQUEST"
INVALID_JSON = "INVALID_JSON"
INVALID_TEXT = "INVALID_TEXT"
REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
RATE_LIMITED = "RATE_LIMITED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class EdgeRefusal(Exception):
    """A request refused at the edge: its status, code, message and extra headers."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self, accept: str | None) -> Response:
        return error_response(self.status, self.code, self.message, accept, self.headers)


class ClientGone(Exception):
    """The client disconnected before its body arrived: nothing to answer."""


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client asks for it, otherwise
    ``application/json`` (GraphQL over HTTP, "Accept")."""
    return GRAPHQL_RESPONSE_JSON if accept and GRAPHQL_RESPONSE_JSON in accept else APPLICATION_JSON


def error_response(
    status: int,
    code: str,
    message: str,
    accept: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The JSON answer to a request refused before execution."""
    media_type = response_media_type(accept)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
        media_type=f"{media_type}; charset=utf-8",
    )


# --- request id ------------------------------------------------------------------------

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(presented: str | None) -> tuple[str, bool]:
    """The request id to use and whether the presented one was replaced: a client's id
    is kept only when it is 1..64 characters of ``[A-Za-z0-9._-]`` (safe in logs and
    headers); a missing one is made, an invalid one replaced."""
    if presented is not None and _REQUEST_ID.fullmatch(presented):
        return presented, False
    return uuid.uuid4().hex, presented is not None


# --- the body ---------------------------------------------------------------------------


def too_large(limit: int) -> EdgeRefusal:
    return EdgeRefusal(
        413,
        REQUEST_TOO_LARGE,
        f"the request body is larger than {limit} bytes (CUSTOMS_MAX_BODY_BYTES)",
    )


def declared_length(headers: dict[str, str], limit: int) -> int | None:
    """The ``Content-Length`` when sent; 413 when it already passes ``limit``."""
    value = headers.get("content-length")
    if value is None:
        return None
    if not value.isdigit():
        raise EdgeRefusal(400, BAD_REQUEST, "the Content-Length header is not a number")
    length = int(value)
    if length > limit:
        raise too_large(limit)
    return length


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body, at most ``limit`` bytes: counted as the chunks arrive and
    refused with 413 as soon as it passes the limit, so no more than ``limit`` bytes are
    ever held (the server discards the rest)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands on the body already read, then the original's messages
    (the disconnect)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def check_content_type(headers: dict[str, str]) -> None:
    """POST /graphql takes ``application/json`` in UTF-8, not compressed; 415 otherwise."""
    value = headers.get("content-type")
    if value is None:
        raise EdgeRefusal(
            415, UNSUPPORTED_MEDIA_TYPE, "send the request with Content-Type: application/json"
        )
    media_type, *params = (part.strip() for part in value.split(";"))
    if media_type.lower() != APPLICATION_JSON:
        raise EdgeRefusal(
            415,
            UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type {media_type[:100]!r} is not supported; send application/json",
        )
    for param in params:
        name, _, charset = param.partition("=")
        if name.strip().lower() == "charset" and charset.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise EdgeRefusal(
                415, UNSUPPORTED_MEDIA_TYPE, "the request body must be UTF-8 (charset=utf-8)"
            )
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise EdgeRefusal(
            415,
            UNSUPPORTED_MEDIA_TYPE,
            f"Content-Encoding {encoding[:40]!r} is not supported; send the body uncompressed",
        )


# --- the GraphQL request ---------------------------------------------------------------

# A JSON string (the escapes included), in raw UTF-8 bytes: '"', '\\' and the brackets are
# ASCII and never part of a multi-byte sequence, so they can be found byte by byte.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# an opening bracket as the signed byte +1, a closing one as -1
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
# An escaped UTF-16 surrogate: the only way JSON text in valid UTF-8 can yield one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects deeper than ``limit``.

    C-speed steps only, each one pass at most: with no more than ``limit`` brackets
    opened anywhere it cannot; otherwise the strings are cut out, every other byte but
    the brackets dropped, the innermost pairs removed (one level), and the deepest point
    of the running sum (+1 per opening, -1 per closing) compared.  Malformed text may be
    misjudged; JSON parsing refuses it anyway."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    steps = _JSON_STRING.sub(b"", body).translate(_STEPS, _NOT_BRACKETS)
    if steps.count(1) <= limit:
        return False
    inner = steps.replace(b"\x01\xff", b"")  # the innermost level, all at once
    if len(inner) == len(steps):
        return max(accumulate(memoryview(steps).cast("b")), default=0) > limit
    return max(accumulate(memoryview(inner).cast("b")), default=0) + 1 > limit


def parse_json(text: str) -> Any:
    """``json.loads`` without the cycle collector: a body of many small containers would
    otherwise trigger it again and again while it is built (several times slower); none
    of them can be part of a cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(text)
    finally:
        if enabled:
            gc.enable()


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, text) of every string in a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            yield f"a key in {path or 'the request'}", key
            yield from _strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def unencodable_text_at(value: Any) -> str | None:
    """The path of the first string that cannot be encoded as UTF-8 (a lone surrogate)."""
    for path, text in _strings(value, ""):
        if _SURROGATE.search(text):
            # the path is made of keys, which may themselves be the bad text
            return path.encode("utf-8", "backslashreplace").decode("utf-8")[:200]
    return None


@dataclass(frozen=True)
class GraphQLRequest:
    """A checked ``POST /graphql`` body and its parsed parameters."""

    body: bytes
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None = field(default=None)


def _parse_json(raw: bytes, what: str, max_depth: int) -> Any:
    """``raw`` (the body, or one URL parameter) as JSON: UTF-8, nested no deeper than
    ``max_depth``.  ``what`` names it in the messages."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EdgeRefusal(
            400, INVALID_TEXT, f"{what} is not valid UTF-8 (at byte {exc.start})"
        ) from None
    deep = EdgeRefusal(400, INVALID_JSON, f"{what} nests JSON deeper than {max_depth} levels")
    if nested_deeper_than(raw, max_depth):
        raise deep
    try:
        return parse_json(text)
    except RecursionError:  # cannot happen after the depth check; kept as a guard
        raise deep from None
    except ValueError as exc:
        raise EdgeRefusal(400, INVALID_JSON, f"{what} is not JSON: {exc}") from None


def _checked(data: dict[str, Any], body: bytes, escapes: bool) -> GraphQLRequest:
    """The request's parameters checked: a non-empty string ``query``, an optional string
    ``operationName``, optional objects ``variables`` and ``extensions``, and (when the
    text had ``escapes`` of surrogates) only text that UTF-8 can encode."""
    if escapes and (where := unencodable_text_at(data)):
        raise EdgeRefusal(
            400,
            INVALID_TEXT,
            f"{where} holds text that cannot be encoded as UTF-8 (a lone surrogate)",
        )
    query = data.get("query")
    if not isinstance(query, str):
        raise EdgeRefusal(
            400,
            BAD_REQUEST,
            "the request has no GraphQL document: send it as the string parameter `query`",
        )
    if not query.strip():
        raise EdgeRefusal(400, BAD_REQUEST, "the GraphQL document `query` is empty")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise EdgeRefusal(400, BAD_REQUEST, "`operationName` must be a string or null")
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise EdgeRefusal(400, BAD_REQUEST, "`variables` must be an object or null")
    extensions = data.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise EdgeRefusal(400, BAD_REQUEST, "`extensions` must be an object or null")
    return GraphQLRequest(body, query, operation_name, variables, extensions)


def check_graphql_request(body: bytes, *, max_depth: int) -> GraphQLRequest:
    """The body of ``POST /graphql`` checked: UTF-8, JSON no deeper than ``max_depth``,
    one request object whose parameters pass :func:`_checked`.  Raises
    :class:`EdgeRefusal` (400) naming what is wrong and where."""
    if not body:
        raise EdgeRefusal(400, BAD_REQUEST, "the request has no body; send a JSON object")
    data = _parse_json(body, "the request body", max_depth)
    if not isinstance(data, dict):
        raise EdgeRefusal(
            400,
            BAD_REQUEST,
            "send one GraphQL request as a JSON object "
            '{"query", "operationName", "variables"} (batches are not supported)',
        )
    return _checked(data, body, bool(_SURROGATE_ESCAPE.search(body)))


def check_graphql_query_string(query_string: bytes, *, max_depth: int) -> GraphQLRequest:
    """The URL parameters of ``GET /graphql`` checked like a POST body: UTF-8 after
    percent-decoding, ``variables`` and ``extensions`` JSON no deeper than ``max_depth``,
    the same parameters (:func:`_checked`).  Raises :class:`EdgeRefusal` (400)."""
    try:
        pairs = parse_qsl(
            query_string.decode("latin-1"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
        )
    except UnicodeDecodeError:
        raise EdgeRefusal(
            400, INVALID_TEXT, "the URL parameters are not valid UTF-8 once decoded"
        ) from None
    params = dict(pairs)  # the last of a repeated parameter, as GraphQL reads them
    data: dict[str, Any] = {k: params[k] for k in ("query", "operationName") if k in params}
    escapes = False
    for name in ("variables", "extensions"):
        raw = params.get(name, "").encode("utf-8")
        if raw:
            data[name] = _parse_json(raw, f"the `{name}` parameter", max_depth)
            escapes = escapes or bool(_SURROGATE_ESCAPE.search(raw))
    return _checked(data, b"", escapes)


# --- rate limit -------------------------------------------------------------------------


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per API key in this process: ``per_minute`` requests a minute on
    average, bursts up to ``per_minute``.  ``per_minute == 0`` turns it off."""

    #: buckets kept at most; full ones are dropped first when it is reached
    MAX_BUCKETS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> int | None:
        """Take one token for ``key``: ``None`` when granted, otherwise the whole seconds
        to wait for the next one (``Retry-After``)."""
        if self.capacity <= 0:
            return None
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.MAX_BUCKETS:
                self._prune(now)
            bucket = self.buckets[key] = _Bucket(self.capacity, now)
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def _prune(self, now: float) -> None:
        full = [
            key
            for key, bucket in self.buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.capacity
        ]
        for key in full or list(self.buckets)[: len(self.buckets) // 2]:
            del self.buckets[key]

    def refusal(self, retry_after: int) -> EdgeRefusal:
        return EdgeRefusal(
            429,
            RATE_LIMITED,
            f"this API key sent more than {int(self.capacity)} requests a minute "
            f"(CUSTOMS_RATE_LIMIT_PER_MINUTE); retry after {retry_after} s",
            {"retry-after": str(retry_after)},
        )


# --- security headers -------------------------------------------------------------------

#: The GraphiQL page (api/static/graphiql) loads only its own assets: module scripts,
#: Monaco's workers from /graphiql/assets (graphiql/setup-workers/vite, so no blob:),
#: stylesheets plus the <style> elements Monaco inserts at run time ('unsafe-inline' for
#: styles only), the codicon font, data: images of Monaco's CSS and the data: favicon; it
#: talks to /graphql on the same origin.  No eval, no inline script.
GRAPHIQL_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "worker-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
#: Everything else (JSON) is no document to render.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def security_headers(path: str, content_type: str | None) -> list[tuple[bytes, bytes]]:
    """Headers added to every response: ``nosniff``, no framing, no referrer, and a CSP
    (the GraphiQL one for HTML and for the page's assets, whose workers it governs)."""
    html = content_type is not None and content_type.lower().startswith("text/html")
    csp = GRAPHIQL_CSP if html or path.startswith("/graphiql") else API_CSP
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", csp.encode()),
    ]
